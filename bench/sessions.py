"""Real browsers against one server: N pages playing at once (N = 10 by default).

Standalone (``make bench`` calls it): starts ``solara run app.py --production`` on a free port,
opens N pages in one headless Chromium (each page in its own browser context, so each is its own
Solara session with its own model of the standard scenario, ``two-courses``), picks the speed
(default "normal": one day a frame, at most 30 frames a second, the speed the page opens with)
and presses Play on all of them (with ``--sessions 10,30`` the 30 include the 10 of the first
round, paused in between, which play on from where they were). After a warm-up it measures a
steady window:

* ``sessions_N_updates_per_s``: frames each page received per second in the window, mean over
  the pages (``sessions_N_updates_per_s_min``: the slowest page);
* ``sessions_N_p95_ms``: 95th percentile of the step latency, the time from the page asking for
  a Play frame to that frame's arrival in the page, over all frames of all pages in the window
  (``_p50_ms`` the median); the page can send a few Play frames in one message and show them
  one per paint, so each shown frame counts once, with its message's latency;
  ``sessions_N_p95_shown_ms``: the same from asking to the frame being shown;
* ``sessions_N_server_cpu_pct`` / ``sessions_N_browser_cpu_pct``: CPU used in the window by the
  server and by Chromium plus its Playwright driver (100 = one core);
  ``sessions_N_server_ms_per_frame``: server CPU per frame served (1000 / this = the frames a
  second one core could serve).

Each page is its own browser context, so its own window: every page paints like a student's tab
in front (pages opened as tabs of one context stop painting when they are not the front tab).
The browsers run on the same 2 cores as the server, which a classroom's server never shares
with 30 browsers; so, by default, they run at a lower priority (``--nice 10``): the server gets
the CPU when it has work, the pages take the rest. ``--nice 0`` measures them as equals.

The server's capacity is measured by ``bench/class_light.py``, whose light clients speak the
page's websocket protocol without a browser; this script is the real-browser check that the
light client has not drifted from the page: the pages play, pace themselves and see latencies
like the light clients do (at 10 pages on the 2-core machine: p50 61 / p95 140 ms here, 28 / 52
ms light, 12.8 updates a second each here against 29.7, because the browsers take 160% of the
200% CPU). Thirty Chromium pages on the server's 2 cores time out while opening, so
``make bench`` runs 10.

The page records the latencies itself through the opt-in hook in ``msim_app/stage.vue``
(``window.msimStats``). Options: ``--sessions`` (default 10), ``--seconds`` (window, default 15),
``--warmup`` (default 5), ``--speed`` (a speed key), ``--nice``, ``--url`` (a server already
running; its CPU is then not reported).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _browser import NO_THROTTLING_ARGS, READY, launch, served

VIEWPORT = {"width": 800, "height": 600}  # small: less to composite, same canvases drawn
TAKE = """([t0, t1]) => (window.msimStats || []).filter((r) => r[0] >= t0 && r[0] <= t1)"""


def _cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def renice_browser(server_pid: int | None, nice: int) -> None:
    """Lower the priority of Chromium and Playwright's driver (everything we started but the
    server); run after the pages are open, so every renderer process is there."""
    if not nice:
        return
    skip = {p.pid for p in _tree(server_pid)} if server_pid else set()
    for p in psutil.Process().children(recursive=True):
        if p.pid not in skip:
            with contextlib.suppress(psutil.Error):
                p.nice(nice)


def open_pages(browser, url: str, n: int, speed: str) -> list:
    """n pages, each in its own context (its own Solara session), loaded in parallel."""
    pages = []
    for _ in range(n):
        ctx = browser.new_context(viewport=VIEWPORT)
        ctx.set_default_timeout(120_000)
        page = ctx.new_page()
        page.goto(url, wait_until="commit")
        pages.append(page)
    for page in pages:
        page.wait_for_function(READY, timeout=120_000)
    for page in pages:
        page.wait_for_selector(".msim-view")
        page.select_option(".msim-speed", speed)
        page.evaluate("() => { window.msimStats = []; }")
    return pages


def play_window(pages: list, warmup: float, seconds: float, server_pid: int | None) -> dict:
    """Play on all pages, wait, measure a steady window, pause; returns the numbers."""
    for page in pages:
        page.click(".msim-play")
    time.sleep(warmup)
    me = psutil.Process()
    server = _tree(server_pid) if server_pid else []
    server_pids = {p.pid for p in server}
    clients = [p for p in me.children(recursive=True) if p.pid not in server_pids]
    cpu0 = _cpu_seconds(server), _cpu_seconds(clients)
    t0 = time.time() * 1000
    time.sleep(seconds)
    t1 = time.time() * 1000
    cpu1 = _cpu_seconds(server), _cpu_seconds(clients)
    span = (t1 - t0) / 1000
    records = [page.evaluate(TAKE, [t0, t1]) for page in pages]
    for page in pages:
        page.click(".msim-play")  # pause
    time.sleep(1.0)
    rates = [len(r) / span for r in records]
    lat = [r[1] for rec in records for r in rec]
    shown = [r[2] for rec in records for r in rec if len(r) > 2]
    return {
        "updates_per_s": statistics.fmean(rates),
        "updates_per_s_min": min(rates),
        "p50_ms": percentile(lat, 0.5),
        "p95_ms": percentile(lat, 0.95),
        "p95_shown_ms": percentile(shown, 0.95),
        "server_cpu_pct": 100 * (cpu1[0] - cpu0[0]) / span if server_pid else float("nan"),
        "browser_cpu_pct": 100 * (cpu1[1] - cpu0[1]) / span,
        "server_ms_per_frame": 1000 * (cpu1[0] - cpu0[0]) / max(len(lat), 1)
        if server_pid
        else float("nan"),
        "frames": len(lat),
    }


def measure(
    url: str,
    counts: list[int],
    seconds: float,
    warmup: float,
    speed: str,
    nice: int,
    server_pid: int | None,
) -> dict[int, dict]:
    from playwright.sync_api import sync_playwright

    out: dict[int, dict] = {}
    with sync_playwright() as pw:
        browser = launch(pw, NO_THROTTLING_ARGS)
        pages: list = []
        try:
            for n in sorted(counts):
                if n > len(pages):
                    pages += open_pages(browser, url, n - len(pages), speed)
                    renice_browser(server_pid, nice)
                    time.sleep(1.0)
                out[n] = play_window(pages[:n], warmup, seconds, server_pid)
        finally:
            browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default="10", help="comma-separated session counts")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--speed", default="normal")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the browsers (0: none)")
    ap.add_argument("--url")
    args = ap.parse_args()
    counts = [int(c) for c in args.sessions.split(",")]
    with served(args.url) as (url, proc):
        results = measure(
            url,
            counts,
            args.seconds,
            args.warmup,
            args.speed,
            args.nice,
            proc.pid if proc else None,
        )
    for n, r in results.items():
        print(f"sessions_{n}_updates_per_s: {r['updates_per_s']:.2f}")
        print(f"sessions_{n}_updates_per_s_min: {r['updates_per_s_min']:.2f}")
        print(f"sessions_{n}_p50_ms: {r['p50_ms']:.1f}")
        print(f"sessions_{n}_p95_ms: {r['p95_ms']:.1f}")
        print(f"sessions_{n}_p95_shown_ms: {r['p95_shown_ms']:.1f}")
        print(f"sessions_{n}_server_cpu_pct: {r['server_cpu_pct']:.0f}")
        print(f"sessions_{n}_browser_cpu_pct: {r['browser_cpu_pct']:.0f}")
        print(f"sessions_{n}_server_ms_per_frame: {r['server_ms_per_frame']:.2f}")
    print(
        f"# speed {args.speed}, {args.seconds:g} s window after {args.warmup:g} s warm-up, "
        f"one Chromium (nice {args.nice}), one context per session; frames measured: "
        + ", ".join(f"{n} sessions {r['frames']}" for n, r in results.items())
    )


if __name__ == "__main__":
    main()
