"""The batch and the command line under unlucky conditions: two batches on one folder, a killed
parent, a hostile module in the working folder, outputs that cannot be written, no memory."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest
from batch_helpers import TESTS, msim, small_scenario

from model.cli import main

pytestmark = pytest.mark.slow
MSIM = Path(sys.executable).parent / "msim"  # the console script, as a user runs it


def start(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    return subprocess.Popen(
        [str(MSIM), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def wait_for(predicate, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def parts_done(out: Path) -> int:
    return len(list((out / "parts").glob("*.json"))) if (out / "parts").is_dir() else 0


def still_running(procs: list[psutil.Process]) -> list[int]:
    alive = []
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p.pid)
    return alive


def slow_batch(tmp_path: Path, out: str, *extra: str) -> tuple[str, ...]:
    sc = small_scenario(tmp_path)
    return ("batch", str(sc), "--replicates", "4", "--days", "1500", "--workers", "2",
            "--out", out, *extra)  # fmt: skip


def test_a_second_batch_on_a_busy_folder_is_refused_and_the_first_loses_nothing(tmp_path):
    first = start(*slow_batch(tmp_path, "b"), cwd=tmp_path)
    wait_for(lambda: (tmp_path / "b" / "plan.json").is_file())
    second = msim(*slow_batch(tmp_path, "b", "--resume"), cwd=tmp_path, timeout=60)
    assert second.returncode == 2
    assert "another msim batch is using this folder" in second.stderr
    assert f"process {first.pid}" in second.stderr and "Traceback" not in second.stderr
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    runs = pd.read_csv(tmp_path / "b" / "runs.csv")
    assert len(runs) == 8 and (runs.status == "ok").all()
    ts = pq.read_table(tmp_path / "b" / "timeseries.parquet", columns=["run_id"])
    counts = pd.Series(ts["run_id"].to_pylist()).value_counts()
    assert sorted(counts.index) == sorted(runs.run_id) and (counts == 1500).all()
    ev = pq.read_table(tmp_path / "b" / "events.parquet", columns=["run_id"])
    assert set(ev["run_id"].to_pylist()) <= set(runs.run_id)
    assert not (tmp_path / "b" / ".msim-batch.owner").exists()


def test_killing_the_batch_leaves_no_worker_and_resume_takes_the_folder_over(tmp_path):
    batch = start(*slow_batch(tmp_path, "k"), cwd=tmp_path)
    wait_for(lambda: parts_done(tmp_path / "k") >= 1, timeout=240)
    children = psutil.Process(batch.pid).children(recursive=True)
    assert len(children) >= 2  # the forkserver and the workers
    batch.kill()
    batch.wait()
    wait_for(lambda: not still_running(children), timeout=5)
    again = msim(*slow_batch(tmp_path, "k", "--resume"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "stopped without finishing; taking it over" in again.stderr
    assert (pd.read_csv(tmp_path / "k" / "runs.csv").status == "ok").all()


def test_sigterm_stops_the_batch_at_once_with_a_message_and_exit_143(tmp_path):
    batch = start(*slow_batch(tmp_path, "t"), cwd=tmp_path)
    wait_for(lambda: parts_done(tmp_path / "t") >= 1, timeout=240)
    children = psutil.Process(batch.pid).children(recursive=True)
    batch.send_signal(signal.SIGTERM)
    _, err = batch.communicate(timeout=20)
    assert batch.returncode == 143
    assert "stopped (SIGTERM)" in err and "--resume" in err and "Traceback" not in err
    wait_for(lambda: not still_running(children), timeout=5)


def test_batch_workers_never_import_modules_from_the_working_folder(tmp_path):
    marker = tmp_path / "IMPORTED"
    for name in ("concurrent", "random", "statistics"):
        (tmp_path / f"{name}.py").write_text(
            f"import pathlib\npathlib.Path({str(marker)!r}).write_text({name!r})\n"
            "raise SystemExit('a hostile module was imported')\n"
        )
    sc = small_scenario(tmp_path)
    args = ("batch", str(sc), "--replicates", "2", "--days", "60", "--workers", "2")
    done = subprocess.run(
        [str(MSIM), *args, "--out", "h"], cwd=tmp_path, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), marker.read_text()
    assert (pd.read_csv(tmp_path / "h" / "runs.csv").status == "ok").all()


@pytest.mark.parametrize("command", ["run", "batch"])
def test_an_output_path_under_a_file_exits_2_with_a_message(tmp_path, command):
    (tmp_path / "afile").write_text("not a folder")
    sc = small_scenario(tmp_path)
    extra = ("--replicates", "1", "--workers", "1") if command == "batch" else ()
    done = msim(command, str(sc), "--days", "20", *extra, "--out", "afile/out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "afile" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 3


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 64 KB file system (needs root to mount; skipped otherwise)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                        capture_output=True).returncode == 0  # fmt: skip
    if not ok:
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_exits_2_and_leaves_nothing_partial(tmp_path, tiny_disk):
    sc = small_scenario(tmp_path)
    done = msim("run", str(sc), "--days", "400", "--out", str(tiny_disk / "run"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "the disk is full" in done.stderr and "Traceback" not in done.stderr
    assert list(tiny_disk.iterdir()) == []  # no half-written folder, no temporary left behind


def test_a_read_only_file_system_exits_2_for_run_and_batch(tmp_path, tiny_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    sc = small_scenario(tmp_path)
    run = msim("run", str(sc), "--days", "20", "--out", str(tiny_disk / "r"), cwd=tmp_path)
    batch = msim("batch", str(sc), "--replicates", "1", "--days", "20", "--workers", "1",
                 "--out", str(tiny_disk / "b"), cwd=tmp_path)  # fmt: skip
    for done in (run, batch):
        assert done.returncode == 2, done.stderr
        assert "read-only" in done.stderr and "Traceback" not in done.stderr


def test_running_out_of_memory_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    import model.run

    def exhausting(scenario, seed=None, progress=None):
        return np.ones(2**60, dtype=np.uint8)  # a real allocation no machine can satisfy

    monkeypatch.setattr(model.run, "simulate", exhausting)
    sc = small_scenario(tmp_path)
    assert main(["run", str(sc), "--days", "10", "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "ran out of memory" in err and "grid.width" in err
    assert not (tmp_path / "m").exists()
