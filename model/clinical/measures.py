"""How each published figure is measured on a virtual cohort.

A measure has two halves: ``extract`` reads one virtual patient (the treated and the untreated
run of one seed) and returns a number, a list, or None; ``combine`` turns the extracted values of
a cohort into the figure. Splitting them lets the bootstrap resample patients cheaply. Targets in
``clinical-targets.toml`` are matched to measures by name, so a new target whose measure exists
here is checked without code changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model.calendar import MONTH, YEAR
from model.kinds import KINDS

WINDOW = 14  # days averaged for a "value at month m", so one noisy day does not decide it
SMOOTH = 30  # days averaged before reading when a count crosses a level


@dataclass
class Run:
    """One run as the batch wrote it: daily rows, events, relapses and summary."""

    timeseries: pd.DataFrame
    events: pd.DataFrame
    relapses: pd.DataFrame
    summary: dict

    @property
    def start(self) -> int:
        return int(self.summary["follow_up_start_day"])

    def courses(self) -> list[tuple[int, int]]:
        """(first, last) infusion day of each course, from the dose events."""
        days = sorted(self.events.loc[self.events.kind == "dose", "day"].astype(int))
        out: list[list[int]] = []
        for d in days:
            if out and d == out[-1][1] + 1:
                out[-1][1] = d
            else:
                out.append([d, d])
        return [(a, b) for a, b in out]

    def baseline(self, column: str) -> float:
        return float(self.timeseries[column].iloc[: self.start].mean())

    def series(self, column: str) -> np.ndarray:
        return self.timeseries[column].to_numpy(dtype=float)

    def smoothed(self, column: str) -> np.ndarray:
        """Trailing 30-day mean (the first days average what there is), for crossings."""
        s = self.series(column)
        c = np.concatenate([[0.0], np.cumsum(s)])
        i = np.arange(1, s.size + 1)
        lo = np.maximum(i - SMOOTH, 0)
        return (c[i] - c[lo]) / (i - lo)

    def events_of(self, kind: str) -> np.ndarray:
        return self.events.loc[self.events.kind == kind, "day"].to_numpy()

    def at_month(self, column: str, month: float, origin: int) -> float | None:
        """Mean of ``column`` over the fortnight ending ``month`` months after ``origin``."""
        end = origin + round(month * MONTH)
        s = self.series(column)
        if end > len(s):
            return None
        return float(s[max(end - WINDOW, 0) : end].mean())

    def relapse_onsets(self, lo: int, hi: int) -> np.ndarray:
        on = self.events_of("relapse_start")
        return on[(on >= lo) & (on < hi)]


@dataclass
class Patient:
    treated: Run
    untreated: Run


Extract = Callable[[Patient], Any]
Combine = Callable[[list], float | None]


@dataclass
class Measure:
    description: str
    extract: Extract
    combine: Combine
    unit: str = ""


def mean(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def pooled(stat: Callable[[np.ndarray], float]) -> Combine:
    """A statistic over every item of every patient's list (e.g. all relapse durations)."""

    def combine(values: list) -> float | None:
        items = np.array([x for v in values if v for x in v], dtype=float)
        return float(stat(items)) if items.size else None

    return combine


def ratio_of_means(values: list) -> float | None:
    """1 - mean(treated) / mean(untreated) over pairs: the paired relative reduction."""
    pairs = [v for v in values if v is not None]
    if not pairs:
        return None
    treated, untreated = np.mean([p[0] for p in pairs]), np.mean([p[1] for p in pairs])
    return float(1 - treated / untreated) if untreated > 0 else None


def cv(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / x.mean()) if x.size > 1 and x.mean() > 0 else float("nan")


# ---------------------------------------------------------------------- extractors


def arr_2y(run: Run) -> float | None:
    if len(run.timeseries) < run.start + 730:
        return None
    return len(run.relapse_onsets(run.start, run.start + 730)) / 2.0


def first_course(run: Run) -> tuple[int, int] | None:
    courses = run.courses()
    return courses[0] if courses else None


def months_to(run: Run, column: str, fraction: float) -> float | None:
    """Months from the first infusion until ``column`` (smoothed over 30 days) is back to
    ``fraction`` of baseline, counted from its lowest point after that infusion (None if it
    never gets there)."""
    course = first_course(run)
    if course is None:
        return None
    s, base = run.smoothed(column), run.baseline(column)
    start = course[0]
    low = start + int(s[start : start + 180].argmin())
    back = np.flatnonzero(s[low:] >= fraction * base)
    return float((low + back[0] - start) / MONTH) if back.size else None


def lowest(run: Run, column: str, within: int = 180) -> float | None:
    course = first_course(run)
    if course is None:
        return None
    s = run.series(column)
    return float(s[course[0] : course[0] + within].min() / run.baseline(column))


