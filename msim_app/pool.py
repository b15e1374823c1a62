"""Tabs' models in a few worker processes, off the server's interpreter lock.

Solara serves every tab from threads of the one server process; they share one interpreter
lock, so when the models step there, thirty tabs' stepping and the server's own messaging take
turns on one core. :class:`WorkerPool` starts ``MSIM_WORKERS`` worker processes
(``python -m msim_app.host``; default one per core, ``0`` = step the models in the server as
before) and gives each new tab a :class:`RemoteSession` connected to the worker with the fewest
tabs. The worker owns the tab's :class:`~msim_app.session.Session`, steps it and encodes its
frames; the server thread only waits on the connection (without the lock) and passes the
frames on. Results are the same as in one process: a model never leaves its worker, and the
same scenario and seed give the same run wherever it steps.

A worker that dies (killed, out of memory) takes its tabs' runs with it: their next action
shows the page's alert, and Reset (or loading a scenario) starts the run again on a live worker.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from model.scenario import Scenario
from msim_app.host import CLOSE, OPEN, STATS
from msim_app.session import StageLike

ROOT = Path(__file__).resolve().parents[1]
ENV_WORKERS = "MSIM_WORKERS"
START_TIMEOUT_S = 120.0


def worker_count() -> int:
    """``MSIM_WORKERS`` (0 = no workers), else one per core."""
    raw = os.environ.get(ENV_WORKERS, "").strip()
    if raw:
        try:
            return max(0, int(raw))
        except ValueError:
            raise ValueError(f"{ENV_WORKERS}={raw!r} is not a whole number") from None
    return os.cpu_count() or 1


class WorkerLost(RuntimeError):
    """The worker process that held this tab's run has stopped."""


