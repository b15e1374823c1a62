"""``msim validate``: check scenario files and list every problem in each."""

from __future__ import annotations

import argparse
import sys

from model.commands.options import USAGE_ERROR
from model.scenario import ScenarioError, load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    val = subparsers.add_parser("validate", help="check scenario files and list their problems")
    val.add_argument("files", nargs="+", metavar="FILE")
    val.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.files:
        try:
            sc = load_scenario(path)
        except ScenarioError as err:
            bad += 1
            print(err.message, file=sys.stderr)
        else:
            courses = ", ".join(f"day {c.start_day} x{c.days}" for c in sc.dosing.courses)
            drugs = "; ".join(
                f"{t.drug} from day {t.start_day}, {len(t.dose_days(sc.run.days))} dose(s)"
                for t in sc.treatments
            )
            print(
                f"{path}: OK ({sc.name!r}; {sc.run.days} days; {sc.grid.width}x"
                f"{sc.grid.height} grid; courses: {courses or 'none'}"
                + (f"; treatments: {drugs}" if drugs else "")
                + ")"
            )
    return USAGE_ERROR if bad else 0
