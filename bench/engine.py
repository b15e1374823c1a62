"""Engine speed: the standard two-course patient over 5 years on one core, and Mesa's own
Wolf-Sheep example (100x100, 1,000 sheep, 500 wolves) measured in the same process.

Prints ``key: value`` lines (read by bench/run.py).

Agent-steps: every live agent updated in a day counts once. For msim that is every lymphocyte,
antibody particle and myelin site (all are updated daily, vectorised); the ``mobile`` figure
leaves the myelin sites out. For Wolf-Sheep it is the sheep and wolves stepped each tick (grass
patches only act through scheduled regrowth events, so they are not counted).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def engine(years: float) -> dict[str, float]:
    """The run from day 0 is timed apart from the burn-in (the untreated history lived before
    day 0 while the model is built), which is reported on its own line."""
    from model.run import Simulation, simulate
    from model.scenario import load_scenario, prepare

    sc = load_scenario(ROOT / "scenarios" / "two-courses.toml")
    sc = prepare(sc, days=sc.run.baseline_days + round(365 * years))
    simulate(prepare(sc, days=30))  # warm imports and caches
    t0 = time.perf_counter()
    sim = Simulation(sc, seed=1)
    t1 = time.perf_counter()
    sim.advance(sc.run.days)
    result = sim.result()
    seconds = time.perf_counter() - t1
    ts = result.timeseries
    mobile = int(
        (ts[["cd4", "cd8", "b_cells", "treg", "nk", "tissue_cells", "antibody"]]).sum().sum()
    )
    sites = sc.grid.width * sc.grid.height * len(ts)
    return {
        "engine_5y_seconds": round(seconds, 3),
        "engine_burn_in_seconds": round(t1 - t0, 3),
        "engine_burn_in_years": sc.run.burn_in_years,
        "engine_days_per_s": round(len(ts) / seconds, 1),
        "engine_agent_steps_per_s": round((mobile + sites) / seconds),
        "engine_mobile_agent_steps_per_s": round(mobile / seconds),
    }


def wolf_sheep(min_seconds: float = 5.0) -> dict[str, float]:
    from mesa.examples.advanced.wolf_sheep.agents import Sheep, Wolf
    from mesa.examples.advanced.wolf_sheep.model import WolfSheep, WolfSheepScenario

    model = WolfSheep(
        WolfSheepScenario(width=100, height=100, initial_sheep=1000, initial_wolves=500, rng=42)
    )
    steps = agent_steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < min_seconds and steps < 1000:
        agent_steps += len(model.agents_by_type[Sheep]) + len(model.agents_by_type.get(Wolf, []))
        model.step()
        steps += 1
    seconds = time.perf_counter() - t0
    return {"wolfsheep_steps": steps, "wolfsheep_agent_steps_per_s": round(agent_steps / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=float, default=5.0)
    args = parser.parse_args()
    out = engine(args.years)
    out |= wolf_sheep()
    out["engine_vs_wolfsheep"] = round(
        out["engine_agent_steps_per_s"] / out["wolfsheep_agent_steps_per_s"], 2
    )
    for key, value in out.items():
        print(f"{key}: {value}", flush=True)


if __name__ == "__main__":
    main()
