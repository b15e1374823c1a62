"""``msim batch``: many virtual patients, paired arms and sweeps, locally or on Dask.

Exit status: 0 when every run finished, 1 when some runs failed (each is recorded with its
error in runs.csv and every output is still written), 2 for bad input (nothing is run),
130 when interrupted (finished runs are kept; finish with ``--resume``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from model.batch.arms import ARMS, parse_arms, schedule_arm
from model.batch.engines import Engine, make_engine, prestart_local
from model.batch.errors import BatchError
from model.batch.plan import DEFAULT_RUNNER, Plan, build_plan, parse_sweep
from model.batch.progress import Progress, duration
from model.batch.store import BatchStore
from model.batch.worker import resolve
from model.cli import count_arg, days_arg, load_with_overrides, seed_arg
from model.outputs import (
    atomic_replace_file,
    command_line,
    fresh_folder,
    library_versions,
    package_version,
)
from model.scenario import prepare

FAILED_RUNS = 1
INTERRUPTED = 130
RUNNER_ENV = "MSIM_BATCH_RUNNER"  # test hook: "module:function" used instead of simulate


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "batch",
        help="run a virtual cohort: paired arms, sweeps, in parallel or on a Dask cluster",
        description="Run many virtual patients (replicates) in paired arms and sweep points. "
        "Exit status: 0 all runs finished, 1 some runs failed (see the status column of "
        "runs.csv), 2 bad input, 130 interrupted (rerun with --resume).",
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


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """--workers or --scheduler: where the runs go (shared with check-clinical)."""
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=count_arg,
        metavar="N",
        help="local worker processes (default: one per core)",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="send the runs to this dask.distributed scheduler",
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit() -> dict[str, Any] | None:
    """The source tree's commit, when msim runs from a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "uncommitted_changes": bool(dirty)}


def versions() -> dict[str, str]:
    out = library_versions()
    for lib in ("dask", "distributed", "matplotlib", "tqdm"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "missing"
    return out


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
    status, _ = execute(
        plan, out, str(args.scenario), args.workers, args.scheduler, args.resume, started, t0
    )
    if status != INTERRUPTED:
        print(out / "summary.md")
    return status


def execute(
    plan: Plan,
    out: Path,
    scenario_file: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    started: str,
    t0: float,
) -> tuple[int, list[dict[str, Any]]]:
    """Run a checked plan into ``out`` and write every output: the batch machinery that
    ``msim batch`` and ``msim check-clinical`` share. Returns (exit status, runs.csv rows)."""
    store = BatchStore(out)
    fingerprint = plan.fingerprint()
    store.check(fingerprint, resume)  # every check before the engine starts
    engine = make_engine(workers, scheduler)
    try:
        try:
            record = store.open(fingerprint, resume, started)
            atomic_replace_file(out / "scenario.toml", plan.base.to_toml())
            counts = run_missing(plan, store, engine, out)
        finally:
            engine.close()
        t_runs = time.monotonic()
        if counts["run_this_time"] == 0 and store.compacted():
            rows = store.rows(plan)  # a complete batch resumed: its tables are final already
        else:
            rows = finish(plan, store, out)
    except KeyboardInterrupt:
        print(
            f"interrupted: finished runs are saved in {out}; rerun the same command with "
            "--resume to finish the batch",
            file=sys.stderr,
        )
        return INTERRUPTED, []
    failed = [r["run_id"] for r in rows if r["status"] != "ok"]
    t_end = time.monotonic()
    manifest = {
        "msim_version": package_version(),
        "git": git_commit(),
        "scenario_file": scenario_file,
        "scenario_name": plan.base.name,
        "scenario_sha256": plan.base.sha256(),
        "root_seed": plan.root_seed,
        "days": plan.base.run.days,
        "arms": plan.arms,
        "sweeps": {s.key: list(s.values) for s in plan.sweeps},
        "replicates": plan.replicates,
        "runner": plan.runner,
        "command": command_line(),
        "engine": engine.describe(),
        "versions": versions(),
        "first_started": record["created"],
        "started": started,
        "finished": now(),
        "resumed": bool(counts["already_finished"]),
        "runs": {
            "total": len(rows),
            "ok": len(rows) - len(failed),
            "failed": len(failed),
            **counts,
        },
        "failed_run_ids": failed,
        "seconds": {
            "runs": round(t_runs - t0, 3),
            "outputs": round(t_end - t_runs, 3),
            "total": round(t_end - t0, 3),
        },
    }
    store.write_manifest(manifest)
    if not failed:
        store.compact()
    print(
        f"msim batch: {len(rows) - len(failed)} of {len(rows)} runs finished"
        + (f", {len(failed)} failed (status column of runs.csv)" if failed else "")
        + f" in {duration(t_end - t0)}; outputs: {out}",
        file=sys.stderr,
    )
    return (FAILED_RUNS if failed else 0), rows


def run_missing(plan: Plan, store: BatchStore, engine: Engine, out: Path) -> dict[str, int]:
    """Run what has no finished part yet (failed runs included), writing each as it ends."""
    finished = store.finished()
    todo = [r for r in plan.runs if finished.get(r.run_id) != "ok"]
    total, already = len(plan.runs), len(plan.runs) - len(todo)
    where = engine.describe()
    days = sorted({plan.run_settings(p)["days"] for p in plan.points_ix})
    print(
        f"msim batch: {total} runs ({len(plan.arms)} arm(s) x {len(plan.points)} sweep "
        f"point(s) x {plan.replicates} replicate(s), {'/'.join(map(str, days))} days) on "
        + (
            f"{where['workers']} local worker(s)"
            if where["engine"] == "local"
            else f"Dask scheduler {where['scheduler']} ({where['workers']} worker(s))"
        )
        + (f"; resuming: {already} already finished, {len(todo)} to run" if already else "")
        + f"; output: {out}",
        file=sys.stderr,
        flush=True,
    )
    if where["engine"] == "dask":
        theirs = set(where["worker_msim_versions"])
        if not where["workers"]:
            print(
                "msim batch: the scheduler has no workers yet; runs start when they join",
                file=sys.stderr,
            )
        elif theirs != {package_version()}:
            print(
                f"msim batch: warning: workers run msim {', '.join(sorted(theirs))}, this "
                f"machine {package_version()}",
                file=sys.stderr,
            )
    progress = Progress(total, initial=already)
    try:
        for result in engine.run(plan.task(r) for r in todo):
            store.write(result)
            if result["status"] != "ok":
                progress.note(f"run {result['run_id']} failed: {result['error']}")
            progress.update()
    finally:
        progress.close()
    return {"run_this_time": len(todo), "already_finished": already}


def finish(plan: Plan, store: BatchStore, out: Path) -> list[dict[str, Any]]:
    """The final tables and the report, all rebuilt from the parts."""
    from model.batch.report import write_report

    rows = store.write_runs_csv(plan)
    store.consolidate(plan, "timeseries")
    store.consolidate(plan, "events")
    write_report(out, plan, rows)
    return rows
