"""Interval estimates for the report, each chosen to stay honest with small cohorts.

All randomness (the bootstrap) uses a fixed seed, so summary.md is the same on every rerun.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri, stdtrit  # t and normal quantiles; lighter than scipy.stats

BOOTSTRAP_SEED = 20_260_101
BOOTSTRAP_SAMPLES = 4000
BOOTSTRAP_CHUNK = 200


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0


def mean_ci(values: np.ndarray, level: float = 0.95, floor: float | None = 0.0) -> Estimate:
    """Mean with a Student-t interval (no interval from one value), cut at ``floor``: a rate
    cannot be negative, however few and skewed the values."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return Estimate(None)
    m = float(x.mean())
    if x.size == 1:
        return Estimate(m, n=1)
    half = float(stdtrit(x.size - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(x.size))
    low = m - half if floor is None else max(floor, m - half)
    return Estimate(m, low, m + half, int(x.size))


def wilson(successes: int, n: int, level: float = 0.95) -> Estimate:
    """A proportion with the Wilson score interval: sensible at 0%, 100% and small n."""
    if n == 0:
        return Estimate(None)
    z = float(ndtri(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def paired_reduction(
    treated: np.ndarray, control: np.ndarray, seed: int | list[int], level: float = 0.95
) -> Estimate:
    """ARR reduction ``1 - mean(treated) / mean(control)`` over paired patients.

    The ratio of means, not the mean of per-patient ratios (undefined for a patient with no
    untreated relapse). The interval is a percentile bootstrap that resamples patients, keeping
    each pair together; resamples whose control mean is 0 are undefined and skipped.
    """
    t, c = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    n = t.size
    if n == 0 or c.mean() == 0:
        return Estimate(None, n=n)
    value = 1 - t.mean() / c.mean()
    if n == 1:
        return Estimate(float(value), n=1)
    rng = np.random.default_rng([BOOTSTRAP_SEED, *np.atleast_1d(seed)])
    ratios = []
    for _ in range(0, BOOTSTRAP_SAMPLES, BOOTSTRAP_CHUNK):  # chunks: memory stays O(n)
        idx = rng.integers(0, n, size=(BOOTSTRAP_CHUNK, n))
        ct = c[idx].mean(axis=1)
        ok = ct > 0
        ratios.append(1 - t[idx[ok]].mean(axis=1) / ct[ok])
    ratios = np.concatenate(ratios)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return Estimate(float(value), float(low), float(high), n)


def kaplan_meier(times: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step function of the fraction still event-free: (days, fraction), starting at (0, 1).

    ``times`` are days to the event or to censoring; ``observed`` says which.
    """
    t, e = np.asarray(times, dtype=float), np.asarray(observed, dtype=bool)
    days, surv, at_risk, s = [0.0], [1.0], t.size, 1.0
    for day in np.unique(t):
        at = t == day
        events = int((at & e).sum())
        if events and at_risk:
            s *= 1 - events / at_risk
            days.append(float(day))
            surv.append(s)
        at_risk -= int(at.sum())
    return np.array(days), np.array(surv)
