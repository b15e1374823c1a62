"""``msim check-clinical``: a paired virtual cohort through the batch machinery, measured against
every published figure in ``clinical-targets.toml``.

Exit status: 0 when every target passes, 1 when one fails (or a run failed), 2 for bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from model.batch.cli import add_engine_options, execute, now
from model.batch.engines import prestart_local
from model.batch.plan import DEFAULT_RUNNER, Plan, build_plan
from model.cli import count_arg, seed_arg
from model.clinical.curves import Curves
from model.clinical.evaluate import evaluate, extract_all
from model.clinical.measures import MONTH, Patient, Run
from model.clinical.report import fmt, interval, write_report
from model.clinical.targets import load_targets
from model.outputs import check_target, command_line, fresh_folder, package_version
from model.scenario import Scenario

STANDARD = "Two courses (standard schedule)"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check-clinical",
        help="measure a virtual cohort against the published alemtuzumab figures",
        description="Run a paired cohort (standard two courses vs untreated) and check every "
        "target in clinical-targets.toml. Exit status: 0 all targets pass, 1 some fail, 2 bad "
        "input.",
    )
    p.add_argument(
        "--patients",
        type=count_arg,
        default=100,
        metavar="N",
        help="virtual patients (each runs treated and untreated; default 100)",
    )
    p.add_argument(
        "--years",
        type=count_arg,
        default=6,
        metavar="Y",
        help="years of follow-up after the run-in (default 6)",
    )
    add_engine_options(p)
    p.add_argument(
        "--seed",
        type=seed_arg,
        default=2026,
        metavar="ROOT",
        help="root seed of the cohort (default 2026)",
    )
    p.add_argument("--out", metavar="DIR", help="report folder (default: a new folder under runs/)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted check in --out")
    p.set_defaults(handler=cmd_check_clinical)


def cohort_plan(patients: int, years: int, seed: int) -> Plan:
    base = Scenario(name=STANDARD)
    base = base.with_overrides({"run.days": base.run.baseline_days + 365 * years})
    return build_plan(base, ["treated", "untreated"], [], patients, seed, DEFAULT_RUNNER)


def read_run(folder: Path, run_id: str, summary: dict) -> Run:
    def table(kind: str) -> pd.DataFrame:
        t = pq.read_table(folder / f"{kind}.parquet", filters=[("run_id", "=", run_id)])
        return t.drop(["run_id"]).to_pandas()

    return Run(table("timeseries"), table("events"), summary)


def patients(plan: Plan, folder: Path, rows: list[dict]):
    """Each replicate's treated and untreated run, read one patient at a time."""
    by_id = {r["run_id"]: r for r in rows if r["status"] == "ok"}
    for rep in range(plan.replicates):
        ids = {r.arm: r.run_id for r in plan.runs if r.replicate == rep}
        if all(i in by_id for i in ids.values()):
            yield Patient(
                read_run(folder, ids["treated"], by_id[ids["treated"]]),
                read_run(folder, ids["untreated"], by_id[ids["untreated"]]),
            )


def cmd_check_clinical(args: argparse.Namespace) -> int:
    started, t0 = now(), time.monotonic()
    if not args.scheduler:
        prestart_local()
    targets = load_targets()
    plan = cohort_plan(args.patients, args.years, args.seed)
    out = Path(args.out) if args.out else fresh_folder(Path("runs"), "clinical-check")
    if not args.resume:
        check_target(out, force=False)
    cohort = out / "cohort"
    status, rows = execute(
        plan,
        cohort,
        f"(built in) {STANDARD}",
        args.workers,
        args.scheduler,
        args.resume,
        started,
        t0,
    )
    if not rows:
        return status

    curves = Curves(months=12 * args.years)
    extracted = []
    for patient in patients(plan, cohort, rows):
        extracted.append(extract_all(patient))
        curves.add(patient)
    if not extracted:
        print(
            "msim check-clinical: no patient finished both arms; nothing to measure",
            file=sys.stderr,
        )
        return 1
    results = evaluate(targets, extracted)
    first = plan.base.dosing.courses[0].start_day
    course_months = [(c.start_day - first) / MONTH for c in plan.base.dosing.courses]
    from model.clinical.figures import draw_all  # matplotlib: only when drawing

    figures = draw_all(out / "plots", curves, course_months)
    context = {
        "patients": len(extracted),
        "years": args.years,
        "scenario": STANDARD,
        "baseline_days": plan.base.run.baseline_days,
        "root_seed": args.seed,
        "command": command_line(),
        "version": package_version(),
        "cohort_folder": "cohort/",
    }
    write_report(out, results, context, figures)

    width = max(len(r.name) for r in results)
    for r in results:
        print(
            f"{'PASS' if r.passed else 'FAIL'}  {r.name:<{width}}  {fmt(r.value):>8} "
            f"[{interval(r)}]  accepted {fmt(r.accepted[0])}-{fmt(r.accepted[1])}"
        )
    passed = sum(r.passed for r in results)
    print(f"{passed} of {len(results)} targets pass; report: {out / 'report.md'}")
    return 0 if passed == len(results) and status == 0 else 1
