"""`make bench`: run every benchmark script, print one table, write bench/results.json and add
a dated row to the history in docs/performance.md.

Each script is run in its own process and prints ``key: value`` lines; a script that is missing
or fails is reported as such and the others still run. ``--only engine,batch`` picks scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = {
    "engine": "engine.py",
    "batch": "batch_scaling.py",
    "cohort": "cohort.py",
    "browser": "browser_fps.py",
    "sessions": "sessions.py",
    "class": "class_light.py",
    "tab_memory": "tab_memory.py",
}
HISTORY_KEYS = (
    "engine_5y_seconds",
    "engine_burn_in_seconds",
    "engine_agent_steps_per_s",
    "wolfsheep_agent_steps_per_s",
    "cohort_seconds",
    "browser_fps",
    "sessions_10_updates_per_s",
    "sessions_30_updates_per_s",
    "sessions_30_p95_ms",
    "batch_speedup_2_workers",
    "class_30_updates_per_s",
    "class_30_p95_ms",
    "class_60_updates_per_s",
    "class_30_heavy_slowest_updates_per_s",
    "tab_worst_peak_mb",
)


def machine() -> dict[str, str | int]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def parse(stdout: str) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key.replace("_", "").isalnum():
            try:
                out[key] = float(value) if "." in value or "e" in value else int(value)
            except ValueError:
                out[key] = value.strip()
    return out


def run_script(name: str) -> tuple[dict, str]:
    path = HERE / SCRIPTS[name]
    if not path.exists():
        return {}, "not available"
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - t0
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        return parse(done.stdout), f"failed ({tail[0][:80]})"
    return parse(done.stdout), f"ok in {took:.0f} s"


def record_history(results: dict, when: str, info: dict) -> None:
    """Add a row at the end of the table under "## History" (sections may follow it)."""
    doc = ROOT / "docs" / "performance.md"
    if not doc.exists():
        return
    cells = [str(results.get(k, "–")) for k in HISTORY_KEYS]
    row = f"| {when} | {info['cpu'][:28]}, {info['cores']} cores | " + " | ".join(cells) + " |"
    lines = doc.read_text(encoding="utf-8").splitlines()
    start = lines.index("## History") if "## History" in lines else len(lines)
    at = start + 1
    while at < len(lines) and (not lines[at].strip() or not lines[at].startswith("| ")):
        at += 1  # the text before the table
    while at < len(lines) and lines[at].startswith("| "):
        at += 1  # the table's rows
    lines.insert(at, row)
    tmp = doc.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(doc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(SCRIPTS))
    parser.add_argument(
        "--no-history", action="store_true", help="do not add to docs/performance.md"
    )
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SCRIPTS)
    unknown = set(names) - set(SCRIPTS)
    if unknown:
        print(
            f"bench: unknown benchmark(s) {sorted(unknown)}; choose from {list(SCRIPTS)}",
            file=sys.stderr,
        )
        return 2
    results: dict = {}
    status: dict[str, str] = {}
    for name in names:
        print(f"running {name} ...", flush=True)
        values, status[name] = run_script(name)
        results.update(values)
    info = machine()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print()
    for name in names:
        print(f"{name:<10} {status[name]}")
    print()
    width = max((len(k) for k in results), default=10)
    for key, value in results.items():
        print(f"  {key:<{width}}  {value}")
    payload = {"date": when, "machine": info, "status": status, **results}
    (HERE / "results.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if not args.no_history:
        record_history(results, when, info)
    print(f"\nwrote {HERE / 'results.json'}")
    return 0 if all(s.startswith("ok") for s in status.values() if s != "not available") else 1


if __name__ == "__main__":
    sys.exit(main())
