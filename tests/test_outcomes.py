"""What a neurologist reads: a history before day 0, MRI scans, disability, infections."""

from __future__ import annotations

import numpy as np
import pytest

from model.disability import (
    Examiner,
    confirmed_improvement_day,
    confirmed_worsening_day,
    edss_steps,
)
from model.model import MSModel
from model.mri import Scanner
from model.patient import draw_patient
from model.scenario import PatientSettings
from tests.conftest import small_scenario


def test_burn_in_gives_a_history_and_is_the_same_patient_for_the_same_seed():
    sc = small_scenario(**{"run.burn_in_years": 1.0, "dosing.courses": []})
    a, b = MSModel(sc, seed=4), MSModel(sc, seed=4)
    fresh = MSModel(sc.with_overrides({"run.burn_in_years": 0.0}), seed=4)
    assert a.day == 0 and a.time == 0  # outputs and Mesa's clock start at day 0
    assert np.array_equal(a.grid.integrity.data, b.grid.integrity.data)
    assert a.edss == b.edss
    assert a.grid.integrity.data.mean() < fresh.grid.integrity.data.mean()
    assert all(e.day >= 0 or e.kind == "relapse_start" for e in a.events)


def test_without_waves_or_infections_the_burn_in_stirs_no_cell():
    """The burn-in's days are negative; none of them may count as inside an infection's
    window of bystander activation unless an infection came."""
    calm = {"disease.flare_rate": 0.0, "disease.activation_rate": 0.0}
    sc = small_scenario(**{"run.burn_in_years": 0.5, "infections.rate_per_year": 0.0, **calm})
    model = MSModel(sc, seed=2)
    assert model.grid.integrity.data.min() == 1.0  # no attack: nothing was activated
    assert model.history["relapses_prior_year"] == 0
    stirred = sc.with_overrides({"infections.rate_per_year": 20.0})
    assert MSModel(stirred, seed=2).grid.integrity.data.min() < 1.0  # infections do stir


def test_a_lesion_that_grows_counts_as_enlarging_and_a_wavering_edge_does_not():
    shape = (10, 10)
    scan = Scanner(shape, first_day=0, interval_days=10, min_sites=1)
    calm = np.zeros(shape, dtype=bool)  # no lesion inflamed
    old = np.zeros(shape, dtype=bool)
    old[2:4, 2:4] = True
    scan.note(old, old, 0.0)
    assert scan.scan(0, old, calm).new_or_enlarging_lesions == 1  # the first scan sees it as new
    grown = old.copy()
    grown[4, 2:4] = True  # the old lesion grows by a row
    scan.note(grown, grown & ~old, 0.0)
    assert scan.scan(10, grown, calm).new_or_enlarging_lesions == 1  # enlarging
    # the grown row wavers: it heals and crosses again, touching nothing new
    scan.note(old, np.zeros(shape, bool), 0.0)
    scan.note(grown, grown & ~old, 0.0)
    assert scan.scan(20, grown, calm).new_or_enlarging_lesions == 0
    assert scan.scan(25, grown, calm) is None  # not a scan day


def test_a_scan_counts_enhancing_lesions_the_scanner_can_resolve():
    shape = (12, 12)
    scan = Scanner(shape, first_day=0, interval_days=10, min_sites=3)
    lesion = np.zeros(shape, dtype=bool)
    lesion[1:4, 1:4] = lesion[8:10, 8:10] = True
    active = np.zeros(shape, dtype=bool)
    active[1:3, 1] = True  # two inflamed sites: below the resolution
    active[8:10, 8:10] = True  # four: seen
    assert scan.scan(0, lesion, active).enhancing_lesions == 1
    active[3, 1] = True  # the first patch grows to three sites
    assert scan.scan(10, lesion, active).enhancing_lesions == 2


