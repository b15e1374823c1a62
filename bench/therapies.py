"""Speed of one 5-year run under each therapy of the drug registry, on one core.

The standard patient (``scenarios/untreated.toml`` settings, 60x60) is given each drug's
standard regimen from the end of the run-in, as ``msim batch --arms`` does; the run from day 0
is timed apart from the burn-in, in CPU seconds of this process (what a loaded machine changes
least) and wall seconds. Prints ``key: value`` lines.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def therapy_seconds(years: float, seed: int = 1) -> dict[str, float]:
    from model.batch.arms import ARMS
    from model.drugs import registry
    from model.run import Simulation, simulate
    from model.scenario import load_scenario, prepare

    base = load_scenario(ROOT / "scenarios" / "two-courses.toml")
    base = prepare(base, days=base.run.baseline_days + round(365 * years))
    simulate(prepare(base, days=30))  # warm imports and caches
    out: dict[str, float] = {}
    for name in ["untreated", *registry().names]:
        sc = ARMS[name].build(base)
        c0 = time.process_time()
        sim = Simulation(sc, seed=seed)
        c1, t1 = time.process_time(), time.perf_counter()
        sim.advance(sc.run.days)
        sim.result()
        out[f"{name}_5y_cpu_seconds"] = round(time.process_time() - c1, 3)
        out[f"{name}_5y_wall_seconds"] = round(time.perf_counter() - t1, 3)
        out[f"{name}_burn_in_cpu_seconds"] = round(c1 - c0, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=float, default=5.0)
    args = parser.parse_args()
    for key, value in therapy_seconds(args.years).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
