"""A batch killed midway (SIGKILL, no chance to clean up) and finished with --resume ends
with the same results as one that was never interrupted, and reruns only what was missing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from tests.batch_helpers import TESTS, msim, small_scenario

REPLICATES = 6
pytestmark = pytest.mark.slow
TOTAL = 2 * REPLICATES


def test_resume_after_a_kill_matches_an_uninterrupted_batch(tmp_path):
    scenario = small_scenario(tmp_path)
    args = [
        "batch",
        str(scenario),
        "--replicates",
        str(REPLICATES),
        "--days",
        "300",
        "--seed",
        "21",
    ]
    full = msim(*args, "--workers", "2", "--out", "full", cwd=tmp_path)
    assert full.returncode == 0, full.stderr

    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model", *args, "--workers", "1", "--out", str(killed)],
        cwd=tmp_path,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((killed / "parts").glob("*.json"))) < 3:
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch, its pool and every worker
        proc.wait()
    finished = sorted((killed / "parts").glob("*.json"))
    assert 3 <= len(finished) < TOTAL
    assert not (killed / "runs.csv").exists()
    stamps = {p.name: p.stat().st_mtime_ns for p in finished}
    # what a kill mid-write can leave: a temp file, and a part without its json marker
    (killed / "parts" / ".p00-r005-treated.json.x.tmp").write_text("{")
    shutil.copy(
        killed / "parts" / finished[0].name.replace(".json", ".timeseries.parquet"),
        killed / "parts" / "p00-r005-untreated.timeseries.parquet",
    )

    resumed = msim(*args, "--workers", "2", "--out", "killed", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert (
        f"resuming: {len(finished)} already finished, {TOTAL - len(finished)} to run"
        in resumed.stderr
    )
    assert {p.name: p.stat().st_mtime_ns for p in finished} == stamps  # not run again
    assert not list((killed / "parts").glob(".*.tmp"))

    a, b = tmp_path / "full", killed
    assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes()
    assert (a / "summary.md").read_bytes() == (b / "summary.md").read_bytes()
    for name in ("timeseries.parquet", "events.parquet"):
        assert pq.read_table(a / name).equals(pq.read_table(b / name)), name
