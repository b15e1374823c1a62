"""Per-patient curves for the validation figures, gathered one patient at a time.

Only small arrays are kept per patient (monthly samples, a few weeks of antibody), so a large
cohort's report does not need its daily tables in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.calendar import MONTH, YEAR
from model.clinical.measures import Patient, Run, first_course, infected_in_year, onset_year

KINDS_SHOWN = ("cd4", "cd8", "b_cells", "nk")
ANTIBODY_DAYS = 60


def monthly(run: Run, column: str, months: int, relative: bool = True) -> np.ndarray:
    """``column`` at each month after the first infusion (NaN past the end of the run);
    month 0 is the day before the first infusion."""
    course = first_course(run)
    origin = course[0] if course else run.start
    s = run.series(column)
    base = run.baseline(column) if relative else 1.0
    out = np.full(months + 1, np.nan)
    for m in range(months + 1):
        day = origin + round(m * MONTH) - 1
        if day < len(s) and base > 0:
            out[m] = s[day] / base
    return out


def first_relapse(run: Run) -> tuple[float, bool]:
    """Days from the start of follow-up to the first relapse, and whether one happened."""
    onsets = run.relapse_onsets(run.start, len(run.timeseries))
    if onsets.size:
        return float(onsets[0] - run.start), True
    return float(len(run.timeseries) - run.start), False


def first_worsening(run: Run) -> tuple[float, bool]:
    """Days from the start of follow-up to 6-month confirmed worsening, and whether it came."""
    day = run.summary.get("cdw_6m_day")
    if day is not None:
        return float(day - run.start), True
    return float(len(run.timeseries) - run.start), False


@dataclass
class Curves:
    months: int
    kinds: dict[str, list[np.ndarray]] = field(default_factory=dict)
    treg_share: dict[str, list[np.ndarray]] = field(default_factory=dict)
    arr_by_year: dict[str, list[list[float]]] = field(default_factory=dict)
    first_relapse: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    antibody: list[list[np.ndarray]] = field(default_factory=list)
    relapses_2y_untreated: list[int] = field(default_factory=list)
    thyroid_onset_year: list[int | None] = field(default_factory=list)
    new_lesions_by_scan: dict[str, list[list[int]]] = field(default_factory=dict)
    edss: dict[str, list[np.ndarray]] = field(default_factory=dict)
    first_worsening: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    infected_by_year: dict[str, list[list[float]]] = field(default_factory=dict)

    def add(self, patient: Patient) -> None:
        for k in KINDS_SHOWN:
            self.kinds.setdefault(k, []).append(monthly(patient.treated, k, self.months))
        for arm, run in (("treated", patient.treated), ("untreated", patient.untreated)):
            self.treg_share.setdefault(arm, []).append(
                monthly(run, "treg_share", self.months, relative=False)
            )
            self.arr_by_year.setdefault(arm, []).append(list(run.summary["arr_by_year"]))
            self.first_relapse.setdefault(arm, []).append(first_relapse(run))
            scans = run.mri[run.mri.day > run.start]
            self.new_lesions_by_scan.setdefault(arm, []).append(
                [int(n) for n in scans.new_or_enlarging_lesions]
            )
            self.edss.setdefault(arm, []).append(monthly(run, "edss", self.months, relative=False))
            self.first_worsening.setdefault(arm, []).append(first_worsening(run))
            years = int((len(run.timeseries) - run.start) // YEAR)
            self.infected_by_year.setdefault(arm, []).append(
                [infected_in_year(run, y) for y in range(1, years + 1)]
            )
        u = patient.untreated
        if len(u.timeseries) >= u.start + 730:
            self.relapses_2y_untreated.append(len(u.relapse_onsets(u.start, u.start + 730)))
        year = onset_year(patient.treated, "thyroid_autoimmunity")
        self.thyroid_onset_year.append(None if year is None else int(year))
        ab = patient.treated.series("antibody")
        self.antibody.append(
            [ab[a : a + ANTIBODY_DAYS] for a, _ in patient.treated.courses() if a < len(ab)]
        )
