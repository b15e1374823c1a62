"""The numbers a batch report shows, computed once for the markdown and the figures alike.

Built only from the batch's own outputs (runs.csv rows, timeseries.parquet, events.parquet),
read in pieces so a long batch never has to fit in memory.
"""

from __future__ import annotations

import itertools
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from model.batch.arms import CONTROL
from model.batch.plan import Plan
from model.batch.stats import Estimate, kaplan_meier, mean_ci, paired_reduction, wilson
from model.calendar import MONTH, YEAR
from model.kinds import KINDS

BAND = (5, 50, 95)  # percentiles: median and 90% band


@dataclass
class Bands:
    """Lymphocyte counts as % of each run's own baseline, by day: percentiles across runs."""

    runs: int
    low: np.ndarray  # (days, kinds)
    median: np.ndarray
    high: np.ndarray


def ok_rows(rows: list[dict[str, Any]]) -> dict[tuple[int, str], list[dict[str, Any]]]:
    groups: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["status"] == "ok":
            groups[(row["point"], row["arm"])].append(row)
    return groups


def arm_table(plan: Plan, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = ok_rows(rows)
    out = []
    for p in range(len(plan.points)):
        for arm in plan.arms:
            g = groups.get((p, arm), [])
            arr = mean_ci(np.array([r["arr"] for r in g if r.get("arr") is not None], float))
            rf = [r["relapse_free_2y"] for r in g if r.get("relapse_free_2y") is not None]

            def per_year(key: str, g=g) -> Estimate | None:
                """Mean of ``key`` per year of follow-up, over the arm's runs."""
                vals = [
                    r[key] / ((r["days"] - r["follow_up_start_day"]) / YEAR)
                    for r in g
                    if r.get(key) is not None and r["days"] > r["follow_up_start_day"]
                ]
                return mean_ci(np.array(vals, float)) if vals else None

            edss = [
                r["edss_final"] - r["edss_baseline"]
                for r in g
                if r.get("edss_final") is not None and r.get("edss_baseline") is not None
            ]
            cdw = [r.get("cdw_6m_day") is not None for r in g if "cdw_6m_day" in r]
            out.append(
                {
                    "point": p,
                    "arm": arm,
                    "runs": len(g),
                    "failed": sum(
                        1
                        for r in rows
                        if (r["point"], r["arm"]) == (p, arm) and r["status"] != "ok"
                    ),
                    "arr": arr,
                    "relapse_free_2y": wilson(sum(rf), len(rf)) if rf else None,
                    "new_lesions_a_year": per_year("new_or_enlarging_lesions"),
                    "infections_a_year": per_year("infections"),
                    "edss_change": mean_ci(np.array(edss, float), floor=None) if edss else None,
                    "confirmed_worsening": wilson(sum(cdw), len(cdw)) if cdw else None,
                    "doses": mean_ci(np.array([r["doses_given"] for r in g], float))
                    if g and all(r.get("doses_given") is not None for r in g)
                    else None,
                    "arr_by_year": yearly_means(g),
                }
            )
    return out


def yearly_means(group: list[dict[str, Any]]) -> list[float | None]:
    """Mean ARR in each year of follow-up over the runs that reach that year."""
    years = [r.get("arr_by_year") or [] for r in group]
    out: list[float | None] = []
    for y in range(max((len(v) for v in years), default=0)):
        vals = [v[y] for v in years if len(v) > y]
        out.append(float(np.mean(vals)) if vals else None)
    return out


def paired_table(plan: Plan, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each arm against the untreated arm, replicate by replicate (same virtual patient)."""
    if CONTROL not in plan.arms:
        return []
    arr = {
        (r["point"], r["arm"], r["replicate"]): r["arr"]
        for r in rows
        if r["status"] == "ok" and r.get("arr") is not None
    }
    out = []
    for p in range(len(plan.points)):
        for a, arm in enumerate(plan.arms):
            if arm == CONTROL:
                continue
            reps = [
                r for r in range(plan.replicates) if (p, arm, r) in arr and (p, CONTROL, r) in arr
            ]
            t = np.array([arr[(p, arm, r)] for r in reps], float)
            c = np.array([arr[(p, CONTROL, r)] for r in reps], float)
            out.append(
                {
                    "point": p,
                    "arm": arm,
                    "pairs": len(reps),
                    "treated": float(t.mean()) if reps else None,
                    "control": float(c.mean()) if reps else None,
                    "reduction": paired_reduction(t, c, seed=[p, a]),
                }
            )
    return out


def recovery_table(plan: Plan, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per dosed arm and kind: median nadir (% of baseline) and months from first dose until
    the count is back to 50% of baseline."""
    out = []
    groups = ok_rows(rows)
    for p, arm in itertools.product(plan.points_ix, plan.arms):  # the order of --arms
        dosed = [r for r in groups.get((p, arm), []) if r.get("first_dose_day") is not None]
        if not dosed:
            continue
        for k in KINDS:
            nadir = [
                r[f"{k}_nadir_fraction"] for r in dosed if r.get(f"{k}_nadir_fraction") is not None
            ]
            back = [
                (r[f"{k}_recovery_day"] - r["first_dose_day"]) / MONTH
                for r in dosed
                if r.get(f"{k}_recovery_day") is not None
            ]
            below = sum(1 for x in nadir if x < 0.5)
            out.append(
                {
                    "point": p,
                    "arm": arm,
                    "kind": k,
                    "runs": len(dosed),
                    "nadir": float(np.median(nadir)) if nadir else None,
                    "below_half": below,
                    "recovered": len(back),
                    "months": float(np.median(back)) if back else None,
                }
            )
    return out


def lymphocyte_bands(
    path: Path, plan: Plan, rows: list[dict[str, Any]]
) -> dict[tuple[int, str], Bands]:
    """Median and 90% band of each kind as % of baseline, streaming timeseries.parquet.

    Holds one float32 value per run, day and kind (5 of the 19 recorded columns), never the
    whole table."""
    where: dict[str, tuple[tuple[int, str], int]] = {}
    baseline: dict[str, np.ndarray] = {}
    sizes: dict[tuple[int, str], int] = defaultdict(int)
    for row in rows:
        if row["status"] == "ok":
            key = (row["point"], row["arm"])
            where[row["run_id"]] = (key, sizes[key])
            sizes[key] += 1
            baseline[row["run_id"]] = np.array([row[f"{k}_baseline"] or np.nan for k in KINDS])
    values = {
        key: np.full((n, plan.run_settings(key[0])["days"], len(KINDS)), np.nan, np.float32)
        for key, n in sizes.items()
    }
    if path.is_file() and where:
        parquet = pq.ParquetFile(path)
        for group in range(parquet.num_row_groups):  # one run per row group (see store.py)
            frame = parquet.read_row_group(group, columns=["run_id", "day", *KINDS]).to_pandas()
            for run_id, part in frame.groupby("run_id", sort=False):
                if run_id not in where:
                    continue
                key, i = where[run_id]
                day = part["day"].to_numpy()
                counts = part[list(KINDS)].to_numpy(float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    values[key][i, day] = 100 * counts / baseline[run_id]
    out = {}
    for key, v in values.items():
        days = v.shape[1]
        q = np.full((len(BAND), days, len(KINDS)), np.nan)
        for lo in range(0, days, 256):  # in slices: percentile copies what it is given
            chunk = v[:, lo : lo + 256]
            if not np.isnan(chunk).any():  # the usual case, and about 20x faster
                q[:, lo : lo + 256] = np.percentile(chunk, BAND, axis=0)
                continue
            with warnings.catch_warnings():  # a kind with no baseline is all-NaN: left blank
                warnings.simplefilter("ignore", RuntimeWarning)
                q[:, lo : lo + 256] = np.nanpercentile(chunk, BAND, axis=0)
        out[key] = Bands(len(v), *q)
    return out


def relapse_free_curves(
    path: Path, plan: Plan, rows: list[dict[str, Any]]
) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray, int]]:
    """Kaplan-Meier fraction free of relapse from the start of follow-up, per arm and point."""
    onsets: dict[str, list[int]] = defaultdict(list)
    if path.is_file():
        table = pq.read_table(
            path, columns=["run_id", "day"], filters=[("kind", "=", "relapse_start")]
        )
        for run_id, day in zip(table["run_id"].to_pylist(), table["day"].to_pylist(), strict=True):
            onsets[run_id].append(day)

    def first_relapse(r: dict[str, Any]) -> int | None:
        after = [d for d in onsets.get(r["run_id"], []) if d >= r["follow_up_start_day"]]
        return min(after) if after else None

    return _free_curves(rows, first_relapse)


def worsening_free_curves(
    plan: Plan, rows: list[dict[str, Any]]
) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray, int]]:
    """Kaplan-Meier fraction free of 6-month confirmed disability worsening (the day it was
    first seen, ``cdw_6m_day``) from the start of follow-up, per arm and point."""

    def first_worsening(r: dict[str, Any]) -> float | None:
        day = r["cdw_6m_day"]
        return None if day is None or (isinstance(day, float) and np.isnan(day)) else day

    return _free_curves([r for r in rows if "cdw_6m_day" in r], first_worsening)


def _free_curves(
    rows: list[dict[str, Any]], first_day: Callable[[dict[str, Any]], float | None]
) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray, int]]:
    """Kaplan-Meier fraction free of an event from the start of follow-up, per arm and point;
    ``first_day`` gives a run's first event day, or None (censored at the end of the run)."""
    out = {}
    for key, g in ok_rows(rows).items():
        times, observed = [], []
        for r in g:
            day = first_day(r)
            times.append(max((r["days"] if day is None else day) - r["follow_up_start_day"], 0))
            observed.append(day is not None)
        days, surv = kaplan_meier(np.array(times), np.array(observed))
        out[key] = (days, surv, len(g))
    return out


def dose_spans(plan: Plan, point: int) -> list[tuple[int, int]]:
    """(first, last) infusion day of every course any arm gives within the run at this point."""
    spans, days = set(), plan.run_settings(point)["days"]
    for arm in plan.arms:
        for c in plan.scenarios[(arm, point)]["dosing"]["courses"]:
            if c["start_day"] < days:  # courses after the end of the run are never given
                spans.add((c["start_day"], min(c["start_day"] + c["days"], days) - 1))
    return sorted(spans)
