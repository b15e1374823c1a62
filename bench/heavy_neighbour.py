"""Does one heavy tab slow its neighbour? Two real Chromium tabs on one server.

Tab B plays the standard scenario at Normal speed; its days a second, frames a second, p95
latency (request to arrival, from the page's ``window.msimStats`` hook) and longest gap between
frames are measured alone, then while tab A uploads and plays a heavy scenario at Fastest
(20 days a frame). Also prints A's days a second and the server's resident memory.

    python bench/heavy_neighbour.py                 # A: the heaviest scenario the schema allows
    python bench/heavy_neighbour.py --class-limits  # A: the heaviest within make class's limits
    MSIM_FRAME_BUDGET_MS=0 python bench/heavy_neighbour.py   # without the per-message budget

Not run by ``make bench``: two browsers and a heavy model take about a minute and 2-3 GB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _browser import NO_THROTTLING_ARGS, READY, launch, served

KINDS = ("cd4", "cd8", "b_cells", "treg", "nk")


def heavy_scenario(grid: int, cells: int) -> bytes:
    lines = [
        'name = "Heavy neighbour"',
        f"[grid]\nwidth = {grid}\nheight = {grid}",
        "[antibody]\nparticles_per_mg = 2000\nhalf_life_days = 100",
        *(f"[cells.{k}]\nbaseline = {cells}" for k in KINDS),
    ]
    return ("\n".join(lines) + "\n").encode()


def day(page) -> int:
    return int(page.locator(".msim-day").inner_text())


def measure(page, seconds: float) -> dict:
    page.evaluate("() => { window.msimStats = []; }")
    d0, t0 = day(page), time.monotonic()
    time.sleep(seconds)
    d1, dt = day(page), time.monotonic() - t0
    stats = page.evaluate("() => window.msimStats")
    lat = sorted(s[1] for s in stats)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(stats)]
    return {
        "days_per_s": round((d1 - d0) / dt, 1),
        "frames_per_s": round(len(stats) / dt, 1),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))]) if lat else None,
        "longest_gap_ms": round(max(gaps)) if gaps else None,
    }


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1])
    return round(total / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an app already served (default: start one)")
    parser.add_argument("--class-limits", action="store_true", help="grid 100, 5,000 per kind")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    grid, cells = (100, 5_000) if args.class_limits else (200, 20_000)
    from playwright.sync_api import sync_playwright

    with served(args.url) as (url, proc), sync_playwright() as pw:
        browser = launch(pw, NO_THROTTLING_ARGS)
        try:
            a = browser.new_context().new_page()
            b = browser.new_context().new_page()
            for page in (a, b):
                page.goto(url)
                page.wait_for_function(READY, timeout=60_000)
            b.click(".msim-play")
            time.sleep(3)
            alone = measure(b, args.seconds)
            a.set_input_files(".msim-upload-input", files=[{
                "name": "heavy.toml", "mimeType": "text/plain",
                "buffer": heavy_scenario(grid, cells)}])  # fmt: skip
            a.wait_for_function("() => document.querySelector('.msim-day').textContent === '0'")
            a.wait_for_timeout(2000)
            if a.locator(".msim-upload-errors").count():
                raise SystemExit(a.locator(".msim-upload-errors").inner_text())
            a.select_option(".msim-speed", "fastest")
            a.click(".msim-play")
            time.sleep(2)
            a0, t0 = day(a), time.monotonic()
            beside = measure(b, args.seconds)
            a_days = round((day(a) - a0) / (time.monotonic() - t0), 1)
            result = {
                "heavy": {"grid": grid, "cells_per_kind": cells, "particles_per_mg": 2000},
                "frame_budget_ms": os.environ.get("MSIM_FRAME_BUDGET_MS", "50"),
                "b_alone": alone,
                "b_beside_heavy": beside,
                "a_heavy_days_per_s": a_days,
                "a_day_reached": day(a),
                "server_rss_mb": rss_mb(proc.pid if proc else None),
            }
        finally:
            browser.close()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
