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
from model.clinical.measures import TRIAL_DRUGS, Patient, Run, trial_arms
from model.clinical.report import write_report
from model.clinical.targets import load_targets
from model.outputs import command_line, package_version
from model.scenario import Scenario

STANDARD = "Two courses (standard schedule)"
ARMS = ("treated", "untreated", "retreated")  # in the order of Patient's fields
TRIAL_YEARS = 2


@dataclass
class Check:
    """What the check found: the batch's exit status and one result per target."""

    status: int
    results: list[Result]
    report: Path | None


def cohort_plan(patients: int, years: int, seed: int, arms: tuple[str, ...] = ARMS) -> Plan:
    base = Scenario(name=STANDARD)
    # one day more than the years, so the last yearly scan is taken
    days = base.run.baseline_days + round(YEAR) * years + 1
    base = base.with_overrides({"run.days": days})
    return build_plan(base, list(arms), [], patients, seed, DEFAULT_RUNNER)


def trials_plan(patients: int, seed: int) -> Plan:
    """The same patients (the same root seed gives replicate r the same seed) on each
    comparator drug for the two years the pivotal trials ran."""
    return cohort_plan(patients, TRIAL_YEARS, seed, TRIAL_DRUGS)


def read_run(folder: Path, run_id: str, summary: dict) -> Run:
    """One run's recorded tables, read from the batch's Parquet files."""

    def table(kind: str) -> pd.DataFrame:
        t = pq.read_table(folder / f"{kind}.parquet", filters=[("run_id", "=", run_id)])
        return t.drop(["run_id"]).to_pandas()

    return Run(table("timeseries"), table("events"), table("relapses"), table("mri"), summary)


def _finished(rows: list[dict]) -> dict[str, dict]:
    return {r["run_id"]: r for r in rows if r["status"] == "ok"}


def _runs(plan: Plan, folder: Path, done: dict[str, dict], rep: int) -> dict[str, Run] | None:
    """Every arm's run of replicate ``rep``, or None when one did not finish."""
    ids = {r.arm: r.run_id for r in plan.runs if r.replicate == rep}
    if not all(i in done for i in ids.values()):
        return None
    return {arm: read_run(folder, i, done[i]) for arm, i in ids.items()}


def patients(
    plan: Plan,
    folder: Path,
    rows: list[dict],
    trials: tuple[Plan, Path, list[dict]] | None = None,
) -> Iterator[Patient]:
    """Each replicate's treated, untreated and retreated run (and its comparator drugs from
    ``trials``), read one patient at a time."""
    done = _finished(rows)
    trial_done = _finished(trials[2]) if trials else {}
    for rep in range(plan.replicates):
        runs = _runs(plan, folder, done, rep)
        if runs is None:
            continue
        drugs = (_runs(trials[0], trials[1], trial_done, rep) if trials else None) or {}
        yield Patient(*(runs[arm] for arm in ARMS), drugs=drugs)


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
    drugs = trials_plan(n_patients, seed)
    trial_status, trial_rows = run_batch(
        drugs, out / "trials", "(built in) comparator drugs", workers, scheduler, resume,
        started, t0,
    )  # fmt: skip
    status = max(status, trial_status)

    curves = Curves(months=12 * years)
    extracted = []
    for patient in patients(plan, cohort, rows, (drugs, out / "trials", trial_rows)):
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
    from model.clinical.figures import draw_all, trial_reductions  # matplotlib: when drawing

    figures = draw_all(out / "plots", curves, course_months)
    arms = trial_arms(extracted)
    by_name = {r.name: r for r in results}
    drawn = trial_reductions(out / "plots" / "trials.png", arms, by_name)
    if drawn is not None:
        figures.append(("Trial emulation: ARR reduction by therapy, model and published", drawn))
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
        "trials_folder": "trials/",
        "trial_arms": arms,
    }
    write_report(out, results, context, figures)
    return Check(status, results, out / "report.md")
