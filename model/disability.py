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

The score is read as a trial reads it: at clinic visits (day 0, the end of the run-in and every
``disability.visit_interval_days`` after it), by a rater whose reading is off by a step now and
then (two raters agree exactly on the EDSS about 69% of the time; Noseworthy 1990). Confirmed
worsening and improvement follow trial rules on those readings: a change from the reading at the
end of the run-in that still holds at every later visit for six months.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

CONFIRM_DAYS = 182  # six-month confirmation
STEP = 0.5  # the EDSS is read in half points


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


class Examiner:
    """Reads the score at clinic visits: at day 0 (screening), at ``first_day`` (the end of the
    run-in) and every ``interval_days`` after it. Each reading is off by one step, up or down
    alike, with probability ``error``; one draw per visit from a stream of its own, so the
    runs of one seed meet the same rater on the same days."""

    def __init__(self, first_day: int, interval_days: int, error: float, rng: np.random.Generator):
        self.first_day = first_day
        self.interval = interval_days
        self.error = error
        self.rng = rng
        self.next_day = 0
        self.reading = 0.0

    def examine(self, day: int, edss: float) -> float:
        """The score as read at the last visit on or before ``day``."""
        if day >= self.next_day:
            u = self.rng.random()
            off = -STEP if u < self.error / 2 else STEP if u >= 1 - self.error / 2 else 0.0
            self.reading = min(max(edss + off, 0.0), 10.0)
            if day < self.first_day:
                self.next_day = self.first_day
            else:
                self.next_day = day + self.interval - (day - self.first_day) % self.interval
        return self.reading


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
