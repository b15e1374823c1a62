"""The plan: every run of a batch, fixed before the first one starts.

A run is (arm, sweep point, replicate). Replicate ``r`` gets child ``r`` of
``SeedSequence(root_seed)`` whatever the arm or sweep point, so every comparison is paired: the
same virtual patient, differing only in what the arm or sweep changes. Every arm and point
scenario is validated here, so bad input stops the batch before any run starts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.batch.arms import ARMS, Arm
from model.batch.errors import BatchError
from model.batch.worker import DEFAULT_RUNNER
from model.outputs import package_version
from model.scenario import Scenario, parse_assignment


@dataclass(frozen=True)
class Sweep:
    key: str
    values: tuple[Any, ...]


def parse_sweep(text: str) -> Sweep:
    """``KEY=V1,V2,...``; each value is read as TOML, like ``--set``."""
    if "=" not in text:
        raise BatchError(f"--sweep: '{text}' is not KEY=V1,V2,... (e.g. disease.flare_rate=1,2)")
    key, _, raw = text.partition("=")
    key = key.strip()
    parts = [p.strip() for p in raw.split(",")]
    if not key or not raw.strip() or any(not p for p in parts):
        raise BatchError(
            f"--sweep: '{text}' needs a key and comma-separated values, e.g. disease.flare_rate=1,2"
        )
    values = tuple(parse_assignment(f"{key}={p}")[1] for p in parts)
    if len(set(map(repr, values))) != len(values):
        raise BatchError(f"--sweep {key}: a value is repeated")
    return Sweep(key, values)


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Seed of each replicate: child ``r`` of the root SeedSequence, as a 32-bit int.

    Child ``r`` depends only on (root, r), not on how many replicates there are.
    """
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    arm: str
    point: int
    replicate: int
    seed: int


@dataclass
class Plan:
    base: Scenario
    arms: list[str]
    sweeps: list[Sweep]
    replicates: int
    root_seed: int
    runner: str = DEFAULT_RUNNER
    points: list[dict[str, Any]] = field(default_factory=list)
    scenarios: dict[tuple[str, int], dict] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)  # arm -> what it changes
    runs: list[RunSpec] = field(default_factory=list)

    def point_label(self, point: int) -> str:
        values = self.points[point]
        return ", ".join(f"{k}={v}" for k, v in values.items()) or "as given"

    @property
    def points_ix(self) -> range:
        return range(len(self.points))

    def run_settings(self, point: int) -> dict[str, Any]:
        """``run`` section at a sweep point (days and run-in may be swept; arms share it)."""
        return self.scenarios[(self.arms[0], point)]["run"]

    def scenario(self, arm: str, point: int) -> Scenario:
        return Scenario.model_validate(self.scenarios[(arm, point)])

    def tasks(self, runs: list[RunSpec]) -> Iterator[dict[str, Any]]:
        """One task per virtual patient (sweep point and replicate) with its arms among
        ``runs``: everything a worker needs, and nothing that depends on the engine."""
        patients: dict[tuple[int, int], list[RunSpec]] = {}
        for run in runs:
            patients.setdefault((run.point, run.replicate), []).append(run)
        for arms in patients.values():
            yield {
                "seed": arms[0].seed,
                "runner": self.runner,
                "runs": [
                    {"run_id": r.run_id, "scenario": self.scenarios[(r.arm, r.point)]} for r in arms
                ],
            }

    def scenarios_sha256(self) -> str:
        """One hash of every run's scenario: a ``--schedule`` file edited since the batch
        started changes it, so --resume cannot mix two schedules under one arm name."""
        text = json.dumps(sorted(self.scenarios.items(), key=str), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def fingerprint(self) -> dict[str, Any]:
        """What must match for ``--resume`` to continue this plan."""
        return json.loads(
            json.dumps(
                {
                    "scenario_sha256": self.base.sha256(),
                    "days": self.base.run.days,
                    "arms": self.arms,
                    "arm_scenarios_sha256": self.scenarios_sha256(),
                    "sweeps": [{"key": s.key, "values": list(s.values)} for s in self.sweeps],
                    "replicates": self.replicates,
                    "root_seed": self.root_seed,
                    "runner": self.runner,
                    "msim_version": package_version(),
                },
                default=str,
            )
        )


def build_plan(
    base: Scenario,
    arms: list[str],
    sweeps: list[Sweep],
    replicates: int,
    root_seed: int,
    runner: str = DEFAULT_RUNNER,
    extra_arms: dict[str, Arm] | None = None,
) -> Plan:
    """Expand arms x sweep points x replicates, validating every scenario first. ``extra_arms``
    are arms beside the registry's (``--schedule``)."""
    known = {**ARMS, **(extra_arms or {})}
    if replicates < 1:
        raise BatchError(f"--replicates: {replicates}; a batch needs at least 1 replicate")
    keys = [s.key for s in sweeps]
    if "run.seed" in keys:
        raise BatchError(
            "--sweep run.seed: seeds come from --seed and --replicates (replicate r "
            "gets the same seed in every arm and sweep point)"
        )
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise BatchError(
            f"--sweep: {', '.join(dupes)} swept more than once; give all values "
            "in one --sweep KEY=V1,V2,..."
        )
    plan = Plan(base, list(arms), list(sweeps), replicates, root_seed, runner)
    plan.descriptions = {arm: known[arm].description for arm in arms}
    plan.points = [
        dict(zip(keys, combo, strict=True))
        for combo in itertools.product(*(s.values for s in sweeps))
    ]
    for p, values in enumerate(plan.points):
        label = plan.point_label(p)
        scenario = base.with_overrides(values, source=f"--sweep {label}") if values else base
        for arm in arms:
            plan.scenarios[(arm, p)] = known[arm].build(scenario).to_dict()
    seeds = replicate_seeds(root_seed, replicates)
    pw, rw = max(2, len(str(len(plan.points) - 1))), max(3, len(str(replicates - 1)))
    runs = [
        RunSpec(f"p{p:0{pw}d}-r{r:0{rw}d}-{arm}", arm, p, r, seeds[r])
        for p in range(len(plan.points))
        for r in range(replicates)
        for arm in arms
    ]
    plan.runs = sorted(runs, key=lambda run: run.run_id)
    return plan
