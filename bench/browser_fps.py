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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _browser import READY, launch, served

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


def measure(url: str, seconds: float, speed: str, compare: bool) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
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
    with served(args.url) as (url, _):
        fps, days = measure(url, args.seconds, args.speed, args.compare)
    print(f"browser_fps: {fps:.1f}")
    print(
        f"# speed {args.speed}{', side by side' if args.compare else ''}: {days} days simulated "
        f"in {args.seconds:g} s (infusion days play in slow motion, 4 frames/s)"
    )


if __name__ == "__main__":
    main()
