"""Shared by the tests/test_batch*.py files: a small fast scenario and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SMALL = """name = "small batch patient"
[grid]
width = 30
height = 30
vessels = 6
"""


def small_scenario(folder: Path) -> Path:
    path = folder / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def msim(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """``msim ARGS`` in a fresh interpreter, as a user would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(TESTS), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
