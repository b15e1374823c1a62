"""``msim run``: simulate one virtual patient and write its recorded data to a folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.calendar import MONTH
from model.commands.options import days_arg, load_with_overrides, seed_arg
from model.kinds import Kind
from model.outputs import (
    OutputError,
    StagedFolder,
    check_target,
    command_line,
    fresh_folder,
    library_versions,
    package_version,
    why,
    write_csv,
    write_json,
)
from model.scenario import prepare


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="simulate one virtual patient and write its data")
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


def cmd_run(args: argparse.Namespace) -> int:
    from model.run import simulate  # Mesa and the engine: only for the command that runs

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
    try:
        with StagedFolder(out, force=args.force) as tmp:
            write_csv(tmp / "timeseries.csv", result.timeseries)
            write_csv(tmp / "events.csv", result.events)
            write_csv(tmp / "relapses.csv", result.relapses)
            write_csv(tmp / "mri.csv", result.mri)
            write_json(tmp / "summary.json", result.summary)
            write_json(tmp / "manifest.json", manifest)
            (tmp / "scenario.toml").write_text(scenario.to_toml(), encoding="utf-8")
    except OSError as err:
        raise OutputError(
            f"{out}: the outputs could not be written: {why(err)}. Nothing was left there; "
            "choose another --out or free the space, then run again"
        ) from None
    print(human_summary(result.summary, out))
    return 0


def human_summary(s: dict, out: Path) -> str:
    def months(day):
        if day is None or s["first_dose_day"] is None:
            return "not reached" if day is None else f"day {day}"
        return f"month {(day - s['first_dose_day']) / MONTH:.1f} after the first dose"

    def when(day):
        return "none" if day is None else f"day {day}"

    lines = [
        f"{s['scenario']} (seed {s['seed']}, {s['days']} days)",
        f"  relapses: {s['relapse_count']}  (ARR {s['arr']}; by year {s['arr_by_year']})",
        f"  relapse-free at 2 years: {s['relapse_free_2y']}",
        f"  new lesions: {s['new_lesion_count']};  doses given: {s['doses_given']}",
        f"  MRI, new or enlarging lesions by yearly scan: {s['mri_new_or_enlarging_by_scan']};"
        f"  enhancing: {s['mri_enhancing_by_scan']}",
        f"  EDSS {s['edss_baseline']} -> {s['edss_final']};  6-month confirmed worsening: "
        f"{when(s['cdw_6m_day'])};  improvement: {when(s['cdi_6m_day'])}",
        f"  infections: {s['infections']} ({s['serious_infections']} serious)",
    ]
    if s["doses_given"]:
        for kind in (Kind.CD4, Kind.CD8, Kind.B_CELL, Kind.NK):
            low = s[f"{kind.key}_nadir_fraction"]
            shown = "n/a (no cells at baseline)" if low is None else f"{low:.0%} of baseline"
            back = months(s[f"{kind.key}_recovery_day"])
            lines.append(f"  {kind.short:8s} lowest {shown}; back to 50%: {back}")
    lines.append(f"  outputs: {out}")
    return "\n".join(lines)
