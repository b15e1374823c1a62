"""Shared helpers of the browser benchmarks (``browser_fps.py``, ``sessions.py``).

``start_server`` runs ``solara run app.py`` on a free port the way ``make run`` does (production
mode, offline assets, telemetry off); ``launch`` starts Debian's Chromium through Playwright
(never ``playwright install``); ``READY`` is true once Solara has rendered the app.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
# many pages in one browser: keep pages that are not in front running at full speed
NO_THROTTLING_ARGS = [
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]  # fmt: skip
READY = (
    "() => !document.querySelector('#loader-container') && !!document.querySelector('.msim-day')"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """``solara run app.py --production`` on 127.0.0.1:port; returns once it answers HTTP."""
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False")
    env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(Path(sys.prefix) / "share/solara/cdn"))
    cmd = [
        *(sys.executable, "-m", "solara", "run", str(REPO / "app.py")),
        *("--host", "127.0.0.1", "--port", str(port), "--no-open", "--production"),
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with code {proc.returncode}") from None
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def served(url: str | None):
    """Yield ``(url, server process)``: the given url, or a server of our own started for the
    benchmark and stopped afterwards (process None when the url was given)."""
    if url is not None:
        yield url, None
        return
    port = free_port()
    proc = start_server(port)
    try:
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        stop_server(proc)


def launch(pw, extra_args: list[str] | None = None):
    """Debian's Chromium, headless, with the flags that work in a closed network."""
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []))
