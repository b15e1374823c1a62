"""The clinical check as a library: a paired virtual cohort through the batch machinery, measured
against every published figure in ``clinical-targets.toml``, with its report and figures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from model.batch.plan import DEFAULT_RUNNER, Plan, build_plan
from model.batch.runner import run_batch
from model.calendar import MONTH, YEAR
from model.clinical.curves import Curves
from model.clinical.evaluate import Result, evaluate, extract_all
from model.clinical.measures import Patient, Run
from model.clinical.report import write_report
from model.clinical.targets import load_targets
from model.outputs import command_line, package_version
from model.scenario import Scenario

STANDARD = "Two courses (standard schedule)"
ARMS = ("treated", "untreated", "retreated")  # in the order of Patient's fields


@dataclass
class Check:
    """What the check found: the batch's exit status and one result per target."""

    status: int
    results: list[Result]
    report: Path | None


def cohort_plan(patients: int, years: int, seed: int) -> Plan:
    base = Scenario(name=STANDARD)
    # one day more than the years, so the last yearly scan is taken
    days = base.run.baseline_days + round(YEAR) * years + 1
    base = base.with_overrides({"run.days": days})
    return build_plan(base, list(ARMS), [], patients, seed, DEFAULT_RUNNER)


def read_run(folder: Path, run_id: str, summary: dict) -> Run:
    """One run's recorded tables, read from the batch's Parquet files."""

    def table(kind: str) -> pd.DataFrame:
        t = pq.read_table(folder / f"{kind}.parquet", filters=[("run_id", "=", run_id)])
        return t.drop(["run_id"]).to_pandas()

    return Run(table("timeseries"), table("events"), table("relapses"), table("mri"), summary)


def patients(plan: Plan, folder: Path, rows: list[dict]) -> Iterator[Patient]:
    """Each replicate's treated, untreated and retreated run, read one patient at a time."""
    by_id = {r["run_id"]: r for r in rows if r["status"] == "ok"}
    for rep in range(plan.replicates):
        ids = {r.arm: r.run_id for r in plan.runs if r.replicate == rep}
        if all(i in by_id for i in ids.values()):
            yield Patient(*(read_run(folder, ids[arm], by_id[ids[arm]]) for arm in ARMS))


def check_clinical(
    n_patients: int,
    years: int,
    seed: int,
    out: Path,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    started: str,
    t0: float,
) -> Check:
    """Run (or finish) the cohort in ``out/cohort`` and write the report into ``out``."""
    targets = load_targets()
    plan = cohort_plan(n_patients, years, seed)
    cohort = out / "cohort"
    status, rows = run_batch(
        plan, cohort, f"(built in) {STANDARD}", workers, scheduler, resume, started, t0
    )
    if not rows:
        return Check(status, [], None)

    curves = Curves(months=12 * years)
    extracted = []
    for patient in patients(plan, cohort, rows):
        extracted.append(extract_all(patient))
        curves.add(patient)
    if not extracted:
        print(
            "msim check-clinical: no patient finished both arms; nothing to measure",
            file=sys.stderr,
        )
        return Check(1, [], None)
    results = evaluate(targets, extracted)
    first = plan.base.dosing.courses[0].start_day
    course_months = [(c.start_day - first) / MONTH for c in plan.base.dosing.courses]
    from model.clinical.figures import draw_all  # matplotlib: only when drawing

    figures = draw_all(out / "plots", curves, course_months)
    context = {
        "patients": len(extracted),
        "years": years,
        "scenario": STANDARD,
        "baseline_days": plan.base.run.baseline_days,
        "burn_in_years": plan.base.run.burn_in_years,
        "root_seed": seed,
        "command": command_line(),
        "version": package_version(),
        "cohort_folder": "cohort/",
    }
    write_report(out, results, context, figures)
    return Check(status, results, out / "report.md")
