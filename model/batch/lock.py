"""One batch at a time in a folder: an exclusive lock held for the whole batch.

Two ``msim batch --resume`` on one folder would otherwise both run, both rebuild the tables and
both drop the per-run parts, losing runs without a word. The lock is ``flock`` on the folder
itself, so the kernel releases it when its holder dies in any way (SIGKILL included): a stale
lock cannot exist, and the next batch takes the folder over. Beside it, ``.msim-batch.owner``
says who holds it (process, command, start time) for the refusal message; it is rewritten by
each new holder and removed on release.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from model.batch.errors import BatchError
from model.outputs import command_line

OWNER = ".msim-batch.owner"


class FolderLock:
    """``with FolderLock(out):`` holds ``out`` (created if missing) for this process."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._fd: int | None = None
        self._created = False
        self.took_over: dict | None = None  # the owner record a dead batch left behind

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def _owner(self) -> dict | None:
        try:
            return json.loads((self.folder / OWNER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def acquire(self) -> None:
        if self.folder.exists() and not self.folder.is_dir():
            raise BatchError(f"{self.folder}: exists and is not a folder; choose another --out")
        self._created = not self.folder.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            owner = self._owner() or {}
            who = f"process {owner.get('pid', '?')}" + (
                f" on {owner['host']}" if owner.get("host") else ""
            )
            since = f" since {owner['started']}" if owner.get("started") else ""
            cmd = f": `{owner['command']}`" if owner.get("command") else ""
            raise BatchError(
                f"{self.folder}: another msim batch is using this folder ({who}{since}{cmd}); "
                "nothing was run. Wait for it to finish (then add --resume if runs are "
                "missing), or choose another --out"
            ) from None
        self._fd = fd
        self.took_over = self._owner()  # present only if its holder never released it
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command_line(),
        }
        tmp = self.folder / f".{OWNER}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.replace(tmp, self.folder / OWNER)

    def release(self) -> None:
        if self._fd is None:
            return
        (self.folder / OWNER).unlink(missing_ok=True)
        if self._created and not any(self.folder.iterdir()):
            self.folder.rmdir()  # refused before anything was written: leave no trace
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
