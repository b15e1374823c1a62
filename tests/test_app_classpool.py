"""The class summary's server side (msim_app/classpool.py) and what a tab shares
(msim_app/runsummary.py): the pool is bounded, a tab's new share replaces its old one, many
threads sharing at once lose nothing, names are checked, the token is exact, and a run's
summary and the class's curves come from the recorded data."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from model.batch.stats import kaplan_meier
from model.calendar import YEAR
from model.scenario import Scenario
from msim_app import classpool
from msim_app.classpool import ClassPool, clean_name
from msim_app.pool import RemoteSession, WorkerPool
from msim_app.session import Session


def run(onsets: list[int], days: int = 800, untreated: list[int] | None = None, **patient) -> dict:
    """A hand-made shared run: a treated arm (and an untreated twin when given)."""

    def arm(label: str, role: str, o: list[int]) -> dict:
        return {
            "label": label, "role": role, "days": days, "relapses": len(o),
            "relapses_follow_up": sum(d >= 60 for d in o), "onsets": o, "arr": None,
            "new_lesions": 2 * len(o), "lesion_pct": 1.0, "edss": 1.5, "dose_days": 8,
        }  # fmt: skip

    arms = [arm("Treated: alemtuzumab", "treated", onsets)]
    if untreated is not None:
        arms.append(arm("Untreated", "untreated", untreated))
    return {
        "version": 1, "scenario": "Test", "seed": 1, "day": days, "run_days": 1885,
        "follow_up_start": 60, "patient": {"activity": 1.0, "age": 30.0, **patient},
        "arms": arms, "prediction": None, "score": None,
    }  # fmt: skip


def test_the_pool_keeps_at_most_its_limit_dropping_the_share_made_longest_ago() -> None:
    pool = ClassPool(most=3)
    for i in range(5):
        pool.share(f"tab{i}", f"Student {i}", run([]))
    assert len(pool) == 3
    assert [e.name for e in pool.entries()] == ["Student 2", "Student 3", "Student 4"]
    pool.share("tab2", "Student 2", run([100]))  # sharing again makes it the newest
    pool.share("tab5", "Student 5", run([]))
    assert [e.tab for e in pool.entries()] == ["tab4", "tab2", "tab5"]


def test_sharing_again_from_a_tab_replaces_its_entry_whatever_the_name() -> None:
    pool = ClassPool()
    pool.share("a", "Ada", run([]))
    pool.share("b", "Ada", run([300]))  # another tab with the same name: another student
    pool.share("a", "Ada Lovelace", run([100, 400]))
    entries = pool.entries()
    assert [(e.tab, e.name) for e in entries] == [("b", "Ada"), ("a", "Ada Lovelace")]
    assert entries[1].run["arms"][0]["onsets"] == [100, 400]


def test_a_shared_run_is_a_copy_the_tab_cannot_change_afterwards() -> None:
    pool, mine = ClassPool(), run([100])
    pool.share("a", "Ada", mine)
    mine["arms"][0]["onsets"].append(200)
    assert pool.entries()[0].run["arms"][0]["onsets"] == [100]


def test_a_summary_too_big_or_not_json_is_refused() -> None:
    pool = ClassPool(most_bytes=2_000)
    with pytest.raises(ValueError, match="too big"):
        pool.share("a", "Ada", run(list(range(60, 2_000, 3))))
    with pytest.raises(ValueError):
        pool.share("a", "Ada", {**run([]), "day": float("nan")})
    assert len(pool) == 0


def test_many_threads_sharing_at_once_leave_one_entry_per_tab_within_the_limit() -> None:
    pool = ClassPool(most=50)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def student(k: int) -> None:
        try:
            start.wait()
            for i in range(200):
                pool.share(f"t{k}-{i % 10}", f"S{k}", run([i]))
                pool.entries()
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=student, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    tabs = [e.tab for e in pool.entries()]
    assert len(tabs) == len(set(tabs)) == 50  # 80 tabs shared, the 50 newest kept, none twice


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("  Ada  ", "Ada"), ("Ada   Lovelace", "Ada Lovelace"), ("Zoë O'Neil-2", "Zoë O'Neil-2")],
)
def test_a_name_is_trimmed(typed: str, kept: str) -> None:
    assert clean_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "why"),
    [("", "Type your name"), ("   ", "Type your name"), ("x" * 41, "at most 40"),
     ("Ada\x00", "letters"), ("Ada\u200bL", "letters")],
)  # fmt: skip
def test_a_name_that_will_not_do_is_explained(typed: str, why: str) -> None:
    assert clean_name("y" * 40) == "y" * 40
    with pytest.raises(ValueError, match=why):
        clean_name(typed)


def test_the_token_is_exact_and_comes_from_the_environment_when_set(monkeypatch) -> None:
    monkeypatch.delenv(classpool.ENV_TOKEN, raising=False)
    made = classpool.token()
    assert len(made) >= 20 and classpool.token() == made  # one per server
    assert classpool.token_ok(made) and classpool.token_ok(f" {made}\n")
    for wrong in ("", None, made[:-1], made + "x", made.upper() if made.lower() == made else ""):
        assert not classpool.token_ok(wrong)
    monkeypatch.setenv(classpool.ENV_TOKEN, "lilac-teacher-42")
    assert classpool.token_ok("lilac-teacher-42") and not classpool.token_ok(made)
    monkeypatch.setenv("SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("SERVER_PORT", "9000")
    assert classpool.teacher_address() == "http://localhost:9000/teacher?token=lilac-teacher-42"


def test_the_class_curve_is_kaplan_meier_over_first_relapses_in_follow_up() -> None:
    pool = ClassPool()
    pool.share("a", "A", run([30, 200, 500], days=800, untreated=[100]))  # 30: in the run-in
    pool.share("b", "B", run([], days=500, untreated=[90, 400]))
    pool.share("c", "C", run([300], days=900))
    curves = classpool.free_curves(pool.entries())
    # treated: first relapses 140 (A) and 240 (C) days into follow-up; B censored at 440
    days, surv = kaplan_meier(np.array([140, 440, 240]), np.array([True, False, True]))
    assert np.allclose(curves["treated"].days, days) and np.allclose(curves["treated"].surv, surv)
    assert curves["treated"].surv.tolist() == pytest.approx([1, 2 / 3, 1 / 3])
    assert (curves["treated"].patients, curves["treated"].relapsed) == (3, 2)
    assert curves["treated"].longest == 440  # B, censored; A and C were last seen relapsing
    assert curves["untreated"].surv.tolist() == [1, 0.5, 0] and curves["untreated"].patients == 2
    assert curves["untreated"].days.tolist() == [0, 30, 40] and curves["untreated"].patients == 2
    assert curves["treated"].free_at(YEAR) == pytest.approx(1 / 3)
    assert curves["untreated"].free_at(YEAR) == 0  # both relapsed
    assert curves["treated"].free_at(441) is None  # nobody was followed that long
    text = classpool.curves_text(curves)
    assert "treated: 2 of 3 patients relapsed (relapse-free: 33% at 1 year" in text
    assert "untreated: 2 of 2 patients relapsed (relapse-free: 0% at 1 year, 0% at 2" in text
    assert "33% at 1 year, no run followed 2 years yet)" in text
    assert classpool.curves_png(curves)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_spread_and_csv_cover_every_student_and_arm() -> None:
    pool = ClassPool()
    pool.share("a", "=HYPERLINK(1)", run([100, 200], untreated=[90], activity=0.5, age=25.0))
    pool.share("b", "Ben", run([], activity=2.0, age=45.0))
    pool.share("c", "Cy", run([150], activity=1.0, age=35.0))
    spread = {label: (n, s) for label, n, s in classpool.spread(pool.entries())}
    n, s = spread["disease activity (drawn; population mean 1)"]
    assert n == 3 and s == {"min": 0.5, "median": 1.0, "max": 2.0}
    assert spread["relapses in follow-up, treated"][1] == {"min": 0, "median": 1, "max": 2}
    assert spread["relapses in follow-up, untreated"][0] == 1
    rows = list(csv.DictReader(io.StringIO(classpool.csv_bytes(pool.entries()).decode())))
    assert [(r["student"], r["role"]) for r in rows] == [
        ("'=HYPERLINK(1)", "treated"),  # never a formula in a spreadsheet
        ("'=HYPERLINK(1)", "untreated"),
        ("Ben", "treated"),
        ("Cy", "treated"),
    ]
    assert rows[0]["relapses_follow_up"] == "2" and rows[0]["disease_activity"] == "0.5"


@pytest.fixture(scope="module")
def workers() -> Iterator[WorkerPool]:
    pool = WorkerPool(1)
    yield pool
    pool.stop()


def test_a_tabs_summary_is_its_recorded_run_in_a_worker_or_in_the_server(
    workers: WorkerPool,
) -> None:
    scenario = Scenario(name="Shared").with_overrides({"run.seed": 5}, source="test")
    here, there = Session(scenario), RemoteSession(workers, scenario)
    try:
        for s in (here, there):
            s.set_compare(True)
            s.step(365)
            s.step(300)
        mine = here.class_summary()
        assert there.class_summary() == mine  # forwarded by the worker, the same run
        json.dumps(mine, allow_nan=False)  # JSON-ready
        assert mine["day"] == 665 and mine["seed"] == 5 and mine["follow_up_start"] == 60
        patient = here.arms[0].model.patient_record()
        assert mine["patient"] == {k.removeprefix("patient_"): v for k, v in patient.items()}
        assert [a["role"] for a in mine["arms"]] == ["treated", "untreated"]
        for arm, shared in zip(here.arms, mine["arms"], strict=True):
            h = arm.history
            events = arm.sim.events
            onsets = [e.day for e in events if e.kind == "relapse_start"]
            assert shared["onsets"] == onsets == h.onsets
            assert shared["new_lesions"] == sum(e.kind == "new_lesion" for e in events)
            assert shared["relapses_follow_up"] == sum(d >= 60 for d in onsets)
            counters = arm.summary()
            for key in ("relapses", "arr", "lesion_pct", "new_lesions", "edss", "dose_days"):
                assert shared[key] == counters[key], key
        assert mine["arms"][1]["dose_days"] == 0 < mine["arms"][0]["dose_days"]
        assert mine["prediction"] is None and mine["score"] is None
    finally:
        there.close()


def test_a_prediction_travels_with_its_score() -> None:
    scenario = Scenario(name="Predicted").with_overrides({"run.seed": 3}, source="test")
    s = Session(scenario)
    s.frame_budget = float("inf")
    s.set_predicting(True)
    while s.pause_at is not None and s.day < s.pause_at:
        s.play_tick(20, 1)
    s.predict([5, 10, 40, 70], [2, 50, 120, 110], 1)
    s.step(200)
    shared = s.class_summary()
    assert shared["prediction"]["relapses"] == 1 and shared["prediction"]["cd4"] == [5, 10, 40, 70]
    assert shared["score"]["points"] == 2 and shared["score"]["cd4_off"] is not None
    pool = ClassPool()
    pool.share("a", "Ada", shared)
    row = classpool.table_rows(pool.entries())[0]
    assert (
        row["predicted_relapses_2y"] == 1
        and row["prediction_cd4_off"] == shared["score"]["cd4_off"]
    )


def test_a_branch_is_shared_as_a_branch_and_going_back_shares_the_run_as_shown() -> None:
    scenario = Scenario(name="Branched").with_overrides({"run.seed": 5}, source="test")
    s = Session(scenario)
    s.set_compare(True)
    s.step(365)
    s.step(200)
    s.branch("stop")
    s.step(100)
    shared = s.class_summary()
    assert [a["role"] for a in shared["arms"]] == ["treated", "untreated", "branch"]
    pool = ClassPool()
    pool.share("a", "Ada", shared)
    curves = classpool.free_curves(pool.entries())
    assert (curves["treated"].patients, curves["untreated"].patients) == (1, 1)  # no branch
    s.go_to(300)
    back = s.class_summary()
    assert back["day"] == 300 and [a["role"] for a in back["arms"]] == ["treated", "untreated"]
    assert all(d < 300 for a in back["arms"] for d in a["onsets"])
    assert back["arms"][0]["onsets"] == [d for d in shared["arms"][0]["onsets"] if d < 300]


def test_a_scenario_without_a_drug_shares_its_first_arm_as_untreated() -> None:
    scenario = Scenario(name="No drug").with_overrides(
        {"run.seed": 5, "dosing.courses": []}, source="test"
    )
    s = Session(scenario)
    s.step(100)
    assert [a["role"] for a in s.class_summary()["arms"]] == ["untreated"]
