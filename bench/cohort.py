"""Cohort speed: 100 patients x 2 arms x 5 years of the standard scenario with every core,
through `msim batch` exactly as a researcher runs it. Prints ``key: value`` lines."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "model",
            "batch",
            str(ROOT / "scenarios" / "two-courses.toml"),
            "--replicates",
            str(args.patients),
            "--arms",
            "treated,untreated",
            "--workers",
            str(args.workers),
            "--out",
            str(Path(tmp) / "cohort"),
        ]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"msim batch failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    runs = 2 * args.patients
    print(f"cohort_runs: {runs}")
    print(f"cohort_workers: {args.workers}")
    print(f"cohort_seconds: {seconds:.1f}")
    print(f"cohort_runs_per_min: {runs / seconds * 60:.1f}")


if __name__ == "__main__":
    main()
