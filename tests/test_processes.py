"""Each biological process on its own, on a small patient."""

from __future__ import annotations

import dataclasses

import numpy as np

from model.agents import BLOOD, Kind
from model.model import MSModel
from model.scenario import Scenario
from tests.conftest import small_scenario


def run_until(model: MSModel, day: int) -> None:
    while model.day < day:
        model.step()


def blood(model: MSModel) -> np.ndarray:
    return model.counts()


def test_depletion_is_deep_for_t_and_b_cells_and_spares_nk():
    model = MSModel(small_scenario(), seed=2)
    run_until(model, 20)
    before = blood(model)
    run_until(model, 32)
    after = blood(model)
    ratio = after / before
    assert ratio[Kind.CD4] < 0.15 and ratio[Kind.CD8] < 0.15 and ratio[Kind.B_CELL] < 0.3
    assert ratio[Kind.NK] > 0.35, "NK cells carry little CD52 and must be largely spared"


def test_progenitors_are_never_depleted_and_cells_come_back():
    """Production does not depend on the drug: new cells appear during the course itself."""
    model = MSModel(small_scenario(), seed=3)
    run_until(model, 20)
    born_before = model.lymphocytes.age[model.lymphocytes.rows()].min()
    run_until(model, 26)
    t = model.lymphocytes
    young = t.rows()[t.age[t.rows()] <= 5]
    assert young.size > 0, "progenitors kept producing cells during the course"
    assert born_before >= 0
    run_until(model, 200)
    assert blood(model)[Kind.B_CELL] > 0.5 * small_scenario().cells.b_cells.baseline


def test_antibody_clears_after_the_course():
    model = MSModel(small_scenario(), seed=4)
    levels = []
    for _ in range(90):
        model.step()
        levels.append(model.observation["antibody"])
    peak_day = int(np.argmax(levels))
    assert 20 <= peak_day <= 25
    assert levels[peak_day + 40] < 0.05 * levels[peak_day]
    assert levels[-1] == 0


FULL_COUNTS = {  # the standard patient's blood, on the small grid
    "cells.cd4.baseline": 600,
    "cells.cd8.baseline": 280,
    "cells.b_cells.baseline": 240,
    "cells.treg.baseline": 60,
    "cells.nk.baseline": 160,
}


def primed(model: MSModel) -> int:
    """Primed autoreactive T cells outside the tissue's resident niche (the antibody's reach)."""
    t = model.lymphocytes
    rows = t.rows()
    return int(
        np.count_nonzero(
            t.autoreactive[rows] & t.memory[rows] & ~t.resident[rows] & (t.kind[rows] <= Kind.CD8)
        )
    )


def test_depletion_empties_the_primed_memory_pool_which_refills_slowly():
    model = MSModel(small_scenario(**FULL_COUNTS, **{"run.days": 400}), seed=5)
    t = model.lymphocytes
    rows = t.rows()
    auto = rows[t.autoreactive[rows] & (t.kind[rows] <= Kind.CD8)]
    before = primed(model)
    assert before > 10 and before == np.count_nonzero(t.memory[auto] & ~t.resident[auto])
    lowest = before
    while model.day < 60:
        model.step()
        lowest = min(lowest, primed(model))
    # most go; the few in the tissue or sheltered in lymph nodes escape (7-25% over seeds 1-8),
    # then lymphopenic division makes a few memory-like
    assert lowest < 0.3 * before
    run_until(model, 200)
    # six months on the primed pool is still well short of what it was (0.17-0.65 over seeds
    # 1-8; by a year some patients have refilled it, others not)
    assert primed(model) < 0.7 * before
    run_until(model, 400)
    rows = t.rows()
    new = rows[(t.generation[rows] > 0) & t.autoreactive[rows] & (t.kind[rows] <= Kind.CD8)]
    assert new.size > 10
    assert model.lymphocyte(int(new[0])).origin in ("repopulated", "expanded in lymphopenia")


def test_priming_needs_memory_b_cells_to_present_antigen():
    """With no memory B cells, only the B-independent share of priming is left."""
    sc = small_scenario(**FULL_COUNTS, **{"dosing.courses": [], "run.days": 60})
    made = []
    for help_share in (0.0, 1.0):
        model = MSModel(
            sc.with_overrides(
                {
                    "memory.b_cell_help": help_share,
                    "memory.lymphopenic_priming": 0,
                    "memory.b_memory_share": 0,  # and none form in the 60 days
                }
            ),
            seed=11,
        )
        t = model.lymphocytes
        rows = t.rows()
        t.memory[rows[t.kind[rows] == Kind.B_CELL]] = False  # no antigen-presenting B cells
        t.memory[rows[t.kind[rows] <= Kind.CD8]] = False  # every autoreactive T cell naive
        model.priming[:] = 0.01  # fast enough to count in 60 days
        run_until(model, 60)
        made.append(primed(model))
    assert made[0] > 20 and made[1] <= 0.05 * made[0]


