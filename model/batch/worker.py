"""One virtual patient's runs on a worker: task in, small picklable results out.

A task is one virtual patient with the arms still to run. The worker runs them with
:func:`model.run.simulate_twins` (or the runner the task names, arm by arm) and returns each
run's tables already encoded as Parquet bytes, so the parent never parses them and nothing
here depends on which engine called it or on a shared filesystem. Any exception is caught and
returned as an ``error`` result: one bad run must not stop the batch.
"""

from __future__ import annotations

import importlib
import io
import json
import traceback
from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.scenario import Scenario

EVENTS_SCHEMA = pa.schema(
    [("run_id", pa.string()), ("day", pa.int64()), ("kind", pa.string()), ("detail", pa.string())]
)
RELAPSES_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("duration", pa.int64()),
        ("lasting_damage", pa.bool_()),
        ("lasting_loss", pa.float64()),
    ]
)
MRI_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("day", pa.int64()),
        ("new_or_enlarging_lesions", pa.int64()),
        ("enhancing_lesions", pa.int64()),
        ("lesion_area", pa.float64()),
        ("myelin_loss", pa.float64()),
    ]
)
SCHEMAS = {"events": EVENTS_SCHEMA, "relapses": RELAPSES_SCHEMA, "mri": MRI_SCHEMA}
TABLES = ("timeseries", "events", "relapses", "mri")  # what each run records, in the batch
DEFAULT_RUNNER = "model.run:simulate"  # its arms share one history before day 0


def resolve(runner: str) -> Callable[..., Any]:
    """``"package.module:function"`` -> the function."""
    module, _, name = runner.partition(":")
    return getattr(importlib.import_module(module), name)


def _plain(value: Any) -> Any:
    """numpy scalars -> Python, so the summary survives JSON unchanged."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_parquet(frame: pd.DataFrame, run_id: str, schema: pa.Schema | None = None) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.add_column(0, "run_id", pa.array([run_id] * len(frame), pa.string()))
    table = table.cast(schema) if schema is not None else table
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(None), buf)
    return buf.getvalue()


def run_task(task: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one task, the arms of one virtual patient: each run's tables as Parquet bytes, or
    an ``error`` result for it (never raises). The default runner lives the patient's history
    before day 0 once for all arms (:func:`model.run.simulate_twins`); any other runs each
    arm on its own."""
    runs = task["runs"]
    try:
        scenarios = [Scenario.model_validate(r["scenario"]) for r in runs]
        if task["runner"] == DEFAULT_RUNNER:
            from model.run import simulate_twins

            results = simulate_twins(scenarios, task["seed"])
        else:
            return [_one(task, r, sc) for r, sc in zip(runs, scenarios, strict=True)]
    except Exception as err:  # recorded in runs.csv, the batch goes on
        why, trace = f"{type(err).__name__}: {err}", traceback.format_exc()
        return [failed(r["run_id"], why, trace) for r in runs]
    return [_encode(r["run_id"], res) for r, res in zip(runs, results, strict=True)]


def _one(task: dict[str, Any], run: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    try:
        return _encode(run["run_id"], resolve(task["runner"])(scenario, seed=task["seed"]))
    except Exception as err:  # recorded in runs.csv, the batch goes on
        return failed(run["run_id"], f"{type(err).__name__}: {err}", traceback.format_exc())


def _encode(run_id: str, result: Any) -> dict[str, Any]:
    events = result.events.astype({"day": "int64", "kind": "object", "detail": "object"})
    return {
        "run_id": run_id,
        "status": "ok",
        "error": "",
        "summary": json.loads(json.dumps(result.summary, default=_plain)),
        "timeseries": to_parquet(result.timeseries, run_id),
        "events": to_parquet(events, run_id, EVENTS_SCHEMA),
        "relapses": to_parquet(result.relapses, run_id, RELAPSES_SCHEMA),
        "mri": to_parquet(result.mri, run_id, MRI_SCHEMA),
    }


def failed(run_id: str, error: str, trace: str = "") -> dict[str, Any]:
    return {
        "run_id": run_id,
        "status": "error",
        "error": error.strip() or "failed",
        "traceback": trace,
        "summary": {},
        "timeseries": None,
        "events": None,
        "relapses": None,
        "mri": None,
    }
