"""Writing run outputs safely: into a temporary folder first, then moved into place.

Nothing a user made is overwritten unless they ask (``force``), and a crash part-way leaves no
half-written folder behind.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd


class OutputError(Exception):
    """The output folder cannot be used (exists and is not empty, is not a folder, or cannot
    be written)."""


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file is in the way",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOENT: "a folder on the way does not exist",
}


def why(err: OSError) -> str:
    """A plain reason for an operating-system error, with the path it concerns."""
    reason = _REASONS.get(err.errno or 0, err.strerror or type(err).__name__)
    return f"{reason} ({err.filename})" if err.filename else reason


def package_version() -> str:
    try:
        return metadata.version("msim")
    except metadata.PackageNotFoundError:
        return "unknown"


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in ("mesa", "numpy", "scipy", "pandas", "pydantic", "pyarrow"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "missing"
    return out


def check_target(out: Path, force: bool) -> None:
    """Refuse a folder that exists and holds something, unless ``force``."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError(
            f"{out}: the folder exists and is not empty; nothing was written. Choose another "
            "--out, or add --force to replace it"
        )


def fresh_folder(parent: Path, stem: str) -> Path:
    """``parent/stem``, or ``stem-2``, ``stem-3``... if that is taken."""
    candidate, n = parent / stem, 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        n += 1
        candidate = parent / f"{stem}-{n}"
    return candidate


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


def atomic_replace_file(path: Path, text: str) -> None:
    """Write a file next to its destination, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


class StagedFolder:
    """A context manager giving a temporary folder that becomes ``target`` on success."""

    def __init__(self, target: Path, force: bool = False):
        self.target, self.force = target, force

    def __enter__(self) -> Path:
        check_target(self.target, self.force)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(
            tempfile.mkdtemp(dir=self.target.parent, prefix=f".{self.target.name}.tmp-")
        )
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            os.replace(self.target, old)
        os.replace(self.tmp, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def command_line() -> str:
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
