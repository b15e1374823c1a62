"""Where runs execute: a local process pool or an existing dask.distributed scheduler.

Both engines take the same task dicts (one virtual patient each), call the same
:func:`model.batch.worker.run_task` and yield its results as runs finish, so results cannot
depend on the engine or the number of workers. Only a small window of tasks is in flight at a
time: the parent holds a few results, never the whole batch.

Local workers belong to their batch: they import nothing from the folder the batch was started
in (a researcher's ``random.py`` next to their data must not shadow the standard library), they
leave Ctrl-C to the parent, and they end by themselves within a second when the parent dies,
however it dies; :meth:`LocalPool.abort` stops them at once when the batch is interrupted.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol
from urllib.parse import urlsplit

from model.batch.errors import BatchError
from model.batch.worker import failed, run_task

Task = dict[str, Any]
Result = dict[str, Any]


def failed_all(task: Task, error: str) -> list[Result]:
    """Every run of a task that was lost with it."""
    return [failed(r["run_id"], error) for r in task["runs"]]


class Engine(Protocol):
    def describe(self) -> dict[str, Any]: ...
    def run(self, tasks: Iterable[Task]) -> Iterator[Result]: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


def _worker_environment() -> None:
    """What every local worker process inherits from the parent, set before any starts."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # a run is single-threaded: no oversubscription
    # Child interpreters start with `python -c`, which would put the current folder first on
    # sys.path; PYTHONSAFEPATH stops that, and the parent's own path (which workers are given)
    # is cleared of the current folder too. The model is imported from its installed package.
    os.environ["PYTHONSAFEPATH"] = "1"
    here = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.abspath(p) != here]
    if os.path.dirname(os.path.dirname(os.path.abspath(__file__))) == here:
        sys.path.append(here)  # run from a source checkout: msim itself, after the stdlib


def _watch_parent(parent: int) -> None:
    """Worker initializer: leave Ctrl-C to the batch, and exit when the batch process is gone.

    Workers are children of the forkserver, which exits when the batch process dies; either
    way the worker's parent changes, which a daemon thread notices within half a second."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    first = os.getppid()

    def watch() -> None:
        while os.getppid() == first and _alive(parent):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="msim-lifeline", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prestart_local() -> None:
    """Start the forkserver now, so it imports the model while the parent reads and checks
    the input (about 2 s saved per batch, on a second core). Runs nothing."""
    _worker_environment()
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _context() -> mp.context.BaseContext:
    """forkserver where there is one: workers start from a process that has already imported
    the model (fast), and the parent's threads (progress bar) are never forked."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["model.batch.worker", "model.run"])
        return ctx
    return mp.get_context("spawn")


def usable_cores() -> int:
    """Cores this process may run on (respects taskset/cgroup affinity, unlike cpu_count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalPool:
    """A process pool on this machine, one worker per core by default."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or usable_cores()
        self._ex: ProcessPoolExecutor | None = None

    def describe(self) -> dict[str, Any]:
        return {"engine": "local", "workers": self.workers}

    def _executor(self) -> ProcessPoolExecutor:
        if self._ex is None:
            _worker_environment()
            self._ex = ProcessPoolExecutor(
                self.workers,
                mp_context=_context(),
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
        return self._ex

    def run(self, tasks: Iterable[Task]) -> Iterator[Result]:
        todo, pending = iter(tasks), {}
        window = 2 * self.workers

        def fill() -> None:
            while len(pending) < window and (task := next(todo, None)) is not None:
                fut, ex = self._submit(task)
                pending[fut] = (task, ex)

        fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: pending[f][0]["runs"][0]["run_id"]):
                yield from self._results(fut, *pending.pop(fut))
            fill()

    def _submit(self, task: Task) -> tuple[Future, ProcessPoolExecutor]:
        ex = self._executor()
        try:
            return ex.submit(run_task, task), ex
        except BrokenProcessPool:
            # The pool broke after the last results were read: this task was never in
            # flight, so it goes to a fresh pool instead of being recorded as lost.
            self._discard(ex)
            ex = self._executor()
            return ex.submit(run_task, task), ex

    def _discard(self, ex: ProcessPoolExecutor) -> None:
        if self._ex is ex:
            ex.shutdown(wait=False, cancel_futures=True)
            self._ex = None

    def _results(self, fut: Future, task: Task, ex: ProcessPoolExecutor) -> list[Result]:
        try:
            return fut.result()
        except BrokenProcessPool:
            # A worker process died (killed, out of memory): every run in flight on its pool
            # is lost. Record them and carry on with a fresh pool; --resume retries them.
            self._discard(ex)
            return failed_all(
                task, "worker process died (killed or out of memory) while this run was in flight"
            )
        except Exception as err:  # e.g. an unpicklable result
            return failed_all(task, f"{type(err).__name__}: {err}")

    def close(self) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
            self._ex = None

    def abort(self) -> None:
        """Stop now: cancel what waits and end the runs in flight (they are rerun on resume)."""
        ex, self._ex = self._ex, None
        if ex is None:
            return
        workers = list((ex._processes or {}).values())  # the executor has no public handle
        ex.shutdown(wait=False, cancel_futures=True)
        for p in workers:
            p.terminate()
        deadline = time.monotonic() + 5
        for p in workers:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()


