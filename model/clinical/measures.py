"""How each published figure is measured on a virtual cohort.

A measure has two halves: ``extract`` reads one virtual patient (the treated and the untreated
run of one seed) and returns a number, a list, or None; ``combine`` turns the extracted values of
a cohort into the figure. Splitting them lets the bootstrap resample patients cheaply. Targets in
``clinical-targets.toml`` are matched to measures by name, so a new target whose measure exists
here is checked without code changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
    mri: pd.DataFrame
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
    """One virtual patient: two courses, untreated, and two courses with retreatment; and for
    the trial emulation, two years on each comparator drug (by registry name)."""

    treated: Run
    untreated: Run
    retreated: Run | None = None
    drugs: dict[str, Run] = field(default_factory=dict)


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


def scans_after(run: Run, months: float) -> pd.DataFrame:
    """Scans after the end of the run-in up to ``months`` later, or an empty frame if the run
    ends before then."""
    end = run.start + round(months * MONTH)
    if len(run.timeseries) < end:
        return run.mri.iloc[0:0]
    return run.mri[(run.mri.day > run.start) & (run.mri.day <= end)]


def any_new_lesion(run: Run, months: float = 24) -> float | None:
    """1 if a scan within ``months`` shows a new or enlarging lesion."""
    scans = scans_after(run, months)
    if scans.empty:
        return None
    return 1.0 if (scans.new_or_enlarging_lesions > 0).any() else 0.0


def enhancing_at(run: Run, months: float = 24) -> float | None:
    """1 if the scan ``months`` after the run-in shows an enhancing lesion."""
    scans = scans_after(run, months)
    if scans.empty:
        return None
    return 1.0 if scans.enhancing_lesions.iloc[-1] > 0 else 0.0


def new_lesions_between(run: Run, first: int, last: int) -> float | None:
    """New or enlarging lesions a year on the scans of years ``first``-``last``."""
    scans = scans_after(run, last * 12)
    years = scans[scans.day > run.start + round((first - 1) * YEAR)]
    if len(years) < last - first + 1:
        return None
    return float(years.new_or_enlarging_lesions.sum() / (last - first + 1))


def late_over_early(run: Run) -> tuple[float, float] | None:
    late, early = new_lesions_between(run, 4, 6), new_lesions_between(run, 1, 3)
    return None if late is None or early is None else (late, early)


def ratio_of_sums(values: list) -> float | None:
    pairs = [v for v in values if v is not None]
    den = sum(p[1] for p in pairs)
    return float(sum(p[0] for p in pairs) / den) if den > 0 else None


def lesions_and_relapses(run: Run) -> tuple[float, float] | None:
    """New or enlarging lesions on every follow-up scan, and the relapses over the same span."""
    scans = run.mri[run.mri.day > run.start]
    if scans.empty:
        return None
    last = int(scans.day.iloc[-1])
    return float(scans.new_or_enlarging_lesions.sum()), float(
        len(run.relapse_onsets(run.start, last))
    )


def confirmed_within(run: Run, key: str, years: float) -> float | None:
    """1 if confirmed change (``cdw_6m_day`` or ``cdi_6m_day``) came within ``years`` of the
    end of the run-in (the confirming six months may run past it)."""
    if len(run.timeseries) < run.start + years * YEAR:
        return None
    day = run.summary.get(key)
    return 1.0 if day is not None and day < run.start + years * YEAR else 0.0


def edss_slope(run: Run) -> float | None:
    """EDSS points a year over follow-up (least squares on the daily score)."""
    edss = run.series("edss")[run.start :]
    if edss.size < YEAR:
        return None
    years = np.arange(edss.size) / YEAR
    return float(np.polyfit(years, edss, 1)[0])


def infected_in_year(run: Run, year: int) -> float | None:
    """1 if an infection was noticed in the ``year``-th year of follow-up."""
    lo, hi = run.start + round((year - 1) * YEAR), run.start + round(year * YEAR)
    if len(run.timeseries) < hi:
        return None
    on = run.events_of("infection")
    return 1.0 if ((on >= lo) & (on < hi)).any() else 0.0


def infected_years(run: Run, first: int, last: int) -> float | None:
    """Share of the years ``first``-``last`` with an infection."""
    years = [infected_in_year(run, y) for y in range(first, last + 1)]
    return None if None in years else float(np.mean(years))


def serious_a_year(run: Run) -> float | None:
    """Share of follow-up years with a serious infection."""
    years = int((len(run.timeseries) - run.start) // YEAR)
    if years < 1:
        return None
    ev = run.events[(run.events.kind == "infection") & (run.events.detail == "serious")]
    end = run.start + years * YEAR
    hit = {int((d - run.start) // YEAR) for d in ev.day if run.start <= d < end}
    return len(hit) / years


def third_course_by(run: Run | None, years: float) -> float | None:
    """1 if a third course started within ``years`` of the first."""
    courses = run.courses() if run is not None else []
    if not courses or len(run.timeseries) < courses[0][0] + years * YEAR:
        return None
    return 1.0 if len(courses) >= 3 and courses[2][0] < courses[0][0] + years * YEAR else 0.0


def around_third_course(run: Run | None) -> tuple[float, float] | None:
    """Relapses in the 12 months after the start of course 3, and in the 12 months before."""
    courses = run.courses() if run is not None else []
    if len(courses) < 3 or len(run.timeseries) < courses[2][0] + YEAR:
        return None
    start = courses[2][0]
    after = len(run.relapse_onsets(start, start + round(YEAR)))
    before = len(run.relapse_onsets(start - round(YEAR), start))
    return float(after), float(before)


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


# ---------------------------------------------------------------------- trial emulation


@dataclass(frozen=True)
class Trial:
    """A pivotal trial emulated on the cohort: ``drug`` against ``comparator`` (arm names:
    "alemtuzumab" is the two-course arm, "untreated" stands for placebo, others are registry
    drugs), two years, with the published annualised relapse rates of both arms."""

    target: str
    name: str
    drug: str
    comparator: str
    published: str  # the trial's ARR, drug vs comparator, as reported


TRIALS = (
    Trial(
        "carems_vs_interferon",
        "CARE-MS I / II",
        "alemtuzumab",
        "interferon-beta-1a",
        "0.18 vs 0.39; 0.26 vs 0.52",
    ),
    Trial("interferon_vs_placebo", "PRISMS", "interferon-beta-1a", "untreated", "0.87 vs 1.28"),
    Trial("natalizumab_vs_placebo", "AFFIRM", "natalizumab", "untreated", "0.23 vs 0.73"),
    Trial(
        "ocrelizumab_vs_interferon",
        "OPERA I / II",
        "ocrelizumab",
        "interferon-beta-1a",
        "0.16 vs 0.29",
    ),
    Trial("cladribine_vs_placebo", "CLARITY", "cladribine", "untreated", "0.14 vs 0.33"),
)
TRIAL_DRUGS = ("interferon-beta-1a", "natalizumab", "ocrelizumab", "cladribine")


def arm_run(p: Patient, arm: str) -> Run | None:
    if arm == "alemtuzumab":
        return p.treated
    if arm == "untreated":
        return p.untreated
    return p.drugs.get(arm)


def trial_pair(p: Patient, trial: Trial) -> tuple[float, float] | None:
    """ARR over years 0-2 of the trial's drug and comparator arms, for one patient."""
    drug, comparator = arm_run(p, trial.drug), arm_run(p, trial.comparator)
    if drug is None or comparator is None:
        return None
    a, b = arr_2y(drug), arr_2y(comparator)
    return None if a is None or b is None else (a, b)


