"""Drugs as data (model/data/drugs.toml) acting through the model's own biology (model.therapy).

Every test runs the real model on the small patient; each compares a treated run with its
untreated twin (the same seed, so the same person, waves and infections)."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from model.drugs import DrugRegistryError, parse_registry, registry
from model.kinds import KINDS, Kind
from model.run import Simulation, simulate
from model.scenario import ScenarioError, validate_data
from tests.conftest import small_scenario

REGISTRY_TEXT = resources.files("model").joinpath("data/drugs.toml").read_text("utf-8")


def treated(drug: str, days: int, **schedule):
    entry = {"drug": drug, "start_day": 20, **schedule}
    return small_scenario(**{"dosing.courses": [], "run.days": days, "treatments": [entry]})


def twins(drug: str, days: int, seed: int = 5, **schedule):
    sc = treated(drug, days, **schedule)
    return simulate(sc, seed=seed), simulate(sc.untreated(), seed=seed)


def share(ts: pd.DataFrame, kind: str, lo: int, hi: int) -> float:
    """Mean count over days lo..hi as a share of the run-in mean."""
    return float(ts[kind].iloc[lo:hi].mean() / ts[kind].iloc[:20].mean())


# ---------------------------------------------------------------- the registry


def test_the_shipped_registry_is_valid_and_every_number_has_a_source():
    reg = registry()
    assert {"alemtuzumab", "ocrelizumab", "cladribine", "interferon-beta-1a", "natalizumab"} <= set(
        reg.names
    )
    for name, drug in reg.drugs.items():
        numbers = set(type(drug).model_fields) - {"label", "what", "mechanism", "sources"}
        assert set(drug.sources) == numbers, name


@pytest.mark.parametrize(
    ("old", "new", "field", "allowed"),
    [
        ("half_life_days = 26.0", "half_life_days = -2.0", "drugs.ocrelizumab.half_life_days", "0"),
        ('mechanism = "entry_blocker"', 'mechanism = "magic"', "drugs.natalizumab", "tags"),
        ("nk = 0.05 }", "nk = 3.0 }", "drugs.cladribine.sensitivity.nk", "allowed: from 0"),
        ("max_block = 0.99", "max_block = 0.99\nblock_all = 1", "drugs.natalizumab.block_all", ""),
    ],
)
def test_registry_errors_name_the_file_the_drug_and_the_field(old, new, field, allowed):
    assert old in REGISTRY_TEXT
    with pytest.raises(DrugRegistryError) as err:
        parse_registry(REGISTRY_TEXT.replace(old, new, 1))
    message = str(err.value)
    assert message.startswith("model/data/drugs.toml:")
    assert f"field '{field}'" in message and allowed in message


def test_a_number_without_a_source_is_refused():
    text = REGISTRY_TEXT.replace('bonds = "derived', 'not_bonds = "derived', 1)
    with pytest.raises(DrugRegistryError, match="no source for bonds"):
        parse_registry(text)


def test_a_scenario_naming_an_unknown_drug_is_refused_with_the_registry_names():
    data = treated("ocrelizumab", 100).to_dict()
    data["treatments"][0]["drug"] = "aspirin"
    with pytest.raises(ScenarioError) as err:
        validate_data(data, "class.toml")
    text = str(err.value)
    assert text.startswith("class.toml:") and "treatments[0]" in text
    assert "unknown drug 'aspirin'" in text and "natalizumab" in text


def test_a_broken_registry_is_a_scenario_problem_naming_the_registry_file(monkeypatch):
    import model.scenario

    def broken():
        return parse_registry(REGISTRY_TEXT.replace("max_block = 0.99", "max_block = 9.9", 1))

    data = treated("natalizumab", 100).to_dict()
    monkeypatch.setattr(model.scenario, "registry", broken)
    with pytest.raises(ScenarioError) as err:
        validate_data(data, "class.toml")
    text = str(err.value)
    assert "class.toml:" in text and "model/data/drugs.toml" in text
    assert "drugs.natalizumab.max_block" in text


def test_untreated_removes_the_treatments_too():
    assert treated("natalizumab", 100).untreated().treatments == []


# ---------------------------------------------------------------- mechanisms


def test_alemtuzumab_as_a_treatment_is_the_dosing_course_exactly():
    courses = small_scenario(**{"run.days": 120})
    as_treatment = small_scenario(
        **{
            "run.days": 120,
            "dosing.courses": [],
            "treatments": [{"drug": "alemtuzumab", "start_day": 20, "doses": 5, "dose_mg": 12.0}],
        }
    )
    a, b = simulate(courses, seed=3), simulate(as_treatment, seed=3)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.events, b.events)


def test_anti_cd20_depletes_b_cells_and_spares_t_cells():
    drug, control = twins("ocrelizumab", 160, interval_days=168, doses=1)
    ts, un = drug.timeseries, control.timeseries
    assert share(ts, "b_cells", 60, 160) < 0.05  # the first (split) dose empties them
    for kind in ("cd4", "cd8", "treg", "nk"):
        ratio = ts[kind].iloc[60:160].mean() / un[kind].iloc[60:160].mean()
        assert ratio > 0.85, kind
    assert drug.events[drug.events.kind == "dose"].day.tolist() == [20, 34]  # 2 x 300 mg


def test_natalizumab_raises_blood_counts_and_lowers_tissue_entry():
    drug, control = twins("natalizumab", 150, interval_days=28, until_end=True)
    ts, un = drug.timeseries, control.timeseries
    assert ts.tissue_cells.iloc[40:].mean() < 0.5 * un.tissue_cells.iloc[40:].mean()
    blood = lambda f: f[list(KINDS)].iloc[40:].sum(axis=1).mean()  # noqa: E731
    assert blood(ts) > 1.03 * blood(un)


def test_natalizumab_holds_entry_shut_at_the_trough_but_lets_tregs_in():
    sim = Simulation(treated("natalizumab", 120, interval_days=28, until_end=True), seed=5)
    sim.advance(20 + 3 * 28 - 1)  # the day before the fourth infusion: the lowest saturation
    therapy = sim.model.therapy
    saturation = therapy.exposure()["natalizumab"]
    assert 0.75 < saturation < 0.95
    entry = dict(zip(Kind, therapy.entry, strict=True))
    # three free integrins needed at once: entry falls far below 1 - saturation
    assert entry[Kind.CD4] < 0.05 and entry[Kind.CD8] < 0.05
    assert entry[Kind.CD4] < 0.2 * (1 - saturation)
    assert entry[Kind.TREG] > 0.6  # Tregs carry little alpha-4 integrin


def test_natalizumab_keeps_out_the_monocytes_that_become_the_lesions_macrophages():
    """A resident T cell's focus grows into a lesion with macrophages from the blood; an entry
    blocker keeps monocytes out as it does lymphocytes, at the trough too."""
    sc = treated("natalizumab", 120, interval_days=28, until_end=True)
    drawn = []
    for scenario in (sc, sc.untreated()):
        sim = Simulation(scenario, seed=5)
        sim.advance(20 + 3 * 28 - 1)  # the day before the fourth infusion
        grid = sim.model.grid
        grid.macrophages.data[3, 3], grid.inflammation.data[3, 3] = 0.0, 0.2
        sim.model.macrophage_recruitment()
        drawn.append(grid.macrophages.data[3, 3])
    assert drawn[1] > 0.3
    assert drawn[0] < 0.05 * drawn[1]


def test_interferon_acts_while_taken_and_its_effect_ends_when_it_stops():
    sc = treated("interferon-beta-1a", 200, interval_days=2.333, doses=30)  # to about day 88
    sim = Simulation(sc, seed=5)
    sim.advance(80)
    therapy = sim.model.therapy
    assert therapy.activation < 0.8 and therapy.entry is not None
    # cells keep 1 - 0.4 s of their alpha-4 integrin and need 3 of them at once to enter
    s = (1 - therapy.activation) / 0.35
    assert therapy.entry == pytest.approx((1 - 0.4 * s) ** 3)
    sim.advance(60)  # 50 days after the last injection
    assert therapy.activation == 1.0 and therapy.entry is None
    assert therapy.exposure()["interferon-beta-1a"] == 0.0


def test_cladribine_spares_nk_cells_and_hits_b_cells_most():
    drug, control = twins("cladribine", 130, interval_days=1, doses=5)
    ts, un = drug.timeseries, control.timeseries
    late = {k: ts[k].iloc[50:130].mean() / un[k].iloc[50:130].mean() for k in KINDS}
    assert late["b_cells"] < 0.6
    assert late["b_cells"] < late["cd4"] < 1.0
    assert late["nk"] > 0.85


# ---------------------------------------------------------------- pairing


def test_a_new_drug_leaves_the_twins_meeting_the_same_waves_and_infections():
    steady = {"patient.activity_cv": 0.0, "patient.age_sd": 0.0, "disease.flare_rate": 6.0}
    sc = treated("ocrelizumab", 900, interval_days=168, until_end=True).with_overrides(steady)
    drug, control = simulate(sc, seed=8), simulate(sc.untreated(), seed=8)
    waves = [
        r.events[r.events.kind == "activation_wave"].reset_index(drop=True) for r in (drug, control)
    ]
    assert len(waves[0]) >= 3
    pd.testing.assert_frame_equal(*waves)
    infected = [set(r.events[r.events.kind == "infection"].day) for r in (drug, control)]
    assert infected[1] <= infected[0]
    assert drug.summary["doses_given"] == 1 + len(np.arange(20, 900, 168))  # first split in two


# ---------------------------------------------------------------- kinetics


def test_b_cells_return_about_a_year_and_a_half_after_the_last_ocrelizumab_dose():
    # one 600 mg dose (2 x 300 mg, days 20 and 34); published: back a median 72 weeks later
    drug, _ = twins("ocrelizumab", 34 + 600, interval_days=168, doses=1)
    b = drug.timeseries.b_cells.to_numpy() / drug.timeseries.b_cells.iloc[:20].mean()
    assert b[34 + 300 - 14 : 34 + 300 + 14].mean() < 0.25  # still depleted at 43 weeks
    assert b[34 + 600 - 14 :].mean() > 0.5  # back by 86 weeks


def test_cladribine_b_cells_fall_most_weeks_after_the_tablets_and_recover_within_the_year():
    sc = small_scenario(
        **{
            "dosing.courses": [],
            "run.days": 380,
            "treatments": [
                {"drug": "cladribine", "start_day": 20, "doses": 5},
                {"drug": "cladribine", "start_day": 48, "doses": 5},
            ],
        }
    )
    b = simulate(sc, seed=5).timeseries.b_cells
    b = b.rolling(7, min_periods=1).mean().to_numpy() / b.iloc[:20].mean()
    lowest = int(b[20:].argmin()) + 20
    # published: 80-90% down at weeks 9-13 (the marrow is slowed too: marrow_recovery_days)
    assert b[lowest] < 0.3 and 20 + 5 * 7 <= lowest <= 20 + 13 * 7
    assert b[20 + 48 * 7 :].mean() > 0.5  # recovering by week 48


# ---------------------------------------------------------------- choices partway through a run


def _run_with(sc, choice_day: int, choose, days: int, seed: int = 5) -> pd.DataFrame:
    sim = Simulation(sc, seed=seed)
    sim.advance(choice_day)
    choose(sim.model)
    sim.advance(days - choice_day)
    return sim.result().timeseries


def test_switching_drug_partway_is_the_run_of_a_scenario_that_starts_it_that_day():
    base = small_scenario(**{"dosing.courses": [], "run.days": 260})
    switched = _run_with(base, 90, lambda m: m.switch_to("ocrelizumab"), 260)
    regimen = registry().drugs["ocrelizumab"].regimen
    planned = base.with_overrides(
        {
            "treatments": [
                {
                    "drug": "ocrelizumab",
                    "start_day": 90 + step.offset_days,
                    "interval_days": step.interval_days,
                    **({"until_end": True} if step.until_end else {"doses": step.doses}),
                }
                for step in regimen
            ]
        }
    )
    fresh = simulate(planned, seed=5).timeseries
    pd.testing.assert_frame_equal(switched, fresh)
    assert switched["b_cells"].iloc[200] < 0.5 * switched["b_cells"].iloc[80]


def test_stopping_treatment_cancels_the_courses_still_to_come():
    two = small_scenario(
        **{
            "run.days": 240,
            "dosing.courses": [
                {"start_day": 20, "days": 3, "dose_mg": 12.0},
                {"start_day": 150, "days": 3, "dose_mg": 12.0},
            ],
        }
    )
    stopped = _run_with(two, 100, lambda m: m.stop_treatment(), 240)
    one = simulate(two.with_overrides({"dosing.courses": two.dosing.courses[:1]}), seed=5)
    pd.testing.assert_frame_equal(stopped, one.timeseries)
    both = simulate(two, seed=5).timeseries
    assert not both["antibody"].iloc[150:160].eq(stopped["antibody"].iloc[150:160]).all()


def test_cladribine_slows_the_marrows_b_cells_for_weeks_and_anti_cd20_does_not():
    """The tablets also kill lymphoid precursors (dCK-rich, B most), so fewer new cells come for
    weeks; anti-CD20 spares the CD20-negative precursors."""
    sim = Simulation(treated("cladribine", 320, doses=5), seed=5)
    sim.advance(30)  # tablets on days 20-24
    output = sim.model.therapy.output
    assert output[Kind.B_CELL] < 0.3 and output[Kind.NK] > 0.9
    assert output[Kind.B_CELL] < output[Kind.CD4] < output[Kind.NK]
    sim.advance(200)
    assert sim.model.therapy.output[Kind.B_CELL] > 0.95  # refilled
    ocr = Simulation(treated("ocrelizumab", 120, interval_days=168, doses=1), seed=5)
    ocr.advance(60)
    assert ocr.model.therapy.output is None
