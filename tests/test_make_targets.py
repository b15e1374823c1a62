"""`make run` and `make class` hand the server the host, class password and grace period they
were given (the server itself is replaced by `echo`/`env` through SOLARA_RUN)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str, **env: str) -> str:
    # nothing from the caller's class settings or from an outer `make test` (MAKEFLAGS carries
    # its command-line variables)
    skip = (
        "MSIM_CLASS",
        "MSIM_TEACHER",
        "SOLARA_K",
        "MAKEFLAGS",
        "MFLAGS",
        "MAKELEVEL",
        "PASSWORD",
    )
    skip += ("GRACE",)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    proc = subprocess.run(
        ["make", "-s", *args],
        cwd=REPO,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_make_run_binds_the_host_it_is_given() -> None:
    assert "--host 127.0.0.1" in make("run", "SOLARA_RUN=echo")
    assert "--host 127.0.0.1" in make("run", "SOLARA_RUN=echo", HOST="somehost")  # a shell's
    assert "--host 0.0.0.0" in make("run", "SOLARA_RUN=echo", "HOST=0.0.0.0")


def test_make_run_and_class_pass_the_password_and_grace_period() -> None:
    env = make("run", "SOLARA_RUN=env; true").splitlines()
    assert "SOLARA_KERNEL_CULL_TIMEOUT=5m" in env and "MSIM_CLASS_PASSWORD=" in env
    assert not any(line.startswith("MSIM_CLASS=") for line in env)
    env = make("class", "SOLARA_RUN=env; true", "PASSWORD=pw", "GRACE=7m").splitlines()
    assert {"MSIM_CLASS=1", "MSIM_CLASS_PASSWORD=pw", "SOLARA_KERNEL_CULL_TIMEOUT=7m"} <= set(env)
    # from the environment too
    env = make("class", "SOLARA_RUN=env; true", MSIM_CLASS_PASSWORD="envpw").splitlines()
    assert "MSIM_CLASS_PASSWORD=envpw" in env


def test_make_class_serves_the_network_and_prints_the_address() -> None:
    out = make("class", "SOLARA_RUN=echo", "PORT=8799")
    assert "--host 0.0.0.0" in out
    assert "students open" in out and "localhost:8799" in out
    assert "class password: off" in out and "grid side 100" in out


def test_make_class_prints_the_teacher_address_with_the_token_the_server_gets() -> None:
    out = make("class", "SOLARA_RUN=env; true", "PORT=8799").splitlines()
    printed = next(line for line in out if "/teacher?token=" in line).strip()
    token = printed.rsplit("token=", 1)[1]
    assert len(token) == 32 and printed.endswith(f":8799/teacher?token={token}")
    assert f"MSIM_TEACHER_TOKEN={token}" in out  # the server's environment: the same token
    again = make("class", "SOLARA_RUN=env; true").splitlines()
    assert f"MSIM_TEACHER_TOKEN={token}" not in again  # a new one each start
    mine = make("class", "SOLARA_RUN=env; true", MSIM_TEACHER_TOKEN="lilac-teacher").splitlines()
    assert "MSIM_TEACHER_TOKEN=lilac-teacher" in mine
    assert any(line.endswith("/teacher?token=lilac-teacher") for line in mine)
