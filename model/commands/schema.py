"""``msim schema``: the scenario JSON Schema, its reference page or the parameter sources."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.outputs import atomic_replace_file
from model.reference import parameters_markdown, reference_markdown, schema_json


def register(subparsers: argparse._SubParsersAction) -> None:
    sch = subparsers.add_parser("schema", help="print the scenario JSON Schema (or reference page)")
    sch.add_argument("--markdown", action="store_true", help="the reference page instead")
    sch.add_argument(
        "--parameters",
        action="store_true",
        help="the parameter provenance page (docs/parameters.md) instead",
    )
    sch.add_argument("--out", help="write to this file instead of the terminal")
    sch.set_defaults(handler=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    if args.parameters:
        text = parameters_markdown()
    else:
        text = reference_markdown() if args.markdown else schema_json()
    if args.out:
        atomic_replace_file(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return 0