def test_confirmed_worsening_needs_one_point_from_one_and_a_half_from_zero_held_six_months():
    from_one = np.array([1.0] * 10 + [2.0] * 200)
    assert confirmed_worsening_day(from_one, 0) == 10
    short = np.array([1.0] * 10 + [2.0] * 100 + [1.5] * 100)
    assert confirmed_worsening_day(short, 0) is None  # not held for six months
    from_zero = np.array([0.0] * 10 + [1.0] * 400)
    assert confirmed_worsening_day(from_zero, 0) is None  # 1.0 is not enough from 0
    from_zero[100:] = 1.5
    assert confirmed_worsening_day(from_zero, 0) == 100


def test_confirmed_improvement_needs_a_baseline_of_two_and_a_point_held():
    better = np.array([3.0] * 10 + [2.0] * 200)
    assert confirmed_improvement_day(better, 0) == 10
    low = np.array([1.5] * 10 + [0.5] * 200)
    assert confirmed_improvement_day(low, 0) is None
    assert edss_steps(2.26) == 2.5 and edss_steps(11) == 10.0 and edss_steps(-1) == 0.0


def test_the_score_is_read_only_at_visits_and_off_by_at_most_a_step_as_often_as_raters_err():
    score = np.full(60 + 91 * 4000, 3.0)
    score[100:] = 4.0  # a change between visits shows only at the next visit
    exam = Examiner(first_day=60, interval_days=91, error=0.18, rng=np.random.default_rng(3))
    read = np.array([exam.examine(day, s) for day, s in enumerate(score)])
    changed = np.flatnonzero(read[1:] != read[:-1]) + 1
    assert set(changed) <= {60 + 91 * k for k in range(4000)}  # readings change only at visits
    assert read[100:151].max() <= 3.5 and read[151] >= 3.5  # the rise is first read on day 151
    off = read[60::91] - score[60::91]
    assert set(np.unique(off)) <= {-0.5, 0.0, 0.5}
    assert np.mean(off != 0) == pytest.approx(0.18, abs=0.02)
    assert np.mean(off > 0) == pytest.approx(np.mean(off < 0), abs=0.02)
    exact = Examiner(first_day=60, interval_days=91, error=0.0, rng=np.random.default_rng(3))
    read = np.array([exact.examine(day, s) for day, s in enumerate(score)])
    assert np.array_equal(read[60::91], score[60::91])


def test_twins_meet_the_same_rater_on_the_same_visit_days():
    sc = small_scenario(
        **{"run.days": 400, "disability.rater_error": 1.0, "disability.onset_edss": 3.0}
    )
    twins = [MSModel(sc, seed=5), MSModel(sc.untreated(), seed=5)]
    off: list[list[float]] = [[], []]
    for _ in range(400):
        for model, o in zip(twins, off, strict=True):
            model.step()  # the i-th step observes day i
            o.append(model.observation["edss_read"] - model.observation["edss"])
    visits = range(sc.run.baseline_days, 400, sc.disability.visit_interval_days)
    assert all(abs(off[0][d]) == 0.5 for d in visits)  # error 1: every reading is off
    assert [off[0][d] for d in visits] == [off[1][d] for d in visits]


def test_the_untreated_twin_has_a_subset_of_the_treated_runs_infections_and_a_lower_hazard():
    sc = small_scenario(**{"run.days": 300, "infections.rate_per_year": 6.0})
    treated, untreated = MSModel(sc, seed=8), MSModel(sc.untreated(), seed=8)
    hazard_t, hazard_u = [], []
    for _ in range(300):
        treated.step()
        untreated.step()
        hazard_t.append(treated.observation["infection_risk"])
        hazard_u.append(untreated.observation["infection_risk"])
    days_t = {e.day for e in treated.events if e.kind == "infection"}
    days_u = {e.day for e in untreated.events if e.kind == "infection"}
    assert days_u and days_u <= days_t and len(days_t) > len(days_u)
    assert np.all(np.array(hazard_u) <= np.array(hazard_t) + 1e-12)
    assert max(hazard_t) > 1.5 * max(hazard_u)