def trial_arms(extracted: list[dict]) -> list[dict]:
    """Each emulated trial's two arms on the cohort (mean ARR over years 0-2), for the report's
    table beside the published ones."""
    out = []
    for t in TRIALS:
        pairs = [e[t.target] for e in extracted if e.get(t.target) is not None]
        arr = [float(np.mean([p[i] for p in pairs])) for i in (0, 1)] if pairs else None
        out.append(
            {
                "target": t.target,
                "trial": t.name,
                "drug": t.drug,
                "comparator": t.comparator,
                "published": t.published,
                "model_arr": arr,
                "patients": len(pairs),
            }
        )
    return out


def scan_pair(
    p: Patient, drug: str, comparator: str, read: Callable[[Run], float | None]
) -> tuple[float, float] | None:
    """One scan reading (e.g. :func:`any_new_lesion`) of a drug arm and its comparator."""
    a, b = arm_run(p, drug), arm_run(p, comparator)
    if a is None or b is None:
        return None
    x, y = read(a), read(b)
    return None if x is None or y is None else (x, y)


def b_cells_weeks_9_13(run: Run | None) -> float | None:
    """Mean B-cell count over weeks 9-13 after the first dose, as a share of baseline."""
    if run is None:
        return None
    doses = run.events_of("dose")
    if doses.size == 0:
        return None
    first, s = int(doses.min()), run.series("b_cells")
    if first + 91 > s.size:
        return None
    return float(s[first + 63 : first + 91].mean() / run.baseline("b_cells"))


