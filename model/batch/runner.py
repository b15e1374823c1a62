"""Running a checked batch plan into a folder: the machinery ``msim batch`` and ``msim
check-clinical`` share.

:func:`run_batch` runs what the folder is missing (every run on a resumed batch that finished
before is kept), writes each run's part as it ends, then rebuilds the tables and the report and
writes the manifest. The folder is locked for the whole batch (:mod:`model.batch.lock`). It
returns an exit status the command line passes on: 0 when every run finished, 1 when some
failed (each is recorded with its error in runs.csv and every output is still written), 130
when interrupted with Ctrl-C and 143 when stopped with SIGTERM (finished runs are kept, workers
are stopped at once; finish with ``--resume``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from model.batch.engines import Engine, make_engine
from model.batch.lock import FolderLock
from model.batch.plan import Plan
from model.batch.progress import Progress, duration
from model.batch.store import BatchStore
from model.batch.worker import TABLES
from model.outputs import (
    OutputError,
    atomic_replace_file,
    command_line,
    library_versions,
    package_version,
    why,
)

FAILED_RUNS = 1
INTERRUPTED = 130  # 128 + SIGINT
STOPPED = 143  # 128 + SIGTERM


class Stopped(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: stop the workers, keep what finished, say how to resume."""


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into :class:`Stopped` in the main thread while the batch runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Stopped()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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


def run_batch(
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
    try:
        with stop_on_sigterm(), FolderLock(out) as lock:
            return _run_locked(plan, out, lock, scenario_file, workers, scheduler, resume,
                               started, t0)  # fmt: skip
    except KeyboardInterrupt as stop:
        how = "stopped (SIGTERM)" if isinstance(stop, Stopped) else "interrupted"
        print(
            f"{how}: finished runs are saved in {out}; rerun the same command with "
            "--resume to finish the batch",
            file=sys.stderr,
        )
        return (STOPPED if isinstance(stop, Stopped) else INTERRUPTED), []
    except OSError as err:
        raise OutputError(
            f"{out}: the batch's files could not be written: {why(err)}. Runs that finished "
            "are kept; fix the folder or free the space, then rerun the same command with "
            "--resume"
        ) from None


def _run_locked(
    plan: Plan,
    out: Path,
    lock: FolderLock,
    scenario_file: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    started: str,
    t0: float,
) -> tuple[int, list[dict[str, Any]]]:
    store = BatchStore(out)
    fingerprint = plan.fingerprint()
    store.check(fingerprint, resume)  # every check before the engine starts
    if lock.took_over:
        print(
            f"msim batch: {out}: the batch that held this folder (process "
            f"{lock.took_over.get('pid', '?')}) stopped without finishing; taking it over",
            file=sys.stderr,
        )
    engine = make_engine(workers, scheduler)
    try:
        record = store.open(fingerprint, resume, started)
        atomic_replace_file(out / "scenario.toml", plan.base.to_toml())
        counts = run_missing(plan, store, engine, out)
    except BaseException:
        engine.abort()  # interrupted or failed: no worker outlives the batch
        raise
    engine.close()
    t_runs = time.monotonic()
    if counts["run_this_time"] == 0 and store.compacted():
        rows = store.rows(plan)  # a complete batch resumed: its tables are final already
    else:
        rows = finish(plan, store, out)
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
        store.compact(plan)
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
        for result in engine.run(plan.tasks(todo)):
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
    for kind in TABLES:
        store.consolidate(plan, kind)
    write_report(out, plan, rows)
    return rows
