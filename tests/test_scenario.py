"""Scenario files: defaults, validation and the messages a teacher sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.provenance import PROVENANCE
from model.reference import _numeric_defaults, parameters_markdown, reference_markdown, schema_json
from model.scenario import (
    Scenario,
    ScenarioError,
    json_schema,
    load_bytes,
    load_scenario,
    parse_assignment,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def problems(text: str | bytes, name: str = "bad.toml") -> str:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(ScenarioError) as info:
        load_bytes(raw, name)
    assert name in info.value.message
    return info.value.message


def test_name_only_runs_on_defaults():
    sc = load_bytes(b'name = "just a name"\n', "x.toml")
    assert sc.name == "just a name"
    assert sc.model_dump(exclude={"name"}) == Scenario().model_dump(exclude={"name"})


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_are_valid_and_classroom_sized(path):
    sc = load_scenario(path)
    assert sc.grid.width >= 60 and sc.grid.height >= 60
    assert (
        sum(getattr(sc.cells, k).baseline for k in ("cd4", "cd8", "b_cells", "treg", "nk")) >= 1000
    )
    for text in sc.lesson.model_dump().values():
        assert len(text) > 40


def test_required_scenarios_ship():
    names = {p.stem for p in SHIPPED}
    assert {
        "untreated",
        "two-courses",
        "one-course",
        "delayed-second-course",
        "retreatment",
        "first-look",
    } <= names
    std = load_scenario(ROOT / "scenarios" / "two-courses.toml")
    first, second = std.dosing.courses
    assert (first.days, second.days) == (5, 3)
    assert second.start_day - first.start_day == 365
    assert first.start_day >= std.run.baseline_days > 0


def test_unknown_key_has_did_you_mean():
    msg = problems('name = "x"\n[grid]\nwidht = 80\n')
    assert "grid.widht" in msg and "did you mean 'grid.width'" in msg


def test_broken_toml_gives_line_and_column():
    msg = problems('name = "x"\n[grid\nwidth = 3\n')
    assert "line 2" in msg and "column" in msg


@pytest.mark.parametrize(
    "body, field",
    [
        ('[grid]\nwidth = "wide"', "grid.width"),
        ("[grid]\nwidth = 100000", "grid.width"),
        ("[run]\ndays = 1000000", "run.days"),
        ("[cells.cd4]\nlifespan_days = -5", "cells.cd4.lifespan_days"),
        ("[antibody]\nhalf_life_days = 0", "antibody.half_life_days"),
        ("[disease]\nchemotaxis = 1.5", "disease.chemotaxis"),
    ],
)
def test_bad_values_name_the_field_and_the_range(body, field):
    msg = problems(f'name = "x"\n{body}\n')
    assert field in msg
    assert "allowed" in msg or "valid" in msg


def test_every_problem_is_listed():
    msg = problems('name = "x"\n[grid]\nwidth = -1\nheight = 0\n[run]\ndays = 0\n')
    assert "grid.width" in msg and "grid.height" in msg and "run.days" in msg


def test_overlapping_courses_are_refused():
    body = (
        'name = "x"\n[[dosing.courses]]\nstart_day = 60\ndays = 5\n'
        "[[dosing.courses]]\nstart_day = 62\ndays = 3\n"
    )
    assert "overlap" in problems(body)


def test_course_inside_baseline_is_refused():
    assert "baseline" in problems('name = "x"\n[[dosing.courses]]\nstart_day = 10\n')


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"x" * 1_000_001, "limited"),
    ],
)
def test_unusable_bytes(raw, words):
    assert words in problems(raw)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="folder"):
        load_scenario(tmp_path)


def test_set_parses_toml_values_and_dotted_keys():
    assert parse_assignment("grid.width=80") == ("grid.width", 80)
    assert parse_assignment("name=hello") == ("name", "hello")
    sc = Scenario().with_overrides({"disease.flare_rate": 2.5, "dosing.courses": []})
    assert sc.disease.flare_rate == 2.5 and sc.dosing.courses == []
    with pytest.raises(ScenarioError, match=r"did you mean 'grid\.width'"):
        Scenario().with_overrides({"grid.widht": 3})


def test_round_trip_through_toml():
    sc = load_scenario(ROOT / "scenarios" / "retreatment.toml")
    again = load_bytes(sc.to_toml().encode(), "again.toml")
    assert again == sc and again.sha256() == sc.sha256()


def test_untreated_removes_every_course_and_retreatment():
    sc = load_scenario(ROOT / "scenarios" / "retreatment.toml").untreated()
    assert sc.dosing.courses == [] and not sc.dosing.retreatment.enabled


def test_schema_has_unit_range_and_description_for_every_number():
    schema = json_schema()
    for name, definition in schema["$defs"].items():
        for key, prop in definition.get("properties", {}).items():
            ref = prop.get("$ref", "").rsplit("/", 1)[-1]
            described = prop.get("description") or schema["$defs"].get(ref, {}).get("description")
            assert described, f"{name}.{key} has no description"
            if prop.get("type") in ("integer", "number"):
                assert "unit" in prop, f"{name}.{key} has no unit"
                assert "maximum" in prop, f"{name}.{key} has no upper bound"


def test_generated_docs_are_up_to_date():
    assert (ROOT / "docs" / "scenario-reference.md").read_text() == reference_markdown()
    assert json.loads((ROOT / "docs" / "scenario.schema.json").read_text()) == json.loads(
        schema_json()
    )


def test_every_numeric_parameter_has_a_documented_source():
    missing = sorted(set(_numeric_defaults()) - set(PROVENANCE))
    assert not missing, f"add these to model/provenance.py: {missing}"
    assert not set(PROVENANCE) - set(_numeric_defaults()), "provenance for a removed field"
    assert (ROOT / "docs" / "parameters.md").read_text() == parameters_markdown()