MEASURES: dict[str, Measure] = {
    **{
        t.target: Measure(
            f"1 - ARR({t.drug})/ARR({t.comparator}), years 0-2, the same patients "
            f"({t.name} emulated)",
            lambda p, t=t: trial_pair(p, t),
            ratio_of_means,
            "fraction",
        )
        for t in TRIALS
    },
    "cladribine_b_cells_weeks_9_13": Measure(
        "mean B cells over weeks 9-13 after the first cladribine dose / baseline",
        lambda p: b_cells_weeks_9_13(p.drugs.get("cladribine")),
        mean,
        "fraction",
    ),
    "natalizumab_mri_active_vs_placebo": Measure(
        "1 - share with a new or enlarging lesion on the month 12 or 24 scan, natalizumab / "
        "untreated, the same patients (AFFIRM emulated)",
        lambda p: scan_pair(p, "natalizumab", "untreated", any_new_lesion),
        ratio_of_means,
        "fraction",
    ),
    "natalizumab_enhancing_vs_placebo": Measure(
        "1 - share with an enhancing lesion on the month 24 scan, natalizumab / untreated, "
        "the same patients (AFFIRM emulated)",
        lambda p: scan_pair(p, "natalizumab", "untreated", enhancing_at),
        ratio_of_means,
        "fraction",
    ),
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
    "mri_active_2y_treated": Measure(
        "share of treated patients with a new or enlarging lesion on the month 12 or 24 scan",
        lambda p: any_new_lesion(p.treated),
        mean,
        "fraction",
    ),
    "mri_active_2y_untreated": Measure(
        "share of untreated patients with a new or enlarging lesion on the month 12 or 24 scan",
        lambda p: any_new_lesion(p.untreated),
        mean,
        "fraction",
    ),
    "enhancing_m24_treated": Measure(
        "share of treated patients with an enhancing lesion on the month 24 scan",
        lambda p: enhancing_at(p.treated),
        mean,
        "fraction",
    ),
    "enhancing_m24_untreated": Measure(
        "share of untreated patients with an enhancing lesion on the month 24 scan",
        lambda p: enhancing_at(p.untreated),
        mean,
        "fraction",
    ),
    "mri_late_over_early": Measure(
        "untreated new or enlarging lesions a year, years 4-6 / years 1-3",
        lambda p: late_over_early(p.untreated),
        ratio_of_sums,
        "ratio",
    ),
    "lesions_per_relapse": Measure(
        "untreated new or enlarging lesions on all scans / relapses over the same span",
        lambda p: lesions_and_relapses(p.untreated),
        ratio_of_sums,
        "lesions",
    ),
    "cdw_2y_treated": Measure(
        "share of treated patients with 6-month confirmed worsening within 2 years "
        "(EDSS read at 3-monthly visits)",
        lambda p: confirmed_within(p.treated, "cdw_6m_day", 2),
        mean,
        "fraction",
    ),
    "cdw_2y_untreated": Measure(
        "share of untreated patients with 6-month confirmed worsening within 2 years "
        "(EDSS read at 3-monthly visits)",
        lambda p: confirmed_within(p.untreated, "cdw_6m_day", 2),
        mean,
        "fraction",
    ),
    "free_of_cdw_5y_treated": Measure(
        "share of treated patients free of 6-month confirmed worsening through 5 years "
        "(EDSS read at 3-monthly visits)",
        lambda p: None if (c := confirmed_within(p.treated, "cdw_6m_day", 5)) is None else 1.0 - c,
        mean,
        "fraction",
    ),
    "cdi_2y_treated": Measure(
        "share of treated patients (EDSS read >= 2 at baseline) with 6-month confirmed "
        "improvement within 2 years (read at 3-monthly visits)",
        lambda p: (
            confirmed_within(p.treated, "cdi_6m_day", 2)
            if p.treated.summary.get("edss_baseline", 0) >= 2
            else None
        ),
        mean,
        "fraction",
    ),
    "edss_slope_untreated": Measure(
        "untreated EDSS change a year over follow-up (least squares)",
        lambda p: edss_slope(p.untreated),
        mean,
        "points/year",
    ),
    "infected_year_1_treated": Measure(
        "share of treated patients with an infection in year 1",
        lambda p: infected_in_year(p.treated, 1),
        mean,
        "fraction",
    ),
    "infected_years_3_6_treated": Measure(
        "share of treated patients with an infection in a year, years 3-6 (mean)",
        lambda p: infected_years(p.treated, 3, 6),
        mean,
        "fraction",
    ),
    "infected_year_1_untreated": Measure(
        "share of untreated patients with an infection in year 1",
        lambda p: infected_in_year(p.untreated, 1),
        mean,
        "fraction",
    ),
    "serious_infections_treated": Measure(
        "share of treated patients with a serious infection in a year (all follow-up years)",
        lambda p: serious_a_year(p.treated),
        mean,
        "fraction",
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
    "third_course_by_year_6": Measure(
        "share of patients given a third course within 6 years (relapse-triggered rule)",
        lambda p: third_course_by(p.retreated, 6),
        mean,
        "fraction",
    ),
    "arr_after_third_course": Measure(
        "relapses in the 12 months after course 3 / the 12 months before (pooled)",
        lambda p: around_third_course(p.retreated),
        ratio_of_sums,
        "ratio",
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
