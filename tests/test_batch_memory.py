"""Bounded memory: the parent of a batch never gathers the batch's rows.

Two batches differing only in size (6 and 24 runs) are traced (tests/batch_memtrace.py). If
the parent held every run's timeseries at any point (as a DataFrame, or Arrow tables), its peak
would grow by at least the size of the extra rows; the assertion allows under a third of that,
for what legitimately grows with the number of runs: the runs.csv rows and the report's
float32 lymphocyte bands (5 of the 19 columns)."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from tests.batch_helpers import TESTS, small_scenario

pytestmark = pytest.mark.slow
DAYS = 300


def traced(folder, replicates: int) -> dict:
    out = folder / f"r{replicates}"
    done = subprocess.run(
        [
            sys.executable,
            str(TESTS / "batch_memtrace.py"),
            "batch",
            str(folder / "small.toml"),
            "--replicates",
            str(replicates),
            "--days",
            str(DAYS),
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    meta = pq.ParquetFile(out / "timeseries.parquet").metadata
    # what the rows take as a DataFrame of float64/int64 columns
    result["data_bytes"] = meta.num_rows * (meta.num_columns - 1) * 8
    return result


def test_parent_memory_does_not_grow_with_the_rows_of_the_batch(tmp_path):
    small_scenario(tmp_path)
    small, large = traced(tmp_path, 3), traced(tmp_path, 12)
    extra_rows = large["data_bytes"] - small["data_bytes"]
    assert extra_rows > 800_000  # 18 more runs of 300 days
    for phase in ("runs", "tables", "report"):
        growth = large["python"][phase] - small["python"][phase]
        assert growth < extra_rows / 3, (phase, growth, extra_rows, small, large)
    arrow_growth = large["arrow"]["report"] - small["arrow"]["report"]
    assert arrow_growth < extra_rows / 3, (arrow_growth, extra_rows)
