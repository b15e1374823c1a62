"""``msim batch``: many virtual patients, paired arms and sweeps, locally or on Dask.

Exit status: 0 when every run finished, 1 when some runs failed (each is recorded with its
error in runs.csv and every output is still written), 2 for bad input (nothing is run),
130 when interrupted with Ctrl-C, 143 when stopped with SIGTERM (finished runs are kept; finish
with ``--resume``). A second batch on a folder in use exits 2 at once.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from model.batch.arms import ARMS, parse_arms, schedule_arm
from model.batch.engines import prestart_local
from model.batch.errors import BatchError
from model.batch.plan import DEFAULT_RUNNER, Plan, build_plan, parse_sweep
from model.batch.runner import FAILED_RUNS, now, run_batch
from model.batch.worker import resolve
from model.commands.options import (
    add_engine_options,
    count_arg,
    days_arg,
    load_with_overrides,
    seed_arg,
)
from model.outputs import fresh_folder
from model.scenario import prepare

RUNNER_ENV = "MSIM_BATCH_RUNNER"  # test hook: "module:function" used instead of simulate


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "batch",
        help="run a virtual cohort: paired arms, sweeps, in parallel or on a Dask cluster",
        description="Run many virtual patients (replicates) in paired arms and sweep points. "
        "Exit status: 0 all runs finished, 1 some runs failed (see the status column of "
        "runs.csv), 2 bad input or a folder another batch is using, 130 interrupted, 143 "
        "stopped by SIGTERM (rerun with --resume).",
    )
    p.add_argument("scenario", help="scenario file (.toml)")
    p.add_argument(
        "--replicates",
        type=count_arg,
        required=True,
        metavar="N",
        help="virtual patients per arm and sweep point",
    )
    p.add_argument("--days", type=days_arg, help="length of every run in days")
    p.add_argument(
        "--arms",
        default="treated,untreated",
        help=f"comma-separated arms (default: treated,untreated; known: {', '.join(ARMS)})",
    )
    p.add_argument(
        "--schedule",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="add arm NAME: the scenario with the dosing schedule of FILE, nothing else changed "
        "(e.g. one=scenarios/one-course.toml); repeat to compare several schedules",
    )
    p.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="run every value of a scenario key; several --sweep give every combination",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value for every run, e.g. disease.flare_rate=2",
    )
    p.add_argument(
        "--seed",
        type=seed_arg,
        metavar="ROOT",
        help="root seed of the cohort (default: the scenario's run.seed)",
    )
    add_engine_options(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default: a new folder under runs/)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish the batch already in --out: run only what is missing or failed",
    )
    p.set_defaults(handler=cmd_batch)


def build(args: argparse.Namespace) -> Plan:
    """Everything the user gave, checked: raises before any run or file."""
    base = prepare(load_with_overrides(args.scenario, args.set), args.days)
    schedules = {arm.name: arm for arm in map(schedule_arm, args.schedule)}
    if len(schedules) < len(args.schedule):
        raise BatchError("--schedule: two schedules have the same arm name")
    arms = parse_arms(args.arms, schedules)
    sweeps = [parse_sweep(s) for s in args.sweep]
    runner = os.environ.get(RUNNER_ENV) or DEFAULT_RUNNER
    try:
        resolve(runner)
    except (ImportError, AttributeError, ValueError) as err:
        raise BatchError(f"{RUNNER_ENV}={runner}: cannot be imported ({err})") from None
    root = base.run.seed if args.seed is None else args.seed
    return build_plan(base, arms, sweeps, args.replicates, root, runner, schedules)


def cmd_batch(args: argparse.Namespace) -> int:
    started, t0 = now(), time.monotonic()
    if not args.scheduler:
        prestart_local()
    plan = build(args)
    if args.resume and not args.out:
        raise BatchError("--resume needs --out DIR: the folder of the batch to finish")
    stem = f"{Path(args.scenario).stem}-batch"
    out = Path(args.out) if args.out else fresh_folder(Path("runs"), stem)
    status, _ = run_batch(
        plan, out, str(args.scenario), args.workers, args.scheduler, args.resume, started, t0
    )
    if status in (0, FAILED_RUNS):
        print(out / "summary.md")
    return status