def test_an_infection_stirs_up_activation_of_primed_cells_for_its_window():
    sc = small_scenario(**{"dosing.courses": [], "infections.rate_per_year": 0.0})
    counts = [0, 0]  # over three patients: one may have a strong wave of its own in the window
    for seed in (1, 2, 3):
        calm, stirred = MSModel(sc, seed=seed), MSModel(sc, seed=seed)
        stirred.stirred_until = 40
        for i, model in enumerate((calm, stirred)):
            for _ in range(40):
                model.step()
                t = model.lymphocytes
                counts[i] += int(np.count_nonzero(t.activated[t.rows()] > 0))
    # blood memory cells answer the stir; residents need a strong wave (memory.resident_recall)
    assert counts[1] > 1.5 * counts[0]


def _weekly_waves(flare_activation: float, **more) -> dict:
    """A small patient without courses or infections, meeting a wave about every week."""
    return {
        "dosing.courses": [],
        "infections.rate_per_year": 0.0,
        "disease.flare_rate": 50.0,
        "disease.flare_activation": flare_activation,
        "memory.resident_recall": 0.5,
        "patient.activity_cv": 0.0,
        **more,
    }


def _residents_recalled(flare_activation: float) -> int:
    """Resident cells switched on over 60 days of weekly waves of one strength scale."""
    model, woke = MSModel(small_scenario(**_weekly_waves(flare_activation)), seed=3), 0
    for _ in range(60):
        model.step()
        t = model.lymphocytes
        rows = t.rows()
        woke += int(np.count_nonzero(t.resident[rows] & (t.activated[rows] > 0)))
    return woke


def test_residents_sleep_through_mild_waves_and_wake_in_strong_ones():
    assert _residents_recalled(0.01) == 0  # every wave far below the recall threshold
    assert _residents_recalled(1.0) > 0


def _resident_recall_shares(treatments: list[dict]) -> list[tuple[float, float]]:
    """(share of resting residents recalled, wave strength x the drugs' activation factor) on
    each day a wave strong enough to reach the residents came."""
    more = {"memory.resident_cells": 200, "treatments": treatments}
    model, out = MSModel(small_scenario(**_weekly_waves(0.6, **more)), seed=3), []
    for _ in range(120):
        t, seen = model.lymphocytes, len(model.events)
        rows = t.rows()
        resting = set(t.uid[rows[t.resident[rows] & (t.activated[rows] == 0)]].tolist())
        model.step()
        waves = [e for e in model.events[seen:] if e.kind == "activation_wave"]
        strength = float(waves[0].detail.split()[-1]) if waves else 0.0
        if strength >= 0.5 and len(resting) >= 50:
            rows = t.rows()
            on = set(t.uid[rows[t.resident[rows] & (t.activated[rows] > 0)]].tolist())
            out.append((len(on & resting) / len(resting), strength * model.therapy.activation))
    return out


def test_interferon_holds_back_the_residents_a_wave_recalls():
    # interferon beta lowers antigen presentation by the brain's own cells (MHC II on glia), so
    # a wave recalls each resting resident with chance strength x (1 - 0.35 s), not strength
    injections = {"drug": "interferon-beta-1a", "start_day": 20, "interval_days": 2.333}
    held = _resident_recall_shares([{**injections, "until_end": True}])
    plain = _resident_recall_shares([])
    assert any(chance < 0.8 for _, chance in held)  # the drug was acting on a wave day
    for share, chance in held + plain:
        assert share == pytest.approx(chance, abs=0.12)


def test_a_quiet_patient_is_quiet_between_waves_too():
    """With no waves and no infections only the background recall activates cells, and it
    scales with the patient's activity as the waves do."""
    calm = {
        "dosing.courses": [],
        "disease.flare_rate": 0.0,
        "infections.rate_per_year": 0.0,
        "patient.activity_cv": 0.0,
    }

    def myelin_lost(activity: float) -> float:
        model = MSModel(small_scenario(**calm, **{"patient.activity_mean": activity}), seed=3)
        for _ in range(200):
            model.step()
        return 1.0 - float(model.grid.integrity.data.mean())

    quiet, active = myelin_lost(0.2), myelin_lost(2.0)
    assert active > 0 and quiet < 0.5 * active


