"""The batch folder: one part per finished run, written atomically; final tables built from them.

Each finished run lands in ``parts/`` as ``<run_id>.timeseries.parquet``,
``<run_id>.events.parquet``, ``<run_id>.relapses.parquet`` and, last, ``<run_id>.json`` (its
runs.csv row). Every file is
written to a temporary name and renamed, and the json is the commit marker, so a batch killed
at any moment leaves only whole runs behind and ``--resume`` knows exactly what is missing.
``runs.csv``, ``timeseries.parquet``, ``events.parquet`` and ``relapses.parquet`` are rebuilt
from the parts in run_id order, one part at a time, so they are identical whatever the
completion order, the engine, the worker count or the number of interruptions, and memory
stays bounded. Once every
run is ok and the tables are written, the Parquet parts are dropped (the tables hold them).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from model.batch.errors import BatchError
from model.batch.lock import OWNER
from model.batch.plan import Plan
from model.batch.worker import SCHEMAS, TABLES
from model.outputs import atomic_replace_file, write_json

PLAN_FILE = "plan.json"
ROWS_PER_GROUP = 65_536  # events and relapses are a few rows per run: grouped, memory stays small
ID_COLUMNS = ("run_id", "arm", "point", "replicate", "seed")
DROPPED_SUMMARY_KEYS = ("seed",)  # already an id column


def atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cell(value: Any) -> str:
    """One runs.csv cell: lossless and the same on every machine (floats by repr)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return repr(value) if isinstance(value, float) else str(value)