def nadir_day(run: Run) -> float | None:
    course = first_course(run)
    if course is None:
        return None
    total = run.timeseries[list(KINDS)].sum(axis=1).to_numpy()
    return float(total[course[0] : course[0] + 180].argmin())


def antibody_clearance(run: Run) -> float | None:
    course = first_course(run)
    if course is None:
        return None
    ab = run.series("antibody")
    peak = ab[course[0] : course[1] + 1].max()
    gone = np.flatnonzero(ab[course[1] :] < 0.05 * peak)
    return float(gone[0]) if gone.size and peak > 0 else None


def at_month_fraction(run: Run, column: str, month: float) -> float | None:
    course = first_course(run)
    if course is None:
        return None
    value = run.at_month(column, month, course[0])
    return None if value is None else value / run.baseline(column)


def treg_shift(run: Run) -> float | None:
    course = first_course(run)
    base = run.baseline("treg_share")
    value = run.at_month("treg_share", 12, course[0]) if course else None
    return None if value is None or base <= 0 else value / base


def intervals(run: Run) -> list[float]:
    on = run.relapse_onsets(run.start, len(run.timeseries))
    return list(np.diff(on).astype(float))


def residual_flags(run: Run) -> list[float]:
    """1 for each ended relapse that left lasting damage, 0 for each that recovered fully."""
    ended = run.relapses[run.relapses.end.notna()]
    return [1.0 if bool(d) else 0.0 for d in ended.lasting_damage]


def progenitors_spared(run: Run) -> float | None:
    """Progenitor output in the month after course 1 starts over the month before it."""
    course = first_course(run)
    if course is None or course[0] < 30:
        return None
    out = run.series("progenitor_output")
    before = out[course[0] - 30 : course[0]].mean()
    during = out[course[0] : course[0] + 30].mean()
    return float(during / before) if before > 0 else None


def infection_window(run: Run) -> float | None:
    """1 when the infection-risk indicator rises within a month of the first infusion and is
    lower when the lymphocytes have recovered (month 48) than at the nadir."""
    course = first_course(run)
    if course is None:
        return None
    risk = run.series("infection_risk")
    peak = risk[course[0] : course[0] + 30].max()
    late = run.at_month("infection_risk", 48, course[0])
    base = risk[: run.start].mean()
    if late is None:
        return None
    return 1.0 if peak > base + 0.5 and late < peak - 0.3 else 0.0


def onset_by_year(run: Run, kind: str, years: float) -> float | None:
    """1 if a first ``kind`` event came within ``years`` of the start of follow-up."""
    if len(run.timeseries) < run.start + years * YEAR:
        return None
    on = run.events_of(kind)
    return 1.0 if ((on >= run.start) & (on < run.start + years * YEAR)).any() else 0.0


def arr_in_year(run: Run, year: int) -> float | None:
    """Relapses in the ``year``-th year after the first infusion (a rate per year)."""
    course = first_course(run)
    if course is None:
        return None
    lo = course[0] + round((year - 1) * YEAR)
    hi = course[0] + round(year * YEAR)
    if len(run.timeseries) < hi:
        return None
    return float(len(run.relapse_onsets(lo, hi)))


def relapses_2y(run: Run) -> float | None:
    if len(run.timeseries) < run.start + 730:
        return None
    return float(len(run.relapse_onsets(run.start, run.start + 730)))


def spread_over_poisson(counts: list) -> float | None:
    """Share of patients with no relapse divided by the share a Poisson count with the same
    mean would give: 1 when every patient is alike, above 1 when patients differ."""
    c = np.array([v for v in counts if v is not None], dtype=float)
    if c.size == 0 or c.mean() == 0:
        return None
    return float((c == 0).mean() / np.exp(-c.mean()))


def months_to_onset(run: Run, kind: str) -> float | None:
    course = first_course(run)
    on = run.events_of(kind)
    if course is None or on.size == 0:
        return None
    return float((on[0] - course[0]) / MONTH)


