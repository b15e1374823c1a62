"""Entry criteria: a seed screens candidates on the history they lived before day 0, as a trial
screens people, and enrols the first who meets them (``patient.entry_*``)."""

from __future__ import annotations

import pytest

from model.cli import main
from model.model import MSModel
from model.scenario import Scenario, ScenarioError


def screening(**patient) -> Scenario:
    """The standard patient population with a one-year burn-in, the least the criteria need,
    so screening ten candidates stays quick."""
    settings = {f"patient.{k}": v for k, v in patient.items()}
    return Scenario(name="screening").with_overrides({"run.burn_in_years": 1.0, **settings})


def test_relapses_happen_from_the_first_day_of_the_burn_in():
    # an active patient relapses in the year before day 0 (the relapse clock once started at
    # day 0, so no history had any relapse)
    sc = screening(activity_mean=4.0, activity_cv=0.0)
    counts = [MSModel(sc, seed, start=False).history["relapses_prior_year"] for seed in (1, 2, 3)]
    assert sum(counts) >= 3


def test_a_seed_enrols_its_first_candidate_with_the_history_asked_for():
    sc = screening(entry_relapses_prior_year=2, entry_enhancing_lesions=1)
    enrolled = {seed: MSModel.enrol(sc, seed, start=False) for seed in (1, 2, 3)}
    screened = [seed for seed, m in enrolled.items() if m.candidate > 0]
    assert screened, "every first candidate qualified: the criteria screened no one out"
    for model in enrolled.values():
        assert model.history["relapses_prior_year"] >= 2
        assert model.history["enhancing_lesions"] >= 1
        assert model.patient_record()["patient_screened"] == model.candidate + 1
    seed = screened[0]
    for candidate in range(enrolled[seed].candidate):
        assert not MSModel(sc, seed, start=False, candidate=candidate).meets_entry()
    again = MSModel.enrol(sc, seed, start=False)
    assert again.patient_record() == enrolled[seed].patient_record()


def test_without_criteria_the_seed_is_its_first_candidate():
    model = MSModel.enrol(screening(), 5, start=False)
    assert model.candidate == 0
    assert model.patient == MSModel(screening(), 5, start=False).patient


def test_screening_that_finds_no_one_says_what_to_loosen(tmp_path, capsys):
    sc = screening(entry_relapses_prior_year=10, max_screened=2)
    with pytest.raises(ScenarioError, match=r"patient\.max_screened"):
        MSModel.enrol(sc, 1)
    path = tmp_path / "strict.toml"
    path.write_text(
        "[run]\nburn_in_years = 1.0\ndays = 20\n[patient]\nentry_relapses_prior_year = 10\n"
        "max_screened = 1\n"
    )
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "entry_relapses_prior_year" in err
    assert "Traceback" not in err


def test_criteria_need_a_year_of_history():
    with pytest.raises(ScenarioError, match=r"run\.burn_in_years"):
        Scenario().with_overrides({"run.burn_in_years": 0.5, "patient.entry_enhancing_lesions": 1})
