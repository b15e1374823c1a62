"""Frames per second of the app's Play in headless Chromium: ``browser_fps: N``.

Standalone (``make bench`` calls it): starts ``solara run app.py`` on a free port with the offline
assets, opens the page in Debian's Chromium through Playwright, presses Play at the "fast" speed
(one simulated day per frame, as fast as the page paints) and samples the day shown in the page
(``.msim-day``) at every screen paint: each change seen is one new frame the user saw.

Options: ``--seconds`` (measuring time, default 10), ``--speed`` (a speed key, default fast),
``--compare`` (treated vs untreated side by side), ``--url`` (measure a server already running).
"""

from __future__ import annotations

import argparse
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
READY = (
    "() => !document.querySelector('#loader-container') && !!document.querySelector('.msim-day')"
)
COUNTER = """() => {
  // sample the day shown at every screen paint: a change is one new frame the user saw
  window.__msimDays = [];
  let last = null;
  const tick = () => {
    const el = document.querySelector('.msim-day');
    const day = el ? el.textContent : null;
    if (day !== last) { window.__msimDays.push([performance.now(), +day]); last = day; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False")
    env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(Path(sys.prefix) / "share/solara/cdn"))
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(REPO / "app.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-open",
        "--production",
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


def measure(url: str, seconds: float, speed: str, compare: bool) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url)
        page.wait_for_function(READY, timeout=60_000)
        page.wait_for_timeout(1000)
        if compare:
            page.locator(".msim-compare-toggle input").check(force=True)
            page.wait_for_selector(".msim-view-untreated")
        page.select_option(".msim-speed", speed)
        page.evaluate(COUNTER)
        page.click(".msim-play")
        page.wait_for_timeout(1500)  # warm up
        page.evaluate("() => { window.__msimDays = []; }")
        page.wait_for_timeout(seconds * 1000)
        samples = page.evaluate("() => window.__msimDays")
        page.click(".msim-play")
        browser.close()
    if len(samples) < 2:
        return 0.0, 0
    span = (samples[-1][0] - samples[0][0]) / 1000
    return (len(samples) - 1) / span, int(samples[-1][1] - samples[0][1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--speed", default="fast")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--url")
    args = ap.parse_args()
    proc = None
    url = args.url
    if url is None:
        port = free_port()
        proc = start_server(port)
        url = f"http://127.0.0.1:{port}/"
    try:
        fps, days = measure(url, args.seconds, args.speed, args.compare)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
    print(f"browser_fps: {fps:.1f}")
    print(
        f"# speed {args.speed}{', side by side' if args.compare else ''}: {days} days simulated "
        f"in {args.seconds:g} s (infusion days play in slow motion, 4 frames/s)"
    )


if __name__ == "__main__":
    main()
