"""summary.md and plots/: what a cohort shows, in tables and figures for a report or a class.

Built only from the batch's own outputs (runs.csv rows, timeseries.parquet, events.parquet),
read in pieces so a long batch never has to fit in memory; with fixed bootstrap seeds and
fixed number formats the text is identical whenever the runs are.
"""

from __future__ import annotations

import itertools
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from model.batch.arms import CONTROL
from model.batch.plan import Plan
from model.batch.stats import Estimate, kaplan_meier, mean_ci, paired_reduction, wilson
from model.metrics import MONTH, YEAR
from model.outputs import atomic_replace_file
from model.scenario import KINDS

KIND_LABELS = {
    "cd4": "CD4 T cells",
    "cd8": "CD8 T cells",
    "b_cells": "B cells",
    "treg": "Regulatory T cells",
    "nk": "NK cells",
}
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
                }
            )
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
    out = {}
    for key, g in ok_rows(rows).items():
        times, observed = [], []
        for r in g:
            start = r["follow_up_start_day"]
            after = [d for d in onsets.get(r["run_id"], []) if d >= start]
            times.append((min(after) if after else r["days"]) - start)
            observed.append(bool(after))
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


# ----------------------------------------------------------------------------- text
def fmt(x: float | None, digits: int = 2, scale: float = 1.0, unit: str = "") -> str:
    if x is None:
        return "n/a"
    text = f"{x * scale:.{digits}f}"
    return (text.removeprefix("-") if float(text) == 0 else text) + unit  # never "-0%"


def fmt_est(e: Estimate | None, digits: int = 2, scale: float = 1.0, unit: str = "") -> str:
    if e is None or e.value is None:
        return "n/a"
    text = fmt(e.value, digits, scale, unit)
    if e.low is not None:
        text += f" ({fmt(e.low, digits, scale)} to {fmt(e.high, digits, scale)}{unit})"
    return text


def table(header: list[str], lines: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(cells) + " |" for cells in lines]


