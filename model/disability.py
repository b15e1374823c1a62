"""Disability: an EDSS-like score from the tissue, and confirmed change by trial rules.

Most lesion sites are clinically silent; a share of sites is *eloquent* (a damaged one shows as a
sign or symptom), lying together in tracts. The score has two parts. The relapse part is the
myelin missing at eloquent sites: it rises in a relapse and falls back as they remyelinate,
except where scar stays, so a relapse may leave lasting worsening (after a course, trophic
support lets part of the scar heal too). The progressive part accumulates slowly with the
lesion burden and with age, whether or not there are relapses (in the NO.MS pool 47% of
worsening was independent of relapses); a share of its pace follows the tissue's smouldering
inflammation (a running mean), so a therapy that quietens the tissue slows it in part, and the
rest (axons lost in old lesions) goes on regardless. The score is 0-10 in steps of 0.5, as the
EDSS is read.

Confirmed worsening and improvement follow trial rules on the daily score: a change from the
score at the end of the run-in that still holds at every later reading for six months.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

CONFIRM_DAYS = 182  # six-month confirmation


def eloquent_tracts(
    shape: tuple[int, int], share: float, width: float, rng: np.random.Generator
) -> np.ndarray:
    """Eloquent sites lie together in tracts (noise smoothed over ``width`` sites, its top
    ``share``), so a lesion is either silent or lands in a tract and shows: relapses differ in
    what they leave, and so do patients."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=width)
    if share <= 0:
        return np.zeros(shape, dtype=bool)
    return field >= np.quantile(field, 1.0 - share)


def edss_steps(raw: float) -> float:
    """A raw score read to the nearest 0.5 within 0-10."""
    return min(max(round(raw * 2.0) / 2.0, 0.0), 10.0)


def worsening_step(baseline: float) -> float:
    """The rise that counts as worsening: 1.5 from a baseline of 0, 1.0 from 1.0 to 5.5,
    0.5 above 5.5 (the CARE-MS and NO.MS definitions)."""
    if baseline == 0:
        return 1.5
    return 1.0 if baseline <= 5.5 else 0.5


def confirmed_day(
    edss: np.ndarray, start: int, baseline: float, change: float, confirm: int = CONFIRM_DAYS
) -> int | None:
    """First day from ``start`` on which ``edss`` has moved by ``change`` from ``baseline`` (up
    for a positive change, down for a negative one) and stays moved for ``confirm`` days; None
    if that never happens with ``confirm`` days left to see it."""
    after = edss[start:]
    moved = after >= baseline + change if change > 0 else after <= baseline + change
    if after.size <= confirm or not moved.any():
        return None
    # run of consecutive moved days ending at each day
    held = np.zeros(after.size, dtype=np.int64)
    run = 0
    for i, m in enumerate(moved):
        run = run + 1 if m else 0
        held[i] = run
    done = np.flatnonzero(held > confirm)
    return int(start + done[0] - confirm) if done.size else None


def confirmed_worsening_day(edss: np.ndarray, start: int) -> int | None:
    base = float(edss[start])
    return confirmed_day(edss, start, base, worsening_step(base))


def confirmed_improvement_day(edss: np.ndarray, start: int) -> int | None:
    """A fall of 1.0 that holds for six months, from a baseline of 2.0 or more (CARE-MS II)."""
    base = float(edss[start])
    return confirmed_day(edss, start, base, -1.0) if base >= 2.0 else None
