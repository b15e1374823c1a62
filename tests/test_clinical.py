"""The clinical check: targets read from data, and a reduced cohort that keeps the biology
pointing the right way (so a change that breaks it fails `make test`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from model.cli import main
from model.clinical.evaluate import Result, evaluate
from model.clinical.measures import MEASURES
from model.clinical.report import markdown, resolution
from model.clinical.targets import load_targets


def test_every_target_has_a_source_a_range_and_a_measure():
    targets = load_targets()
    assert len(targets) >= 19
    for t in targets:
        assert t.source and t.what and t.low <= t.high
        assert t.name in MEASURES, f"{t.name} has no measure"


def test_a_target_added_to_the_file_is_checked_without_code_changes():
    text = '[meta]\nx = 1\n\n[cd8_recovery]\nwhat = "stricter"\nrange = [1, 2]\nsource = "test"\n'
    (target,) = load_targets(text)
    extracted = [{"cd8_recovery": 10.0}, {"cd8_recovery": 12.0}]
    (result,) = evaluate([target], extracted)
    assert result.value == pytest.approx(11.0) and not result.passed


def test_unknown_measure_is_reported_as_failing():
    text = '[brand_new]\nwhat = "?"\nrange = [0, 1]\nsource = "s"\n'
    (result,) = evaluate(load_targets(text), [{}])
    assert not result.passed and "no measure" in result.measured_as


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    out = tmp_path_factory.mktemp("clinical") / "check"
    code = main(
        ["check-clinical", "--patients", "6", "--years", "3", "--workers", "2", "--out", str(out)]
    )
    assert code in (0, 1)
    return out, {t["name"]: t for t in json.loads((out / "results.json").read_text())["targets"]}


def value(results, name):
    v = results[name]["value"]
    return math.inf if v is None else v


def test_reduced_cohort_writes_the_report(reduced):
    out, _ = reduced
    for name in ("report.md", "report.html", "results.json"):
        assert (out / name).stat().st_size > 500
    plots = {p.stem for p in (out / "plots").glob("*.png")}
    assert {"lymphocytes", "arr_by_year", "mri_by_year", "disability", "infections"} <= plots
    assert "trials" in plots and len(plots) == 11


def test_the_report_sets_each_emulated_trial_beside_the_published_one(reduced):
    out, results = reduced
    report = (out / "report.md").read_text()
    assert "## Trial emulation" in report
    for trial, published in (("AFFIRM", "0.23 vs 0.73"), ("CLARITY", "0.14 vs 0.33")):
        line = next(x for x in report.splitlines() if x.startswith(f"| {trial} |"))
        assert published in line
    # every comparator ran on the same 6 patients: each trial's reduction has a value
    for name in ("carems_vs_interferon", "natalizumab_vs_placebo", "cladribine_vs_placebo"):
        assert results[name]["patients"] == 6 and results[name]["value"] is not None
    assert (out / "cohort" / "runs.csv").exists()
    assert "untreated_arr" in (out / "report.md").read_text()


def test_reduced_cohort_keeps_the_core_directions(reduced):
    _, r = reduced
    assert value(r, "treated_arr_2y") < value(r, "untreated_arr")
    assert value(r, "depletion_depth") < 0.15
    assert value(r, "innate_sparing") > 0.35
    assert value(r, "b_cell_overshoot") > 1.0
    assert value(r, "treg_shift") > 1.0
    assert value(r, "b_cell_recovery") < value(r, "cd8_recovery") < value(r, "cd4_recovery")
    assert value(r, "antibody_clearance") < 40
    assert 0.75 <= value(r, "stem_cell_sparing") <= 5.0  # progenitor output kept


def _run(days: int, doses: list[int], onsets: list[int]):
    """A recorded run with only what the retreatment measures read."""
    import pandas as pd

    from model.clinical.measures import Run

    events = pd.DataFrame(
        [(d, "dose", "") for d in doses] + [(d, "relapse_start", "") for d in onsets],
        columns=["day", "kind", "detail"],
    )
    ts = pd.DataFrame({"day": range(days)})
    return Run(ts, events, pd.DataFrame(), pd.DataFrame(), {"follow_up_start_day": 60})


def test_a_third_course_is_counted_and_compared_with_the_year_before_it():
    from model.clinical.measures import around_third_course, third_course_by

    course = [60, 61, 62, 63, 64, 425, 426, 427]
    third = [1000, 1001, 1002]
    run = _run(2251, course + third, onsets=[700, 960, 1200])
    assert third_course_by(run, 6) == 1.0
    assert around_third_course(run) == (1.0, 2.0)  # one relapse after, two before
    plain = _run(2251, course, onsets=[700])
    assert third_course_by(plain, 6) == 0.0 and around_third_course(plain) is None
    assert third_course_by(_run(900, course, []), 6) is None  # too short to say


def _result(name: str, value: float, low: float, high: float, accepted=(0.07, 0.09)) -> Result:
    passed = accepted[0] <= value <= accepted[1]
    return Result(name, "w", "m", "fraction", value, low, high, 100, accepted, passed, "s")


def test_the_report_tells_a_miss_within_sampling_from_a_miss_beyond_it():
    near = _result("near_miss", 0.06, 0.02, 0.11)
    far = _result("far_miss", 0.30, 0.25, 0.35)
    fragile = _result("fragile_pass", 0.08, 0.03, 0.13)
    solid = _result("solid_pass", 0.5, 0.45, 0.55, accepted=(0.4, 0.6))
    note = resolution([near, far, fragile, solid])
    assert "1 of 2 failing targets miss within sampling: near_miss;" in note
    assert "beyond sampling (the whole interval): far_miss." in note
    assert "1 passing targets have an interval" in note and "fragile_pass" in note
    assert "solid_pass" not in note
    assert resolution([solid]) == ""
    assert "near_miss" in markdown([near, solid], CONTEXT, [], Path("."))


CONTEXT = {
    "patients": 100, "scenario": "s", "years": 6, "baseline_days": 60, "root_seed": 1,
    "command": "msim check-clinical", "version": "0",
}  # fmt: skip