def markdown(
    plan: Plan,
    rows: list[dict[str, Any]],
    arms: list[dict[str, Any]],
    paired: list[dict[str, Any]],
    recovery: list[dict[str, Any]],
    figures: list[tuple[str, str]],
) -> str:
    swept = bool(plan.sweeps)
    label = plan.point_label
    failed = sum(1 for r in rows if r["status"] != "ok")
    settings = {(r["days"], r["baseline_days"]) for r in map(plan.run_settings, plan.points_ix)}
    follow = {
        p: (r["days"] - r["baseline_days"]) / YEAR
        for p, r in ((p, plan.run_settings(p)) for p in plan.points_ix)
    }
    if len(settings) == 1:
        ((days, start),) = settings
        length = f"{days} days per run"
        window = (
            f"Follow-up starts on day {start}, at the end of the run-in, in every arm "
            f"({follow[0]:.1f} years of follow-up)."
        )
    else:
        length = "run length as swept"
        window = "Follow-up starts at the end of the run-in, in every arm."
    lines = [
        f"# Batch: {plan.base.name}",
        "",
        f"{len(rows)} runs: arms {', '.join(plan.arms)}; {len(plan.points)} sweep point(s)"
        + (
            f" ({'; '.join(f'{s.key} = {", ".join(map(str, s.values))}' for s in plan.sweeps)})"
            if swept
            else ""
        )
        + f"; {plan.replicates} virtual patient(s) each; {length}; "
        f"root seed {plan.root_seed}. Runs failed: {failed}.",
        "",
        "Every arm and sweep point runs the same virtual patients (replicate r has the same "
        f"seed everywhere), so comparisons are paired. {window}",
        "",
        "Arms:",
        "",
        *(f"- **{arm}**: {plan.descriptions.get(arm, '')}" for arm in plan.arms),
        "",
        "## Relapses",
        "",
        "Mean annualised relapse rate (ARR) with its 95% confidence interval (Student t), and "
        "the share of patients with no relapse in the first 2 years of follow-up with its 95% "
        "interval (Wilson).",
        "",
    ]
    head = (["sweep point"] if swept else []) + [
        "arm",
        "patients",
        "mean ARR (95% CI)",
        "relapse-free at 2 years (95% CI)",
    ]
    body = []
    for a in arms:
        rf = (
            fmt_est(a["relapse_free_2y"], 0, 100, "%")
            if a["relapse_free_2y"]
            else ("n/a (follow-up under 2 years)" if follow[a["point"]] < 2 else "n/a")
        )
        runs = str(a["runs"]) + (f" ({a['failed']} failed)" if a["failed"] else "")
        body.append(
            ([label(a["point"])] if swept else []) + [a["arm"], runs, fmt_est(a["arr"]), rf]
        )
    lines += [*table(head, body), ""]

    if paired:
        lines += [
            "## ARR reduction against untreated",
            "",
            "1 - mean ARR of the arm / mean ARR untreated over the same patients. The 95% interval "
            "is a bootstrap over patients that keeps each patient's two runs together.",
            "",
        ]
        head = (["sweep point"] if swept else []) + [
            "arm",
            "pairs",
            "mean ARR",
            "mean ARR untreated",
            "ARR reduction (95% CI)",
        ]
        body = []
        for d in paired:
            red = d["reduction"]
            text = (
                fmt_est(red, 0, 100, "%")
                if red.value is not None
                else "n/a (no untreated relapses)"
                if d["pairs"]
                else "n/a"
            )
            body.append(
                ([label(d["point"])] if swept else [])
                + [d["arm"], str(d["pairs"]), fmt(d["treated"]), fmt(d["control"]), text]
            )
        lines += [*table(head, body), ""]

    if recovery:
        lines += [
            "## Lymphocytes after treatment",
            "",
            "Lowest count after the run-in as % of the patient's own baseline (median over "
            "patients), and months from the first infusion until the count is back to 50% of "
            "baseline (median over the patients whose count fell below 50% and came back).",
            "",
        ]
        head = (["sweep point"] if swept else []) + [
            "arm",
            "cells",
            "lowest (% of baseline)",
            "fell below 50%",
            "back to 50% after",
        ]
        body = []
        for d in recovery:
            back = (
                f"{fmt(d['months'], 1)} months ({d['recovered']} of {d['below_half']})"
                if d["months"] is not None
                else (f"not within the run (0 of {d['below_half']})" if d["below_half"] else "n/a")
            )
            body.append(
                ([label(d["point"])] if swept else [])
                + [
                    d["arm"],
                    KIND_LABELS[d["kind"]],
                    fmt(d["nadir"], 0, 100, "%"),
                    f"{d['below_half']} of {d['runs']}",
                    back,
                ]
            )
        lines += [*table(head, body), ""]

    if figures:
        lines += ["## Figures", ""]
        for title, rel in figures:
            lines += [f"### {title}", "", f"![{title}]({rel})", ""]
    lines += [
        "## Files",
        "",
        "`runs.csv` (one row per run), `timeseries.parquet` and `events.parquet` (every run's "
        "days and events, keyed by run_id), `manifest.json` (versions, seeds, command line), "
        "`scenario.toml` (the scenario every arm starts from).",
        "",
    ]
    return "\n".join(lines)


def write_report(out: Path, plan: Plan, rows: list[dict[str, Any]]) -> None:
    from model.batch.figures import draw_all

    arms, paired = arm_table(plan, rows), paired_table(plan, rows)
    recovery = recovery_table(plan, rows)
    bands = lymphocyte_bands(out / "timeseries.parquet", plan, rows)
    curves = relapse_free_curves(out / "events.parquet", plan, rows)
    figures = draw_all(out / "plots", plan, arms, paired, bands, curves)
    atomic_replace_file(
        out / "summary.md",
        markdown(plan, rows, arms, paired, recovery, [(t, f"plots/{p.name}") for t, p in figures]),
    )
