"""``msim``: the command line face of the model.

Every command validates all of its input before it runs or writes anything; a problem the user
can fix prints one clear paragraph and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.outputs import (
    OutputError,
    StagedFolder,
    check_target,
    command_line,
    fresh_folder,
    library_versions,
    package_version,
    write_csv,
    write_json,
)
from model.scenario import ScenarioError, load_scenario, parse_assignment, prepare

USAGE_ERROR = 2


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


def overrides(assignments: list[str]) -> dict:
    return dict(parse_assignment(a) for a in assignments or [])


def load_with_overrides(path: str, assignments: list[str]):
    scenario = load_scenario(path)
    ov = overrides(assignments)
    return scenario.with_overrides(ov, source=f"{path} (with --set)") if ov else scenario


# ----------------------------------------------------------------------------- run
def cmd_run(args: argparse.Namespace) -> int:
    from model.run import simulate

    scenario = prepare(load_with_overrides(args.scenario, args.set), args.days, args.untreated)
    seed = scenario.run.seed if args.seed is None else args.seed
    scenario = scenario.with_overrides({"run.seed": seed}, source="--seed")
    if args.out:
        out = Path(args.out)
        check_target(out, args.force)
    else:
        stem = f"{Path(args.scenario).stem}-seed{seed}{'-untreated' if args.untreated else ''}"
        out = fresh_folder(Path("runs"), stem)

    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=scenario.run.days, unit="day", desc="simulating", leave=False)

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

    result = simulate(scenario, seed=seed, progress=progress)
    if progress is not None:
        bar.close()
    manifest = {
        "msim_version": package_version(),
        "scenario_file": str(args.scenario),
        "scenario_sha256": scenario.sha256(),
        "seed": seed,
        "days": scenario.run.days,
        "untreated": bool(args.untreated),
        "versions": library_versions(),
        "command": command_line(),
    }
    with StagedFolder(out, force=args.force) as tmp:
        write_csv(tmp / "timeseries.csv", result.timeseries)
        write_csv(tmp / "events.csv", result.events)
        write_json(tmp / "summary.json", result.summary)
        write_json(tmp / "manifest.json", manifest)
        (tmp / "scenario.toml").write_text(scenario.to_toml(), encoding="utf-8")
    print(human_summary(result.summary, out))
    return 0


def human_summary(s: dict, out: Path) -> str:
    def months(day):
        if day is None or s["first_dose_day"] is None:
            return "not reached" if day is None else f"day {day}"
        return f"month {(day - s['first_dose_day']) / 30.4:.1f} after the first dose"

    lines = [
        f"{s['scenario']} (seed {s['seed']}, {s['days']} days)",
        f"  relapses: {s['relapse_count']}  (ARR {s['arr']}; by year {s['arr_by_year']})",
        f"  relapse-free at 2 years: {s['relapse_free_2y']}",
        f"  new lesions: {s['new_lesion_count']};  infusion days: {s['doses_given']}",
    ]
    if s["doses_given"]:
        for k in ("cd4", "cd8", "b_cells", "nk"):
            low = s[f"{k}_nadir_fraction"]
            shown = "n/a (no cells at baseline)" if low is None else f"{low:.0%} of baseline"
            lines.append(f"  {k:8s} lowest {shown}; back to 50%: {months(s[f'{k}_recovery_day'])}")
    lines.append(f"  outputs: {out}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- validate
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
            print(
                f"{path}: OK ({sc.name!r}; {sc.run.days} days; {sc.grid.width}x"
                f"{sc.grid.height} grid; courses: {courses or 'none'})"
            )
    return USAGE_ERROR if bad else 0


# ----------------------------------------------------------------------------- schema
def cmd_schema(args: argparse.Namespace) -> int:
    from model.reference import parameters_markdown, reference_markdown, schema_json

    if args.parameters:
        text = parameters_markdown()
    else:
        text = reference_markdown() if args.markdown else schema_json()
    if args.out:
        from model.outputs import atomic_replace_file

        atomic_replace_file(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msim",
        description="Agent-based simulation of MS relapses and alemtuzumab.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate one virtual patient and write its data")
    run.add_argument("scenario", help="scenario file (.toml)")
    run.add_argument("--days", type=days_arg, help="length of the run in days")
    run.add_argument("--seed", type=seed_arg, help="random seed (default: the scenario's)")
    run.add_argument("--untreated", action="store_true", help="drop every dosing course")
    run.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        default=[],
        help="override a value by its dotted key, e.g. disease.flare_rate=2",
    )
    run.add_argument("--out", help="output folder (default: a new folder under runs/)")
    run.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    run.set_defaults(handler=cmd_run)

    val = sub.add_parser("validate", help="check scenario files and list every problem")
    val.add_argument("files", nargs="+", metavar="FILE")
    val.set_defaults(handler=cmd_validate)

    sch = sub.add_parser("schema", help="print the scenario JSON Schema (or reference page)")
    sch.add_argument("--markdown", action="store_true", help="the reference page instead")
    sch.add_argument(
        "--parameters",
        action="store_true",
        help="the parameter provenance page (docs/parameters.md) instead",
    )
    sch.add_argument("--out", help="write to this file instead of the terminal")
    sch.set_defaults(handler=cmd_schema)

    # imported here: these modules build on the helpers above
    from model.batch.cli import register as register_batch
    from model.clinical.cli import register as register_clinical

    register_batch(sub)
    register_clinical(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ScenarioError, OutputError) as err:
        print(f"msim {args.command}: {err}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