def test_patients_differ_in_smouldering_pace_around_a_mean_of_one_without_changing_the_rest():
    spread, alike = PatientSettings(progression_sd=0.8), PatientSettings(progression_sd=0.0)
    drawn = [draw_patient(spread, np.random.default_rng(s)) for s in range(400)]
    same = [draw_patient(alike, np.random.default_rng(s)) for s in range(400)]
    pace = np.array([p.smoulder for p in drawn])
    assert abs(pace.mean() - 1.0) < 0.15 and pace.std() > 0.5
    assert {p.smoulder for p in same} == {1.0}
    assert [(p.age, p.activity, p.drive) for p in drawn] == [
        (p.age, p.activity, p.drive) for p in same
    ]


def test_relapse_independent_worsening_comes_in_whole_steps_at_the_smooth_pace():
    sc = small_scenario(
        **{"dosing.courses": [], "disability.progression_rate": 5.0, "run.days": 400}
    )
    stepped = MSModel(sc, seed=5)
    smooth = MSModel(sc.with_overrides({"disability.progression_step": 0.0}), seed=5)
    for model in (stepped, smooth):
        for _ in range(400):
            model.step()
    assert stepped.progressive == int(stepped.progressive) >= 1
    assert smooth.progressive != int(smooth.progressive)
    # the same pace on average: a Poisson count of steps around the smooth sum
    assert abs(stepped.progressive - smooth.progressive) < 3 * max(smooth.progressive, 1) ** 0.5


def _progressive_drift(share: float, treated: bool) -> float:
    """The smooth progressive part after 400 days of the small patient, with ``share`` of its
    pace tied to the tissue's smouldering inflammation."""
    sc = small_scenario(
        **{
            "disability.progression_step": 0.0,
            "disability.inflammatory_share": share,
            "run.days": 400,
        }
    )
    model = MSModel(sc if treated else sc.untreated(), seed=5)
    for _ in range(400):
        model.step()
    return model.progressive


def test_depletion_quietens_the_tissue_and_slows_the_inflammatory_share_of_progression():
    # with none of the pace tied to inflammation the twins differ only by their lesion
    # burden; with all of it, the depleted twin's quiet tissue slows its drift further
    blind = _progressive_drift(0.0, True) / _progressive_drift(0.0, False)
    tied = _progressive_drift(1.0, True) / _progressive_drift(1.0, False)
    assert tied < 0.7 * blind


def _lasting_damage(trophic_repair: float, treated: bool, days: int = 500) -> MSModel:
    """The small patient (a year of disease first, so there is damage to restore) after
    ``days``, with reconstituted T cells restoring lasting damage at ``trophic_repair``."""
    sc = small_scenario(
        **{
            "run.burn_in_years": 1.0,
            "run.days": days,
            "repopulation.trophic_repair": trophic_repair,
        }
    )
    model = MSModel(sc if treated else sc.untreated(), seed=8)
    for _ in range(days):
        model.step()
    return model


def test_reconstituted_t_cells_restore_lasting_damage_but_never_the_axons_lost():
    restored, plain = _lasting_damage(0.01, True), _lasting_damage(0.0, True)
    assert plain.grid.scar.data.sum() > 0
    assert restored.grid.scar.data.sum() < 0.8 * plain.grid.scar.data.sum()
    assert restored.grid.integrity.data.mean() > plain.grid.integrity.data.mean()
    lost = (1 - restored.params.repopulation.trophic_reach) * restored.scar_peak
    assert (restored.grid.scar.data >= lost - 1e-12).all()


def test_without_a_course_there_is_no_trophic_support_and_nothing_changes():
    on, off = _lasting_damage(0.01, False, 300), _lasting_damage(0.0, False, 300)
    assert on.grid.scar.data.sum() > 0
    assert np.array_equal(on.grid.scar.data, off.grid.scar.data)
    assert on.edss == off.edss
