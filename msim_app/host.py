"""A worker process that owns tabs' models: ``python -m msim_app.host ADDRESS`` (started by
:mod:`msim_app.pool`, never by hand).

The app's server process serves every tab's websocket from threads that share one interpreter
lock, so a model stepped there competes with every other tab's messages for one core. Here each
tab's :class:`~msim_app.session.Session` lives in one of a few worker processes instead: the
server's :class:`~msim_app.pool.RemoteSession` sends it a method call over its own connection and
gets back the result with the messages the session sent its stage (the frames: small JSON
headers and raw byte buffers), which the server passes on to the page as they are.

One connection is one tab. The worker answers its connections one request at a time, in turn
(each tab has at most one request waiting, so this is a fair round), and drops a tab's model as
soon as its connection closes (the tab closed, its grace period ran out, or the server stopped).
The authentication key comes on standard input; the worker prints ``ready`` once it listens.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import signal
import socket
import sys
import threading
from multiprocessing.connection import Connection, Listener, wait
from typing import Any

from msim_app import memory
from msim_app.session import Session

OPEN, CLOSE, STATS = "open", "close", "stats"
# What a RemoteSession may ask of its session (anything else is refused).
METHODS = frozenset(
    {
        "push_setup",
        "push_frame",
        "play_tick",
        "step",
        "reset",
        "load",
        "set_seed",
        "set_compare",
        "set_comparator",
        "give_course",
        "inspect",
        "csv_bytes",
        "scenario_toml",
        "memory_bytes",
        "predict",
        "skip_prediction",
        "set_predicting",
        "go_to",
        "branch",
        "class_summary",
    }
)


class Outbox:
    """The worker side's stage: keeps what the session sends until the reply goes out."""

    def __init__(self) -> None:
        self.playing = True
        self.sent: list[tuple[dict, list[bytes]]] = []

    def send(self, content: dict, buffers: list | None = None) -> None:
        self.sent.append((content, [bytes(b) for b in buffers or []]))


class Tab:
    """One connection's session, its outbox and what it reported to ``on_inspect``."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.outbox = Outbox()
        self.inspected: list[dict | None] = []
        session.attach(self.outbox)
        session.on_inspect = self.inspected.append

    def state(self) -> dict:
        s = self.session
        return {
            "day": s.day,
            "seed": s.seed,
            "compare": s.compare,
            "comparator": s.comparator,
            "source": s.source,
        }

    def call(self, name: str, args: tuple) -> tuple:
        """Run one method; the reply carries its result (or its error) and what it sent."""
        box = self.outbox
        self.inspected.clear()
        box.playing = True
        box.sent = []
        try:
            result, error = getattr(self.session, name)(*args), None
        except Exception as err:  # MemoryError is an Exception too
            result, error = None, _portable(err)
        inspected = list(self.inspected)
        return (result, error, box.sent, not box.playing, inspected, self.state())


def _portable(err: Exception) -> Exception:
    """``err`` if it survives pickling, else a RuntimeError naming it."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the server that started it dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Host:
    """Accepts tabs' connections and answers them in turn."""

    def __init__(self, address: str, authkey: bytes) -> None:
        self.listener = Listener(address, family="AF_UNIX", authkey=authkey)
        self.tabs: dict[Connection, Tab | None] = {}
        self._new: list[Connection] = []
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn = self.listener.accept()
            except OSError:
                continue  # a client that failed authentication, or went away during it
            with self._lock:
                self._new.append(conn)
            self._wake_w.send(b"x")

    def serve(self, parent: int) -> None:
        while True:
            ready = wait([*self.tabs, self._wake_r], timeout=2.0)
            if os.getppid() != parent:
                return  # the server is gone
            for conn in ready:
                if conn is self._wake_r:
                    self._wake_r.recv(4096)
                    with self._lock:
                        new, self._new = self._new, []
                    for c in new:
                        self.tabs[c] = None
                    continue
                self._answer(conn)

    def stats(self) -> dict:
        sessions = [t.session for t in self.tabs.values() if t is not None]
        return {
            "tabs": len(sessions),
            "tab_bytes": [memory.session_bytes(s) for s in sessions],
            "rss_bytes": memory.rss_bytes(),
        }

    def _drop(self, conn: Connection) -> None:
        tab = self.tabs.pop(conn, None)
        with contextlib.suppress(OSError):
            conn.close()
        heavy = tab is not None and memory.session_bytes(tab.session) > memory.HEAVY_BYTES
        del tab
        if heavy:
            memory.give_back()

    def _answer(self, conn: Connection) -> None:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            self._drop(conn)
            return
        name, args = request
        tab = self.tabs.get(conn)
        if name == OPEN:  # (scenario, seed, source, compare, comparator)
            scenario, seed, source, compare, comparator = args
            old, self.tabs[conn] = tab, None
            if old is not None:
                del old
            try:
                session = Session(scenario, seed=seed, source=source)
                session.comparator = comparator
                if compare:
                    session.set_compare(True)
                tab = self.tabs[conn] = Tab(session)
                reply: Any = (None, None, [], False, [], tab.state())
            except Exception as err:
                reply = (None, _portable(err), [], True, [], None)
        elif name == CLOSE:
            self._drop(conn)
            return
        elif name == STATS:  # for benchmarks and tests: the worker's tabs and memory
            reply = (self.stats(), None, [], False, [], None)
        elif tab is None or name not in METHODS:
            reply = (None, RuntimeError(f"no session for {name!r}"), [], True, [], None)
        else:
            reply = tab.call(name, tuple(args))
        try:
            conn.send(reply)
        except (OSError, pickle.PicklingError):
            self._drop(conn)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    address, parent = args[0], int(args[1])
    _die_with_parent()
    # many tabs' models: full collections as rare as in the server (app.py)
    gc.set_threshold(gc.get_threshold()[0], gc.get_threshold()[1], 100)
    authkey = bytes.fromhex(sys.stdin.readline().strip())
    host = Host(address, authkey)
    gc.collect()
    gc.freeze()  # the imported modules: never scanned again by full collections
    print("ready", flush=True)
    host.serve(parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