class BatchStore:
    def __init__(self, out: Path):
        self.out = out
        self.parts = out / "parts"

    # --------------------------------------------------------------------- starting
    def check(self, fingerprint: dict[str, Any], resume: bool) -> bool:
        """Refuse a used folder unless resuming the same plan; True if there is one to resume.

        Creates nothing, so it can run before the engine starts."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise BatchError(f"{out}: exists and is not a folder; choose another --out")
        used = out.is_dir() and any(p.name != OWNER for p in out.iterdir())
        if used and not resume:
            raise BatchError(
                f"{out}: the folder exists and is not empty; nothing was run. "
                "Add --resume to finish the batch in it, or choose another --out"
            )
        if used:
            plan_file = out / PLAN_FILE
            if not plan_file.is_file():
                raise BatchError(f"{out}: not a batch folder (no {PLAN_FILE}); cannot resume")
            before = json.loads(plan_file.read_text(encoding="utf-8")).get("fingerprint", {})
            diff = [
                k
                for k in sorted(set(before) | set(fingerprint))
                if before.get(k) != fingerprint.get(k)
            ]
            if diff:
                raise BatchError(
                    f"{out}: --resume needs the same batch; these differ from the "
                    f"one in the folder: {', '.join(diff)}"
                )
        return used

    def open(self, fingerprint: dict[str, Any], resume: bool, created: str) -> dict[str, Any]:
        """Check, then prepare ``parts/``; returns plan.json (when the batch was first started)."""
        used = self.check(fingerprint, resume)
        if not used:  # plan.json first: a folder with parts always says what they belong to
            record = {"created": created, "fingerprint": fingerprint}
            atomic_replace_file(self.out / PLAN_FILE, json.dumps(record, indent=2) + "\n")
        self.parts.mkdir(parents=True, exist_ok=True)
        for stale in [*self.parts.glob(".*.tmp"), *self.out.glob(".*.tmp")]:
            stale.unlink(missing_ok=True)  # left by a batch killed mid-write
        return json.loads((self.out / PLAN_FILE).read_text(encoding="utf-8"))

    def finished(self) -> dict[str, str]:
        """run_id -> status of every run with a committed part."""
        out = {}
        for path in self.parts.glob("*.json"):
            out[path.name.removesuffix(".json")] = json.loads(path.read_text("utf-8"))["status"]
        return out

    # --------------------------------------------------------------------- each run
    def _part(self, run_id: str, kind: str) -> Path:
        return self.parts / f"{run_id}.{kind}.parquet"

    def write(self, result: dict[str, Any]) -> None:
        run_id = result["run_id"]
        for kind in TABLES:
            if result[kind] is not None:
                atomic_write_bytes(self._part(run_id, kind), result[kind])
            else:
                self._part(run_id, kind).unlink(missing_ok=True)
        row = {"status": result["status"], "error": result["error"], "summary": result["summary"]}
        if result.get("traceback"):
            row["traceback"] = result["traceback"]
        atomic_write_bytes(
            self.parts / f"{run_id}.json", (json.dumps(row, indent=1) + "\n").encode()
        )

    # --------------------------------------------------------------------- the end
    def rows(self, plan: Plan) -> list[dict[str, Any]]:
        """runs.csv rows in run_id order, ids and swept values first."""
        rows = []
        for run in plan.runs:
            path = self.parts / f"{run.run_id}.json"
            part = (
                json.loads(path.read_text("utf-8"))
                if path.is_file()
                else {"status": "missing", "error": "no result", "summary": {}}
            )
            row = {
                "run_id": run.run_id,
                "arm": run.arm,
                "point": run.point,
                "replicate": run.replicate,
                "seed": run.seed,
                **plan.points[run.point],
                "status": part["status"],
                "error": part["error"],
            }
            row.update(
                {
                    k: v
                    for k, v in part["summary"].items()
                    if k not in DROPPED_SUMMARY_KEYS and k not in row
                }
            )
            rows.append(row)
        return rows

    def write_runs_csv(self, plan: Plan) -> list[dict[str, Any]]:
        rows = self.rows(plan)
        columns = [*ID_COLUMNS, *(s.key for s in plan.sweeps), "status", "error"]
        for row in rows:  # metric columns in the order the first finished run gives them
            columns += [k for k in row if k not in columns]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
        atomic_replace_file(self.out / "runs.csv", buf.getvalue())
        return rows

    def consolidate(self, plan: Plan, kind: str) -> int:
        """Stream every run's part into ``<kind>.parquet``, one part in memory at a time."""
        target = self.out / f"{kind}.parquet"
        fd, tmp = tempfile.mkstemp(dir=self.out, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        schema = SCHEMAS.get(kind)
        writer, buffer, buffered, total = None, [], 0, 0
        try:
            for run in plan.runs:
                part = self._part(run.run_id, kind)
                if not part.is_file():
                    continue
                table = pq.read_table(part)
                if schema is None:
                    schema = table.schema
                if writer is None:
                    writer = pq.ParquetWriter(tmp, schema)
                table = table.cast(schema)
                total += table.num_rows
                if kind in SCHEMAS:
                    buffer.append(table)
                    buffered += table.num_rows
                    if buffered >= ROWS_PER_GROUP:
                        writer.write_table(pa.concat_tables(buffer))
                        buffer, buffered = [], 0
                elif table.num_rows:
                    writer.write_table(table)
            if writer is None:  # no run finished: an empty table with the expected columns
                from model.records import TIMESERIES_COLUMNS

                schema = schema or pa.schema(
                    [("run_id", pa.string())] + [(c, pa.float64()) for c in TIMESERIES_COLUMNS]
                )
                writer = pq.ParquetWriter(tmp, schema)
            if buffer and buffered:
                writer.write_table(pa.concat_tables(buffer))
            writer.close()
            os.replace(tmp, target)
        except BaseException:
            if writer is not None:
                writer.close()
            Path(tmp).unlink(missing_ok=True)
            raise
        return total

    def verified(self, plan: Plan) -> bool:
        """True when every final table exists and holds exactly the rows of every run's part."""
        for kind in TABLES:
            target = self.out / f"{kind}.parquet"
            parts = [self._part(run.run_id, kind) for run in plan.runs]
            if not target.is_file() or not all(p.is_file() for p in parts):
                return False
            expected = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
            if pq.ParquetFile(target).metadata.num_rows != expected:
                return False
        return True

    def compact(self, plan: Plan) -> bool:
        """After a batch with every run ok: once the final tables are verified to hold the
        runs' Parquet parts, drop the parts (half the folder's size); each run's small .json
        stays for --resume. Returns whether the parts were dropped."""
        if not self.verified(plan):
            return False
        for path in self.parts.glob("*.parquet"):
            path.unlink()
        return True

    def compacted(self) -> bool:
        """True when the final tables were built and the Parquet parts dropped: resuming such
        a batch has nothing to redo (a failed run keeps the parts, and has none of its own)."""
        done = self.finished()
        return (
            bool(done)
            and all(s == "ok" for s in done.values())
            and (self.out / "manifest.json").is_file()
            and not any(self.parts.glob("*.parquet"))
        )

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        tmp = self.out / ".manifest.json.tmp"
        write_json(tmp, manifest)
        os.replace(tmp, self.out / "manifest.json")
