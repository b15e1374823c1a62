"""Per-run clinical measures, computed from the recorded days, events and relapses only.

Follow-up starts at the end of the run-in (``run.baseline_days``) in every arm, so a treated and
an untreated run of one patient are measured over the same window. Baselines are the mean blood
counts over the run-in.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from model.calendar import YEAR
from model.disability import confirmed_improvement_day, confirmed_worsening_day
from model.kinds import KINDS
from model.scenario import Scenario


def _none_if_nan(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def kind_recovery(counts: np.ndarray, baseline: float, start: int) -> dict:
    """Lowest count after ``start`` as a fraction of baseline, its day, and the first later day
    the count is back to 50% of baseline (None if it never fell below 50% or never came back)."""
    after = counts[start:]
    if baseline <= 0 or after.size == 0:
        return {"nadir_fraction": None, "nadir_day": None, "recovery_day": None}
    i = int(after.argmin())
    nadir = float(after[i] / baseline)
    recovery = None
    if nadir < 0.5:
        back = np.flatnonzero(after[i:] >= 0.5 * baseline)
        recovery = int(start + i + back[0]) if back.size else None
    return {"nadir_fraction": round(nadir, 4), "nadir_day": start + i, "recovery_day": recovery}


def summarise(
    scenario: Scenario,
    seed: int,
    ts: pd.DataFrame,
    events: pd.DataFrame,
    relapses: pd.DataFrame,
    mri: pd.DataFrame,
    patient: dict[str, float],
) -> dict:
    """``summary.json``: the patient's drawn traits, relapses, ARR overall and by year,
    lesions and MRI activity, disability, infections, nadir and recovery, secondary
    autoimmunity."""
    start = scenario.run.baseline_days
    days = len(ts)
    follow_days = max(days - start, 0)
    onsets = events.loc[events.kind == "relapse_start", "day"].to_numpy()
    onsets = onsets[onsets >= start]
    years = follow_days / YEAR
    arr_by_year = []
    for y in range(math.ceil(follow_days / YEAR)):
        lo, hi = start + y * YEAR, min(start + (y + 1) * YEAR, days)
        n = int(((onsets >= lo) & (onsets < hi)).sum())
        arr_by_year.append(round(n / ((hi - lo) / YEAR), 4))
    doses = events.loc[events.kind == "dose", "day"].to_numpy()
    first_dose = int(doses.min()) if doses.size else None
    total = ts[list(KINDS)].sum(axis=1).to_numpy()
    base_rows = ts.iloc[: min(start, days)]
    baseline = {k: float(base_rows[k].mean()) if len(base_rows) else 0.0 for k in KINDS}

    summary: dict = {
        "scenario": scenario.name,
        "seed": seed,
        "days": days,
        "follow_up_start_day": start,
        **patient,
        "relapse_count": len(onsets),
        "arr": round(len(onsets) / years, 4) if years > 0 else None,
        "arr_by_year": arr_by_year,
        "relapse_free_2y": (
            bool(not (onsets < start + 2 * YEAR).any()) if follow_days >= 2 * YEAR else None
        ),
        "new_lesion_count": int((events.kind == "new_lesion").sum()),
        "doses_given": int(doses.size),
        "first_dose_day": first_dose,
        "nadir_day": int(start + total[start:].argmin()) if days > start else None,
        "final_lesion_area": round(float(ts.lesion_area.iloc[-1]), 5) if days else None,
        "final_myelin_integrity": round(float(ts.myelin_integrity.iloc[-1]), 5) if days else None,
    }
    for k in KINDS:
        rec = kind_recovery(ts[k].to_numpy(dtype=float), baseline[k], start)
        summary[f"{k}_baseline"] = round(baseline[k], 2)
        summary[f"{k}_nadir_fraction"] = rec["nadir_fraction"]
        summary[f"{k}_nadir_day"] = rec["nadir_day"]
        summary[f"{k}_recovery_day"] = rec["recovery_day"]
    ended = relapses[relapses.end.notna()]  # one still under way has no duration yet
    durations = [int(d) for d in ended.duration]
    summary["relapse_median_days"] = (
        _none_if_nan(float(np.median(durations))) if durations else None
    )
    summary["relapses_with_lasting_damage"] = int(ended.lasting_damage.sum())
    summary["relapse_durations"] = durations
    edss = ts.edss_read.to_numpy(dtype=float)  # as read at clinic visits, as trials judge it
    summary["edss_baseline"] = float(edss[start]) if days > start else None
    summary["edss_final"] = float(edss[-1]) if days else None
    summary["cdw_6m_day"] = confirmed_worsening_day(edss, start) if days > start else None
    summary["cdi_6m_day"] = confirmed_improvement_day(edss, start) if days > start else None
    infections = events[events.kind == "infection"]
    summary["infections"] = len(infections)
    summary["serious_infections"] = int((infections.detail == "serious").sum())
    follow = mri[mri.day > start]
    summary["new_or_enlarging_lesions"] = int(follow.new_or_enlarging_lesions.sum())
    summary["mri_new_or_enlarging_by_scan"] = [int(n) for n in follow.new_or_enlarging_lesions]
    summary["mri_enhancing_by_scan"] = [int(n) for n in mri.enhancing_lesions]
    for kind in ("thyroid_autoimmunity", "immune_thrombocytopenia"):
        onset = events.loc[events.kind == kind, "day"]
        summary[f"{kind}_day"] = int(onset.iloc[0]) if len(onset) else None
    return summary
