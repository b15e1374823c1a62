"""summary.md: what a cohort shows, in tables for a report or a class (figures: ``figures``).

The numbers come from :mod:`model.batch.tables`; with fixed bootstrap seeds and fixed number
formats the text is identical whenever the runs are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.batch.plan import Plan
from model.batch.stats import Estimate
from model.batch.tables import (
    arm_table,
    lymphocyte_bands,
    paired_table,
    recovery_table,
    relapse_free_curves,
    worsening_free_curves,
)
from model.calendar import YEAR
from model.kinds import KIND_BY_KEY
from model.outputs import atomic_replace_file
from model.text import fmt


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


def yearly_and_doses(arms: list[dict[str, Any]], label) -> list[str]:
    """ARR in each year of follow-up and the doses (infusion, injection or tablet days) given,
    by arm: eight infusion days of alemtuzumab beside years of injections."""
    years = max((len(a["arr_by_year"]) for a in arms), default=0)
    if not years:
        return []
    head = (["sweep point"] if label else []) + [
        "arm",
        *(f"ARR year {y + 1}" for y in range(years)),
        "dose days given (mean, 95% CI)",
    ]
    body = []
    for a in arms:
        by_year = a["arr_by_year"] + [None] * (years - len(a["arr_by_year"]))
        body.append(
            ([label(a["point"])] if label else [])
            + [a["arm"], *(fmt(v) if v is not None else "n/a" for v in by_year)]
            + [fmt_est(a["doses"], 1)]
        )
    return [
        "## Relapses year by year, and doses given",
        "",
        "Mean ARR in each year of follow-up, and the days on which a dose was given (an "
        "infusion, an injection or a day of tablets) over the whole run.",
        "",
        *table(head, body),
        "",
    ]


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
    lines += yearly_and_doses(arms, label if swept else None)
    lines += [
        "## MRI, disability and infections",
        "",
        "New or enlarging lesions on the yearly scans and infections, each per year of "
        "follow-up (mean, 95% CI); the change in EDSS from the end of the run-in to the end of "
        "the run (mean, 95% CI); the share with 6-month confirmed disability worsening "
        "(Wilson 95% interval).",
        "",
    ]
    head = (["sweep point"] if swept else []) + [
        "arm",
        "new or enlarging lesions a year",
        "EDSS change",
        "confirmed worsening",
        "infections a year",
    ]
    body = [
        ([label(a["point"])] if swept else [])
        + [
            a["arm"],
            fmt_est(a["new_lesions_a_year"], 1),
            fmt_est(a["edss_change"], 2),
            fmt_est(a["confirmed_worsening"], 0, 100, "%"),
            fmt_est(a["infections_a_year"], 2),
        ]
        for a in arms
    ]
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
                    KIND_BY_KEY[d["kind"]].group,
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
    worsening = worsening_free_curves(plan, rows)
    figures = draw_all(out / "plots", plan, arms, paired, bands, curves, worsening)
    atomic_replace_file(
        out / "summary.md",
        markdown(plan, rows, arms, paired, recovery, [(t, f"plots/{p.name}") for t, p in figures]),
    )
