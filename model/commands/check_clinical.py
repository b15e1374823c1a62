"""``msim check-clinical``: measure a paired virtual cohort against the published figures.

Exit status: 0 when every target passes, 1 when one fails (or a run failed), 2 for bad input.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from model.batch.engines import prestart_local
from model.batch.runner import now
from model.clinical.check import check_clinical
from model.clinical.report import fmt, interval, resolution
from model.commands.options import add_engine_options, count_arg, seed_arg
from model.outputs import check_target, fresh_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check-clinical",
        help="measure a virtual cohort against the published alemtuzumab figures",
        description="Run a paired cohort (standard two courses vs untreated) and check every "
        "target in clinical-targets.toml. Exit status: 0 all targets pass, 1 some fail, 2 bad "
        "input.",
    )
    p.add_argument(
        "--patients",
        type=count_arg,
        default=100,
        metavar="N",
        help="virtual patients (each runs treated and untreated; default 100)",
    )
    p.add_argument(
        "--years",
        type=count_arg,
        default=6,
        metavar="Y",
        help="years of follow-up after the run-in (default 6)",
    )
    add_engine_options(p)
    p.add_argument(
        "--seed",
        type=seed_arg,
        default=2026,
        metavar="ROOT",
        help="root seed of the cohort (default 2026)",
    )
    p.add_argument("--out", metavar="DIR", help="report folder (default: a new folder under runs/)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted check in --out")
    p.set_defaults(handler=cmd_check_clinical)


def cmd_check_clinical(args: argparse.Namespace) -> int:
    started, t0 = now(), time.monotonic()
    if not args.scheduler:
        prestart_local()
    out = Path(args.out) if args.out else fresh_folder(Path("runs"), "clinical-check")
    if not args.resume:
        check_target(out, force=False)
    check = check_clinical(
        args.patients, args.years, args.seed, out, args.workers, args.scheduler, args.resume,
        started, t0,
    )  # fmt: skip
    if not check.results:
        return check.status
    results = check.results
    width = max(len(r.name) for r in results)
    for r in results:
        print(
            f"{'PASS' if r.passed else 'FAIL'}  {r.name:<{width}}  {fmt(r.value):>8} "
            f"[{interval(r)}]  accepted {fmt(r.accepted[0])}-{fmt(r.accepted[1])}"
        )
    passed = sum(r.passed for r in results)
    print(f"{passed} of {len(results)} targets pass; report: {check.report}")
    if note := resolution(results):
        print(note)
    return 0 if passed == len(results) and check.status == 0 else 1
