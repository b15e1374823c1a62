"""Memory one tab's session takes, whatever the scenario and run length, and what comes back.

Each case runs in a fresh process (a tab's session as a worker holds it: ``Session`` with its
memory cap, ``MSIM_TAB_MAX_MB``, default 250 MB): the process's peak resident memory above what
it had before the session was built (``ru_maxrss``), the session's own estimate
(``msim_app.memory``) at the end, and the resident memory after the tab switches to the
standard scenario (the heavy model collected and the heap trimmed, as the app does).

    python bench/tab_memory.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("cd4", "cd8", "b_cells", "treg", "nk")
ANTIBODY = {"antibody.particles_per_mg": 2000, "antibody.half_life_days": 100}
CASES = {
    # name: (overrides, days to step, courses given with the button, side by side)
    "default_day0": ({}, 0, 0, False),
    "default_full_run": ({}, 1885, 0, False),
    "default_side_by_side_full_run": ({}, 1885, 0, True),
    "default_20_years": ({"run.days": 7300}, 7300, 0, False),
    "class_heaviest_400_days": (
        {"grid.width": 100, "grid.height": 100}
        | {f"cells.{k}.baseline": 5000 for k in KINDS}
        | ANTIBODY,
        400,
        0,
        False,
    ),
    "schema_heaviest_200_days": (
        {"grid.width": 200, "grid.height": 200}
        | {f"cells.{k}.baseline": 20_000 for k in KINDS}
        | ANTIBODY,
        200,
        0,
        False,
    ),
    "course_button_until_the_cap": (ANTIBODY, 60, 400, True),
}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def one(name: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from model.scenario import Scenario
    from msim_app import memory
    from msim_app.session import Session

    overrides, days, courses, compare = CASES[name]
    scenario = Scenario(name=name).with_overrides(overrides, source="bench") if overrides else None
    scenario = scenario or Scenario(name=name)
    light = Scenario(name="standard")
    Session(light).advance(3)  # warm every code path before the baseline
    memory.give_back()
    base = _rss_mb()
    base_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    session = Session(scenario)
    session.set_compare(compare)
    stopped = ""
    try:
        session.advance(days)
        for _ in range(courses):
            session.give_course()
            session.advance(4)
    except memory.TabMemoryError as err:
        stopped = str(err)[:60]
    took = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    estimate = session.memory_bytes() / memory.MB
    ahead = memory.growth_bytes(session) / memory.MB
    day = session.arms[0].day
    held = _rss_mb() - base
    session.load(light)  # the tab switches back to the standard scenario
    after = _rss_mb() - base
    return {
        "case": name,
        "day": day,
        "peak_mb": round(max(peak, base_peak) - base, 1),
        "held_mb": round(held, 1),
        "estimate_mb": round(estimate, 1),
        "estimate_peak_mb": round(estimate + ahead, 1),
        "after_switch_mb": round(after, 1),
        "stopped_by_cap": bool(stopped),
        "seconds": round(took, 1),
    }


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return 0
    worst = 0.0
    for name in CASES:
        done = subprocess.run(
            [sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(row), flush=True)
        print(f"tab_{name}_peak_mb: {row['peak_mb']}")
        worst = max(worst, row["peak_mb"])
    print(f"tab_worst_peak_mb: {worst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
