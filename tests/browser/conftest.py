"""Fixtures that drive the real app in headless Chromium.

* ``app_server`` (session): ``solara run app.py`` on a free port, production mode, offline assets,
  telemetry off; ``app_server.url`` is the page address. ``MSIM_TEST_APP=/path/app.py`` serves
  another app instead (the server still runs from the repo root).
* ``browser`` (session): Debian's ``/usr/bin/chromium`` (``MSIM_CHROMIUM`` overrides) through
  Playwright's sync API. Never ``playwright install``: it downloads a browser.
* ``page`` (per test, own browser context): records console errors, page errors, failed
  requests, HTTP errors and requests to hosts other than 127.0.0.1/localhost in
  ``page.msim_errors`` and ``page.msim_external_requests``; ``page.msim_goto()`` opens the app
  and waits until Solara has rendered it; ``page.msim_assert_clean()`` asserts nothing went wrong.

Every test under tests/browser/ gets the ``browser`` marker (``pytest -m "not browser"`` skips).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SERVER_START_TIMEOUT = 90.0  # seconds; the server is usually ready in about 3 s
PAGE_READY_TIMEOUT = 60_000  # ms


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class AppServer:
    url: str  # ends with "/"
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _asset_cache_dir() -> Path:
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(env) if env else Path(sys.prefix) / "share" / "solara" / "cdn"


def _ensure_assets(cache: Path) -> None:
    """Fill the offline CDN cache (fast no-op when present) so plain `pytest` works too."""
    script = REPO / "tools" / "solara_assets.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.fail(f"could not fill Solara's asset cache {cache}:\n{proc.stdout}{proc.stderr}")


# The class server of ``class_server``: a password and small class limits, so tests can hit them.
CLASS_PASSWORD = "test-class-password"
CLASS_GRACE_S = 10
CLASS_ENV = {
    "MSIM_CLASS": "1",
    "MSIM_CLASS_PASSWORD": CLASS_PASSWORD,
    "MSIM_CLASS_MAX_GRID": "80",
    "MSIM_CLASS_MAX_CELLS": "2000",
    "MSIM_CLASS_MAX_DAYS": "3650",
    "SOLARA_KERNEL_CULL_TIMEOUT": f"{CLASS_GRACE_S}s",  # a dropped tab's grace period
}


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    yield from _serve(tmp_path_factory, {})


@pytest.fixture(scope="session")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app served as ``make class`` serves it, with ``CLASS_ENV``."""
    yield from _serve(tmp_path_factory, CLASS_ENV)


def _serve(tmp_path_factory: pytest.TempPathFactory, extra_env: dict) -> Iterator[AppServer]:
    app = Path(os.environ.get("MSIM_TEST_APP", REPO / "app.py")).resolve()
    if not app.exists():
        pytest.skip(f"{app} does not exist yet")
    cache = _asset_cache_dir()
    _ensure_assets(cache)

    port = _free_port()
    env = dict(os.environ)
    env.update(
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="False",
        SOLARA_ASSETS_PROXY_CACHE_DIR=str(cache),
        PYTHONUNBUFFERED="1",
    )
    for name in CLASS_ENV:  # a class setting in the caller's environment must not leak in
        env.pop(name, None)
    env.update(extra_env)
    log_path = tmp_path_factory.mktemp("app_server") / "server.log"
    cmd = [
        *(sys.executable, "-m", "solara", "run", str(app)),
        *("--host", "127.0.0.1", "--port", str(port), "--no-open", "--production"),
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = AppServer(url=f"http://127.0.0.1:{port}/", port=port, process=proc, log_path=log_path)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app server exited with code {proc.returncode}:\n{server.log()}")
            try:
                with urllib.request.urlopen(server.url, timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app server silent for {SERVER_START_TIMEOUT} s:\n{server.log()}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (not playwright install)")
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "javascript"):
        return True
    return parsed.hostname in LOCAL_HOSTS


@pytest.fixture
def page(browser, app_server: AppServer):
    yield from _page(browser, app_server)


@pytest.fixture
def class_page(browser, class_server: AppServer):
    """A page of ``class_server`` (password and class limits on); same helpers as ``page``, and
    ``class_page.msim_password`` and ``class_page.msim_grace_s``."""
    for pg in _page(browser, class_server):
        pg.msim_password = CLASS_PASSWORD
        pg.msim_grace_s = CLASS_GRACE_S
        yield pg


def _page(browser, app_server: AppServer):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    errors: list[str] = []
    external: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error":
            errors.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def on_response(resp) -> None:
        if resp.status >= 400:
            errors.append(f"HTTP {resp.status}: {resp.request.method} {resp.url}")

    def on_request(req) -> None:
        if not _is_local(req.url):
            external.append(req.url)

    def on_websocket(ws) -> None:
        if not _is_local(ws.url):
            external.append(ws.url)

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    pg.on("requestfailed", lambda req: errors.append(f"request failed: {req.url} ({req.failure})"))
    pg.on("response", on_response)
    pg.on("request", on_request)
    pg.on("websocket", on_websocket)

    def goto(path: str = "") -> None:
        """Open the app (path relative to its root) and wait until Solara has rendered it."""
        pg.goto(app_server.url + path.lstrip("/"))
        wait_ready()

    def wait_ready(timeout: float = PAGE_READY_TIMEOUT) -> None:
        # the loader leaves and Solara's main content exists once the app's kernel has rendered
        pg.wait_for_function(
            "() => !document.querySelector('#loader-container')"
            " && !!document.querySelector('.solara-content-main')",
            timeout=timeout,
        )

    def assert_clean() -> None:
        problems = errors + [f"external request: {u}" for u in external]
        assert not problems, "browser problems:\n" + "\n".join(problems)

    pg.msim_errors = errors
    pg.msim_external_requests = external
    pg.msim_server = app_server
    pg.msim_goto = goto
    pg.msim_wait_ready = wait_ready
    pg.msim_assert_clean = assert_clean
    try:
        yield pg
    finally:
        with contextlib.suppress(Exception):
            context.close()