def test_lymphopenic_division_makes_expanded_memory_like_cells():
    sc = small_scenario(**FULL_COUNTS, **{"run.days": 300, "memory.lymphopenic_priming": 1.0})
    model = MSModel(sc, seed=12)
    run_until(model, 300)
    t = model.lymphocytes
    rows = t.rows()
    expanded = rows[t.expanded[rows] & (t.kind[rows] <= Kind.CD8)]
    assert expanded.size > 50
    auto = expanded[t.autoreactive[expanded]]
    assert auto.size and t.memory[auto].all()  # every self-reactive daughter came out primed
    assert model.lymphocyte(int(expanded[0])).origin == "expanded in lymphopenia"


def test_treg_share_rises_after_depletion():
    standard_dose = {"run.days": 400, "antibody.particles_per_mg": 100.0}
    model = MSModel(small_scenario(**FULL_COUNTS, **standard_dose), seed=6)
    before, after = [], []
    while model.day < 400:
        model.step()
        (before if model.day <= 20 else after).append(model.observation["treg_share"])
    assert np.mean(after[-30:]) > 1.3 * np.mean(before)  # month 12 (Zhang 2013)


def attackers_on_site_10_10(n: int) -> MSModel:
    """The small untreated patient with ``n`` activated self-reactive CD4 cells of aggression 1
    placed on site (10, 10)."""
    model = MSModel(small_scenario(**{"dosing.courses": []}), seed=7)
    t = model.lymphocytes
    rows = t.rows()
    attackers = rows[t.kind[rows] == Kind.CD4][:n]
    t.autoreactive[attackers] = True
    t.activated[attackers] = 10
    t.aggression[attackers] = 1.0
    model._move(t, attackers, np.full(n, 10, np.int16), np.full(n, 10, np.int16))
    return model


def test_treg_suppression_reduces_attack():
    """The same activated attackers strip less myelin with Tregs beside them."""
    losses = []
    for tregs in (0, 3):
        model = attackers_on_site_10_10(5)
        t = model.lymphocytes
        rows = t.rows()
        helpers = rows[t.kind[rows] == Kind.TREG][:tregs]
        if tregs:
            model._move(t, helpers, np.full(tregs, 10, np.int16), np.full(tregs, 11, np.int16))
        losses.append(model.attack().sum())
    assert losses[1] < 0.5 * losses[0]


def test_t_cells_strip_less_myelin_where_no_macrophages_have_come():
    """T cells direct the attack and macrophages strip most of the myelin: the same attackers
    on a site with no macrophages do only the unaided share of the damage."""
    losses = []
    for macrophages in (1.0, 0.0):
        model = attackers_on_site_10_10(2)
        model.grid.macrophages.data[10, 10] = macrophages
        losses.append(model.attack()[10, 10])
    unaided = Scenario().disease.unaided_attack
    assert losses[0] > 0
    assert abs(losses[1] / losses[0] - unaided) < 1e-9


def test_inflamed_tissue_draws_macrophages_that_leave_when_it_calms():
    model = MSModel(small_scenario(**{"dosing.courses": []}), seed=7)
    m, infl = model.grid.macrophages.data, model.grid.inflammation.data
    infl[:] = 0.0
    infl[5, 5] = 0.5
    for _ in range(5):
        model.macrophage_recruitment()
    assert m[5, 5] > 0.8  # filled in days
    assert m[15, 15] == 0.0  # nothing where nothing is inflamed
    infl[5, 5] = 0.0
    for _ in range(30):
        model.macrophage_recruitment()
    assert m[5, 5] < 0.1  # gone within weeks


def relapsing_small_patient(days: int, eloquent_share: float = 0.25) -> MSModel:
    """The small patient of average activity, untreated, run for ``days``; its few eloquent
    sites are seldom hit, so it gets more of them (``eloquent_share``) and a lower relapse
    onset."""
    sc = small_scenario(
        **{
            "dosing.courses": [],
            "patient.activity_cv": 0.0,
            "run.days": days,
            "disease.flare_rate": 4.0,
            "disability.eloquent_share": eloquent_share,
            "disease.relapse_onset": 2.0,
        }
    )
    model = MSModel(sc, seed=8)
    run_until(model, days)
    return model


