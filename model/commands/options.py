"""Argument types and options shared by the ``msim`` commands."""

from __future__ import annotations

import argparse

from model.scenario import Scenario, load_scenario, parse_assignment

USAGE_ERROR = 2  # bad input: a clear message, nothing run or written


def seed_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError(f"{value} is outside 0 to 4294967295")
    return value


def positive_int(what: str, least: str):
    """An argparse type for a whole number of ``what`` that is at least 1."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number{what}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{value}: {least}")
        return value

    return parse


days_arg = positive_int(" of days", "a run lasts at least 1 day")
count_arg = positive_int("", "give at least 1")


def load_with_overrides(path: str, assignments: list[str]) -> Scenario:
    """The scenario file with every ``--set KEY=VALUE`` applied and validated."""
    scenario = load_scenario(path)
    ov = dict(parse_assignment(a) for a in assignments or [])
    return scenario.with_overrides(ov, source=f"{path} (with --set)") if ov else scenario


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """--workers or --scheduler: where a batch's runs go."""
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=count_arg,
        metavar="N",
        help="local worker processes (default: one per core)",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="send the runs to this dask.distributed scheduler",
    )
