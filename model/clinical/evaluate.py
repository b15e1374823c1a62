"""Turn a cohort's extracted values into figures with 95% intervals, and judge each target.

The interval is a percentile bootstrap over patients (every measure, the pooled ones included,
is recomputed on each resample), with a fixed seed so the report is the same on every rerun.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from model.clinical.measures import MEASURES, Patient
from model.clinical.targets import Target

BOOTSTRAP_SEED = 52
BOOTSTRAP_SAMPLES = 1000


@dataclass
class Result:
    name: str
    what: str
    measured_as: str
    unit: str
    value: float | None
    low: float | None
    high: float | None
    patients: int
    accepted: tuple[float, float]
    passed: bool
    source: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["accepted"] = list(self.accepted)
        return d


def extract_all(patient: Patient) -> dict[str, object]:
    """Every measure's per-patient value (the only pass over a patient's data)."""
    return {name: m.extract(patient) for name, m in MEASURES.items()}


def bootstrap(values: list, combine, samples: int = BOOTSTRAP_SAMPLES):
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    n = len(values)
    stats = []
    for _ in range(samples):
        pick = rng.integers(0, n, n)
        v = combine([values[i] for i in pick])
        if v is not None and np.isfinite(v):
            stats.append(v)
    if len(stats) < samples // 2:
        return None, None
    low, high = np.percentile(stats, [2.5, 97.5])
    return float(low), float(high)


def evaluate(targets: list[Target], extracted: list[dict[str, object]]) -> list[Result]:
    results = []
    for t in targets:
        m = MEASURES.get(t.name)
        if m is None:
            results.append(
                Result(
                    t.name,
                    t.what,
                    "no measure for this target yet",
                    "",
                    None,
                    None,
                    None,
                    len(extracted),
                    (t.low, t.high),
                    False,
                    t.source,
                )
            )
            continue
        values = [e[t.name] for e in extracted]
        value = m.combine(values)
        value = None if value is None or not np.isfinite(value) else value
        low, high = bootstrap(values, m.combine) if value is not None else (None, None)
        results.append(
            Result(
                t.name,
                t.what,
                m.description,
                m.unit,
                value,
                low,
                high,
                sum(v is not None for v in values),
                (t.low, t.high),
                t.accepts(value),
                t.source,
            )
        )
    return results