def test_relapses_start_and_end_and_lesions_outnumber_them():
    model = relapsing_small_patient(1500)
    kinds = [e.kind for e in model.events]
    assert kinds.count("relapse_start") >= 2
    assert kinds.count("relapse_end") >= kinds.count("relapse_start") - 1
    assert all(r.end > r.start for r in model.relapses if r.end is not None)


def test_a_relapse_is_damage_where_it_shows_elsewhere_lesions_stay_silent():
    counts = {}
    for share in (0.0, 0.25):
        kinds = [e.kind for e in relapsing_small_patient(1100, share).events]
        counts[share] = (kinds.count("new_lesion"), kinds.count("relapse_start"))
    assert counts[0.0][0] > 5 and counts[0.0][1] == 0  # lesions, all of them silent
    assert counts[0.25][1] >= 2


def test_lesions_far_outnumber_relapses_in_the_standard_patient():
    sc = Scenario().untreated()
    counts = {"relapse_start": 0, "new_lesion": 0}
    for seed in (1, 2):
        model = MSModel(sc, seed=seed)
        run_until(model, sc.run.days)
        for e in model.events:
            counts[e.kind] = counts.get(e.kind, 0) + 1
    assert counts["relapse_start"] >= 1
    assert counts["new_lesion"] > 5 * counts["relapse_start"]


def test_cell_views_read_their_row_and_myelin_agents_read_their_grid_cell():
    model = MSModel(small_scenario(), seed=9)
    run_until(model, 40)
    t = model.lymphocytes
    rows = t.rows()
    assert (t.x[rows] != BLOOD).any() and (t.x[rows] == BLOOD).any()
    for r in rows:
        view = model.lymphocyte(int(r))
        assert view.site == (None if t.x[r] == BLOOD else (int(t.x[r]), int(t.y[r])))
        assert view.describe()["aggression"] == round(float(t.aggression[r]), 2)
    model.grid.inflammation.data[3, 4] = 0.5
    site = model.site(3, 4)
    assert site.cell.coordinate == (3, 4) and site in model.grid[(3, 4)].agents
    assert site.inflammation == 0.5 and site.describe()["site"] == [3, 4]


def test_retreatment_rule_gives_a_course_after_a_late_relapse():
    sc = small_scenario(
        **{
            "run.days": 1400,
            "disease.flare_rate": 6.0,
            "patient.activity_mean": 3.0,
            "patient.activity_cv": 0.0,
            "dosing.retreatment.enabled": True,
            "dosing.retreatment.min_gap_days": 365,
        }
    )
    model = MSModel(sc, seed=10)
    run_until(model, sc.run.days)
    course_days = sorted(
        {e.day for e in model.events if e.kind == "dose" and "course 2" in e.detail}
    )
    assert course_days, "a relapse more than a year after the course should bring course 2"
    late = [r.start for r in model.relapses if r.start >= 20 + 365]
    assert course_days[0] == late[0] + 30


def test_disease_activity_quietens_as_the_patient_ages_through_the_run():
    settings = Scenario().patient
    patient = MSModel(small_scenario(), seed=5).patient
    now = patient.wave_rate_factor(settings)
    assert patient.wave_rate_factor(settings, -2.0) > now  # younger in the burn-in
    ten_years_on = patient.wave_rate_factor(settings, 10.0)
    assert np.isclose(ten_years_on / now, (1 - settings.age_activity_decline) ** 2)


def test_a_faster_thyroid_shows_disease_sooner_from_the_same_antibody():
    """Patients differ in the years from thyroid antibody to disease (patient.thyroid)."""
    days = {}
    for pace in (0.5, 2.0):
        model = MSModel(small_scenario().untreated(), seed=4)
        model.patient = dataclasses.replace(model.patient, thyroid=pace)
        model.titre["thyroid_autoimmunity"] = 2.0  # the same titre, well above 1
        while "thyroid_autoimmunity" not in model.autoimmune_onset and model.day < 2000:
            model.autoimmunity()
            model.day += 1
        days[pace] = model.autoimmune_onset.get("thyroid_autoimmunity")
    assert days[2.0] is not None and days[0.5] is not None
    assert days[0.5] > 2.5 * days[2.0]