class Worker:
    """One worker process and the tabs connected to it."""

    def __init__(self, folder: Path, index: int, authkey: bytes) -> None:
        self.address = str(folder / f"worker-{index}.sock")
        self.authkey = authkey
        self.tabs = 0
        path = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "msim_app.host", self.address, str(os.getpid())],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(authkey.hex() + "\n")
        self.proc.stdin.close()
        self._ready = threading.Event()
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _wait_ready(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == "ready":
                self._ready.set()
                return

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def connect(self) -> Connection:
        if not self._ready.wait(START_TIMEOUT_S) or not self.alive:
            raise WorkerLost(f"worker {self.address} did not start")
        return Client(self.address, family="AF_UNIX", authkey=self.authkey)

    def stats(self) -> dict:
        """The worker's tabs, each tab's estimated bytes and the worker's resident bytes."""
        with self.connect() as conn:
            conn.send((STATS, ()))
            return conn.recv()[0]

    def stop(self) -> None:
        if self.alive:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        if self.alive:
            self.proc.kill()


class WorkerPool:
    """``n`` worker processes; a tab goes to the one with the fewest tabs."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.folder = Path(tempfile.mkdtemp(prefix="msim-workers-"))
        self._authkey = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._started = 0
        self.workers = [self._start() for _ in range(n)]
        atexit.register(self.stop)

    def _start(self) -> Worker:
        self._started += 1
        return Worker(self.folder, self._started, self._authkey)

    def pids(self) -> list[int]:
        return [w.proc.pid for w in self.workers]

    def attach(self) -> tuple[Worker, Connection]:
        """A connection to the least busy live worker (a dead one is started again)."""
        with self._lock:
            for i, w in enumerate(self.workers):
                if not w.alive:
                    self.workers[i] = self._start()
            worker = min(self.workers, key=lambda w: w.tabs)
            worker.tabs += 1
        try:
            return worker, worker.connect()
        except BaseException:
            self.detach(worker)
            raise

    def detach(self, worker: Worker) -> None:
        with self._lock:
            worker.tabs = max(0, worker.tabs - 1)

    def stop(self) -> None:
        for w in self.workers:
            w.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool | None:
    """The server's worker pool, started on first use; None when ``MSIM_WORKERS=0``."""
    global _pool
    with _pool_lock:
        if _pool is None and worker_count() > 0:
            _pool = WorkerPool(worker_count())
        return _pool


class RemoteSession:
    """A tab's session whose models live in a worker process; the same methods and attributes
    the page uses on :class:`~msim_app.session.Session`."""

    def __init__(
        self, workers: WorkerPool, scenario: Scenario, seed: int | None = None, source: str = ""
    ) -> None:
        self.pool = workers
        self.scenario = scenario
        self.source = source or scenario.name
        self.seed = scenario.run.seed if seed is None else seed
        self.compare = False
        self.comparator: str | None = None
        self.predicting = False
        self.day = 0
        self.stage: StageLike | None = None
        self.on_inspect: Callable[[dict | None], None] = lambda details: None
        self._lock = threading.Lock()  # one request at a time on this tab's connection
        self._worker: Any = None
        self._conn: Connection | None = None
        self._open()

    # ------------------------------------------------------------------ the connection
    def _open(self) -> None:
        self._close_connection()
        self._worker, self._conn = self.pool.attach()
        self._request(OPEN, (self.scenario, self.seed, self.source, self.compare, self.comparator))

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send((CLOSE, ()))
            with contextlib.suppress(OSError):
                conn.close()
        if self._worker is not None:
            self.pool.detach(self._worker)
            self._worker = None

    def close(self) -> None:
        """Drop the tab's models in its worker (the tab closed)."""
        with self._lock:
            self._close_connection()

    def __del__(self) -> None:
        # no locks here (the collector may run this anywhere): closing the connection is enough
        # for the worker to drop the models; the count is a hint for placing new tabs
        with contextlib.suppress(Exception):
            if self._conn is not None:
                self._conn.close()
                self._worker.tabs = max(0, self._worker.tabs - 1)

    def _request(self, name: str, args: tuple) -> Any:
        conn = self._conn
        if conn is None:
            raise WorkerLost("this tab's run has stopped; press Reset to start again")
        try:
            conn.send((name, args))
            result, error, sent, stopped, inspected, state = conn.recv()
        except (EOFError, OSError) as err:
            self._close_connection()
            raise WorkerLost(
                "the process running this tab's simulation stopped; press Reset to start again"
            ) from err
        if state is not None:
            self.day, self.seed = state["day"], state["seed"]
            self.compare, self.source = state["compare"], state["source"]
            self.comparator = state["comparator"]
        stage = self.stage
        if stage is not None:
            for content, buffers in sent:
                stage.send(content, buffers)
            if stopped:
                stage.playing = False
        for details in inspected:
            self.on_inspect(details)
        if error is not None:
            raise error
        return result

    def _call(self, name: str, *args: Any) -> Any:
        with self._lock:
            return self._request(name, args)

    def _rebuild(self, name: str, *args: Any) -> Any:
        """A call that starts the run again: on a live worker when this one has gone."""
        with self._lock:
            if self._conn is None or not self._worker.alive:
                self._open()
            return self._request(name, args)

    # ------------------------------------------------------------------ what the page uses
    def attach(self, stage: StageLike) -> None:
        self.stage = stage

    @property
    def run_days(self) -> int:
        return self.scenario.run.days

    def reset(self) -> None:
        self._rebuild("reset")

    def load(self, scenario: Scenario, source: str = "") -> None:
        self._rebuild("load", scenario, source)
        self.scenario = scenario

    def set_seed(self, seed: int) -> None:
        self._rebuild("set_seed", seed)

    def set_compare(self, on: bool) -> None:
        self._call("set_compare", on)

    def set_comparator(self, name: str | None) -> None:
        self._call("set_comparator", name)

    def push_setup(self) -> None:
        self._call("push_setup")

    def push_frame(self, full: bool = False) -> None:
        self._call("push_frame", full)

    def play_tick(self, days: int, count: int = 1) -> None:
        self._call("play_tick", days, count)

    def step(self, days: int) -> None:
        self._call("step", days)

    def give_course(self) -> str:
        return self._call("give_course")

    def inspect(self, arm_index: int, x: int, y: int) -> dict | None:
        return self._call("inspect", arm_index, x, y)

    def predict(self, cd4: list, b_cells: list, relapses: object, sketch: object = None) -> None:
        self._call("predict", cd4, b_cells, relapses, sketch)

    def skip_prediction(self) -> None:
        self._call("skip_prediction")

    def set_predicting(self, on: bool) -> None:
        self._call("set_predicting", on)
        self.predicting = on

    def go_to(self, day: int) -> None:
        self._call("go_to", day)

    def branch(self, kind: str, drug: str | None = None) -> str:
        return self._call("branch", kind, drug)

    def csv_bytes(self) -> bytes:
        return self._call("csv_bytes")

    def scenario_toml(self) -> str:
        return self._call("scenario_toml")

    def memory_bytes(self) -> int:
        return self._call("memory_bytes")

    def class_summary(self) -> dict:
        return self._call("class_summary")

    def send_file(self, filename: str, mime: str, data: bytes) -> None:
        if self.stage is not None:
            self.stage.send(
                {"method": "download", "args": [{"filename": filename, "mime": mime}]}, [data]
            )


def new_session(scenario: Scenario, source: str = "") -> Any:
    """A tab's session: in a worker process when there is a pool, else in this process."""
    workers = pool()
    if workers is None:
        from msim_app.session import Session

        return Session(scenario, source=source)
    return RemoteSession(workers, scenario, source=source)
