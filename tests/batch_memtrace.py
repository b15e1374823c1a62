"""Runs ``msim ARGS`` with the parent's memory traced, phase by phase; prints JSON last.

tracemalloc (which sees numpy and pandas buffers) starts after the imports; Arrow's own pool
is read from pyarrow. Phases: the runs (engine + parts), the final tables (runs.csv and the
consolidated Parquet files) and the report; each phase's peak is counted above what was held
when it began. Worker processes are not counted: the claim under test is that the parent never
gathers the batch's rows."""

from __future__ import annotations

import json
import sys
import tracemalloc

import matplotlib.figure  # noqa: F401 - imported before tracing: a fixed cost, not data
import pyarrow as pa

import model.batch.report as report
from model.batch.store import BatchStore
from model.cli import main

peaks: dict[str, int] = {}
arrow: dict[str, int] = {}
state = {"phase": "runs", "start": 0}


def enter(name: str) -> None:
    """Close the current phase (record its peak) and open ``name``."""
    current, peak = tracemalloc.get_traced_memory()
    old = state["phase"]
    peaks[old] = max(peaks.get(old, 0), peak - state["start"])
    arrow[old] = pa.default_memory_pool().max_memory()  # Arrow's peak so far
    state.update(phase=name, start=current)
    tracemalloc.reset_peak()


def at_start(name, fn):
    def wrapped(*args, **kwargs):
        if state["phase"] != name:
            enter(name)
        return fn(*args, **kwargs)

    return wrapped


if __name__ == "__main__":
    BatchStore.write_runs_csv = at_start("tables", BatchStore.write_runs_csv)
    report.write_report = at_start("report", report.write_report)
    BatchStore.write_manifest = at_start("manifest", BatchStore.write_manifest)
    tracemalloc.start()
    code = main(sys.argv[1:])
    enter("done")
    print(json.dumps({"code": code, "python": peaks, "arrow": arrow}))