def _probe() -> str:
    from model.outputs import package_version

    return package_version()


def reachable(address: str, timeout: float) -> None:
    """Fail at once when nothing listens at a tcp:// address (Dask would retry until timeout)."""
    url = urlsplit(address)
    if url.scheme not in ("tcp", "tls") or not url.hostname or url.port is None:
        return  # another transport: let Dask judge it
    try:
        socket.create_connection((url.hostname, url.port), timeout=timeout).close()
    except OSError as err:
        raise BatchError(
            f"--scheduler {address}: cannot reach the scheduler "
            f"({err.strerror or err}). Start one with `dask scheduler` and workers "
            f"with `dask worker {address}`"
        ) from None


class DaskCluster:
    """Runs sent to an existing dask.distributed scheduler (``dask scheduler``)."""

    def __init__(self, address: str, timeout: float = 10.0):
        from distributed import Client

        if "://" not in address:
            raise BatchError(
                f"--scheduler {address}: give the scheduler address as "
                "tcp://HOST:PORT (printed by `dask scheduler`)"
            )
        self.address = address
        reachable(address, timeout)
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            raise BatchError(
                f"--scheduler {address}: cannot reach the scheduler ({err}). "
                "Start one with `dask scheduler` and workers with "
                f"`dask worker {address}`"
            ) from None
        try:
            self.versions = self.client.run(_probe)
        except Exception as err:  # a worker that cannot import msim
            self.client.close()
            raise BatchError(
                f"--scheduler {address}: a worker cannot run msim ({err}); "
                "install msim in every worker's environment"
            ) from None
        self._pending: dict[str, Any] = {}

    def describe(self) -> dict[str, Any]:
        return {
            "engine": "dask",
            "scheduler": self.address,
            "workers": len(self.versions),
            "worker_msim_versions": sorted(set(self.versions.values())),
        }

    def _window(self) -> int:
        return max(4, 2 * sum(self.client.nthreads().values()))

    def run(self, tasks: Iterable[Task]) -> Iterator[Result]:
        from distributed import as_completed

        todo, pending = iter(tasks), self._pending
        queue = as_completed(loop=self.client.loop)

        def fill() -> None:
            window = self._window()
            while len(pending) < window and (task := next(todo, None)) is not None:
                fut = self.client.submit(run_task, task, pure=False)
                pending[fut.key] = (fut, task)
                queue.add(fut)

        fill()
        for fut in queue:
            _, task = pending.pop(fut.key)
            try:
                results = fut.result()
            except Exception as err:  # e.g. KilledWorker
                results = failed_all(task, f"{type(err).__name__}: {err}")
            fut.release()
            yield from results
            fill()

    def close(self) -> None:
        if self._pending:
            self.client.cancel([f for f, _ in self._pending.values()])
            self._pending.clear()
        self.client.close()

    def abort(self) -> None:
        """The cluster's workers are not ours to stop: cancel this batch's runs and leave."""
        self.close()


def make_engine(workers: int | None, scheduler: str | None) -> Engine:
    if scheduler:
        return DaskCluster(scheduler)
    return LocalPool(workers)