def onset_year(run: Run, kind: str) -> float | None:
    """The year after course 1 (1, 2, ...) in which the first ``kind`` event came."""
    months = months_to_onset(run, kind)
    return None if months is None else float(months // 12 + 1)


def within_of_last_course(run: Run, kind: str, years: float) -> float | None:
    """For a patient with a ``kind`` event: 1 if it came within ``years`` of the last course."""
    courses, on = run.courses(), run.events_of(kind)
    if not courses or on.size == 0:
        return None
    return 1.0 if on[0] - courses[-1][0] <= years * YEAR else 0.0


def mode_year(values: list) -> float | None:
    """The year with the most first events (the earliest of equals)."""
    years = [int(v) for v in values if v is not None]
    return float(np.bincount(years).argmax()) if years else None


def median(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.median(vals)) if vals else None


MEASURES: dict[str, Measure] = {
    "untreated_arr": Measure(
        "ARR years 0-2, untreated arm", lambda p: arr_2y(p.untreated), mean, "relapses/year"
    ),
    "relapse_duration": Measure(
        "median relapse duration, untreated arm (all relapses pooled)",
        lambda p: p.untreated.summary.get("relapse_durations") or [],
        pooled(np.median),
        "days",
    ),
    "relapse_timing": Measure(
        "coefficient of variation of inter-relapse intervals, untreated arm (pooled)",
        lambda p: intervals(p.untreated),
        pooled(cv),
    ),
    "relapse_residual": Measure(
        "share of relapses leaving lasting damage, untreated arm (pooled)",
        lambda p: residual_flags(p.untreated),
        pooled(np.mean),
        "fraction",
    ),
    "arr_reduction_2y": Measure(
        "1 - ARR(treated)/ARR(untreated), years 0-2, paired",
        lambda p: (
            None
            if arr_2y(p.treated) is None or arr_2y(p.untreated) is None
            else (arr_2y(p.treated), arr_2y(p.untreated))
        ),
        ratio_of_means,
        "fraction",
    ),
    "treated_arr_2y": Measure(
        "ARR years 0-2, two courses", lambda p: arr_2y(p.treated), mean, "relapses/year"
    ),
    "depletion_nadir": Measure(
        "day of lowest total count after course 1 starts",
        lambda p: nadir_day(p.treated),
        mean,
        "days",
    ),
    "depletion_depth": Measure(
        "lowest CD4 / baseline", lambda p: lowest(p.treated, "cd4"), mean, "fraction"
    ),
    "antibody_clearance": Measure(
        "days from last infusion of course 1 to <5% of peak antibody",
        lambda p: antibody_clearance(p.treated),
        mean,
        "days",
    ),
    "b_cell_recovery": Measure(
        "months after course 1 until B cells are back to baseline",
        lambda p: months_to(p.treated, "b_cells", 1.0),
        mean,
        "months",
    ),
    "b_cell_overshoot": Measure(
        "B cells / baseline at month 12",
        lambda p: at_month_fraction(p.treated, "b_cells", 12),
        mean,
        "fraction",
    ),
    "cd8_recovery": Measure(
        "months after course 1 until CD8 reaches 50% of baseline",
        lambda p: months_to(p.treated, "cd8", 0.5),
        mean,
        "months",
    ),
    "cd4_recovery": Measure(
        "months after course 1 until CD4 reaches 50% of baseline",
        lambda p: months_to(p.treated, "cd4", 0.5),
        mean,
        "months",
    ),
    "cd4_below_baseline": Measure(
        "CD4 / baseline at month 24",
        lambda p: at_month_fraction(p.treated, "cd4", 24),
        mean,
        "fraction",
    ),
    "treg_shift": Measure(
        "Treg share of CD4 at month 12 / before treatment",
        lambda p: treg_shift(p.treated),
        mean,
        "ratio",
    ),
    "innate_sparing": Measure(
        "lowest NK / baseline", lambda p: lowest(p.treated, "nk"), mean, "fraction"
    ),
    "stem_cell_sparing": Measure(
        "progenitor output in the month after course 1 starts / the month before",
        lambda p: progenitors_spared(p.treated),
        mean,
    ),
    "infection_window": Measure(
        "infection risk raised at the nadir and falling on recovery",
        lambda p: infection_window(p.treated),
        mean,
    ),
    "secondary_autoimmunity": Measure(
        "share of treated patients with a thyroid event by year 6",
        lambda p: onset_by_year(p.treated, "thyroid_autoimmunity", 6),
        mean,
        "fraction",
    ),
    "thyroid_peak_year": Measure(
        "year after course 1 with the most first thyroid events",
        lambda p: onset_year(p.treated, "thyroid_autoimmunity"),
        mode_year,
        "year",
    ),
    "thyroid_after_last_course": Measure(
        "share of first thyroid events within 4 years of the start of the last course",
        lambda p: within_of_last_course(p.treated, "thyroid_autoimmunity", 4),
        mean,
        "fraction",
    ),
    "itp_by_year_6": Measure(
        "share of treated patients with immune thrombocytopenia by year 6",
        lambda p: onset_by_year(p.treated, "immune_thrombocytopenia", 6),
        mean,
        "fraction",
    ),
    "itp_median_onset": Measure(
        "median months from course 1 to immune thrombocytopenia (patients who had it)",
        lambda p: months_to_onset(p.treated, "immune_thrombocytopenia"),
        median,
        "months",
    ),
    "relapse_count_spread": Measure(
        "untreated 2-year relapse counts: share with none / Poisson share at the same mean",
        lambda p: relapses_2y(p.untreated),
        spread_over_poisson,
        "ratio",
    ),
    **{
        f"arr_year_{y}": Measure(
            f"relapses in year {y} after course 1, two courses, no further course",
            lambda p, y=y: arr_in_year(p.treated, y),
            mean,
            "relapses/year",
        )
        for y in (3, 4, 5, 6)
    },
}
