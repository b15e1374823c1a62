"""Same scenario and seed, same patient; treated and untreated agree until the first dose."""

from __future__ import annotations

import pandas as pd

from model.model import MSModel
from model.run import simulate, simulate_twins
from tests.conftest import small_scenario


def test_same_seed_same_run():
    sc = small_scenario()
    a, b = simulate(sc, seed=11), simulate(sc, seed=11)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.summary == b.summary


def test_different_seeds_differ():
    sc = small_scenario()
    assert not simulate(sc, seed=1).timeseries.equals(simulate(sc, seed=2).timeseries)


def test_treated_and_untreated_are_the_same_patient_until_the_first_dose():
    sc = small_scenario(**{"dosing.courses": [{"start_day": 60, "days": 5}], "run.days": 120})
    treated, untreated = simulate(sc, seed=5), simulate(sc.untreated(), seed=5)
    first = 60
    pd.testing.assert_frame_equal(
        treated.timeseries.iloc[:first], untreated.timeseries.iloc[:first]
    )
    assert not treated.timeseries.iloc[first:].equals(untreated.timeseries.iloc[first:])
    before = lambda ev: ev[ev.day < first].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(before(treated.events), before(untreated.events))


def test_twins_meet_the_same_activation_waves_for_the_whole_run():
    steady = {"patient.activity_cv": 0.0, "patient.age_sd": 0.0}  # an average patient
    sc = small_scenario(**{"run.days": 1500, "disease.flare_rate": 6.0, **steady})
    treated, untreated = simulate(sc, seed=8), simulate(sc.untreated(), seed=8)
    waves = [r.events[r.events.kind == "activation_wave"] for r in (treated, untreated)]
    assert len(waves[0]) > 10 and (waves[0].day > 400).any()  # long after the course
    pd.testing.assert_frame_equal(*(w.reset_index(drop=True) for w in waves))
    assert treated.relapses.start.tolist() != untreated.relapses.start.tolist()


def test_the_seed_draws_the_patient_whatever_the_arm():
    sc = small_scenario(**{"run.days": 30})
    a, b, c = simulate(sc, seed=21), simulate(sc.untreated(), seed=21), simulate(sc, seed=22)
    assert a.patient == b.patient != c.patient
    assert 18 <= a.patient["patient_age"] <= 55
    for key, value in a.patient.items():
        assert a.summary[key] == value  # recorded with the run (summary.json, runs.csv)


def test_arms_sharing_one_lived_history_give_exactly_the_runs_made_one_by_one():
    sc = small_scenario(**{"run.burn_in_years": 0.5, "run.days": 150})
    arms = [sc, sc.untreated(), sc.retreated()]
    shared = simulate_twins(arms, seed=11)
    for arm, twin in zip(arms, shared, strict=True):
        alone = simulate(arm, seed=11)
        pd.testing.assert_frame_equal(twin.timeseries, alone.timeseries)
        pd.testing.assert_frame_equal(twin.events, alone.events)
        assert twin.summary == alone.summary
    # the arms do differ after the first dose: the copy is not one run shared three times
    assert not shared[0].timeseries.equals(shared[1].timeseries)


def test_scenarios_that_differ_before_day_0_live_their_own_histories():
    sc = small_scenario(**{"run.burn_in_years": 0.2})
    other = sc.with_overrides({"disease.flare_rate": 3.0})
    assert sc.same_patient_before_day_0(sc.untreated())
    assert not sc.same_patient_before_day_0(other)
    a, b = MSModel.twins([sc, other], seed=2)
    assert a.grid.integrity.data.tolist() == MSModel(sc, seed=2).grid.integrity.data.tolist()
    assert b.grid.integrity.data.tolist() == MSModel(other, seed=2).grid.integrity.data.tolist()


def test_a_copied_patient_reads_its_tissue_and_copies_again_the_same():
    """The twins are deep copies and the app's timeline pickles them: every site of a copy
    reads its tissue (Mesa gives unpickled cells a class each, without the accessors; the
    model pickles them as one class), and a copy of a copy lives the same days."""
    import pickle

    sc = small_scenario(**{"run.burn_in_years": 0.1})
    copied, lived = MSModel.twins([sc, sc.untreated()], seed=3)
    for model in (copied, lived):
        assert len({type(cell) for cell in model.grid.all_cells}) == 1
        assert [model.site(x, 5).integrity for x in range(sc.grid.width)] == [
            float(v) for v in model.grid.integrity.data[:, 5]
        ]
    again = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(copied))))
    for model in (copied, again):
        for _ in range(30):
            model.step()
    assert again.observation == copied.observation
    assert again.site(7, 7).describe() == copied.site(7, 7).describe()
