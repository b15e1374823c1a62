"""A tab's session shares the server fairly: Play is bounded in time per message, and a step that
fails becomes an alert in the page that Reset clears (no browser needed)."""

from __future__ import annotations

import gc
import time
import weakref

import pytest

from model.scenario import Scenario
from msim_app import arm as arm_module
from msim_app import session as session_module
from msim_app.session import FRAME_BUDGET_S, Session
from msim_app.stage import Stage

KINDS = ("cd4", "cd8", "b_cells", "treg", "nk")


class FakeStage:
    """Records what the session sends."""

    def __init__(self) -> None:
        self.playing = True
        self.sent: list[dict] = []

    def send(self, content: dict, buffers: list | None = None) -> None:
        self.sent.append(content)

    def frames(self) -> list[dict]:
        return self.sent[-1]["args"][0]


def playing(session: Session) -> FakeStage:
    stage = FakeStage()
    session.attach(stage)
    return stage


@pytest.fixture
def session() -> Session:
    return Session(Scenario(name="Session test"))


def test_a_light_scenario_gets_every_frame_it_asks_for(session: Session) -> None:
    stage = playing(session)
    session.play_tick(1, 3)
    assert session.day == 3 and len(stage.frames()) == 3
    session.play_tick(5, 1)
    assert session.day == 8


class FakeClock:
    """``time.perf_counter`` for the session and its arms: every simulated day costs ``cost``."""

    def __init__(self, cost: float) -> None:
        self.now, self.cost = 100.0, cost

    def perf_counter(self) -> float:
        return self.now


def test_play_stops_stepping_once_the_budget_is_spent(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(cost=0.02)  # 20 ms a day: the budget (50 ms) is spent on the third day
    monkeypatch.setattr(arm_module, "time", clock)
    monkeypatch.setattr(session_module, "time", clock)
    session.set_compare(True)  # both arms step the same days
    for a in session.arms:
        real = a.sim.advance

        def advance(days: int, real=real) -> None:
            real(days)
            clock.now += clock.cost * days

        monkeypatch.setattr(a.sim, "advance", advance)
    stage = playing(session)
    session.play_tick(20, 4)  # asks for 80 days
    assert session.day == 3, "stepping went on past the budget"
    assert [a.day for a in session.arms] == [3, 3]
    frames = stage.frames()
    assert len(frames) == 1 and frames[0]["arms"][0]["day"] == 3
    assert stage.playing, "a spent budget is no reason to stop Play"
    session.play_tick(20, 4)  # the next message carries on where this one stopped
    assert session.day == 6
    clock.cost = 0.2  # a day over the whole budget still moves on by one day a message
    session.play_tick(20, 4)
    assert session.day == 7


def test_a_heavy_scenario_answers_within_about_the_budget() -> None:
    heavy = Scenario(name="Heavy").with_overrides(
        {"grid.width": 200, "grid.height": 200} | {f"cells.{k}.baseline": 20_000 for k in KINDS},
        source="test",
    )
    session = Session(heavy)
    stage = playing(session)
    t = time.perf_counter()
    session.advance(1)
    one_day = time.perf_counter() - t
    t = time.perf_counter()
    session.play_tick(20, 4)  # 80 days: more than a second unbounded
    took = time.perf_counter() - t
    days = session.day - 1
    assert 1 <= days < 80
    # the budget, the day that crossed it, the frame's encoding, and room for a busy machine
    assert took < FRAME_BUDGET_S + 3 * one_day + 0.25, (took, one_day, days)
    assert len(stage.frames()) == 1


class Failing(Session):
    def play_tick(self, days: int, count: int = 1) -> None:
        raise MemoryError()


def test_a_failed_step_is_an_alert_and_reset_starts_again() -> None:
    stage = Stage()
    session = Failing(Scenario(name="Failing"))
    stage.bind(session)
    stage.vue_step({"days": 7})
    assert session.day == 7 and stage.error == ""
    stage.playing = True
    stage.vue_want_frame({"days": 1, "count": 3})
    assert not stage.playing
    assert "ran out of memory" in stage.error and "Reset" in stage.error
    stage.vue_step({"days": "seven"})  # bad input from the page: an alert, not a traceback
    assert "ValueError" in stage.error
    stage.vue_reset({})
    assert stage.error == "" and session.day == 0


def test_a_dropped_heavy_model_is_freed_at_once() -> None:
    """Switching away from a heavy scenario gives its memory back now, not at the cyclic
    collector's next full pass (which app.py makes rare)."""
    heavy = Scenario(name="Heavy").with_overrides(
        {"grid.width": 200, "grid.height": 200} | {f"cells.{k}.baseline": 20_000 for k in KINDS},
        source="test",
    )
    gc.collect()
    gc.disable()  # only the session's own collection may free it
    try:
        session = Session(heavy)
        session.advance(2)
        old = weakref.ref(session.arms[0].model)
        session.load(Scenario(name="Light"))
        assert old() is None, "the heavy model outlived the switch"
        assert session.day == 0 and session.scenario.name == "Light"
    finally:
        gc.enable()


def test_the_tissue_view_outlines_the_eloquent_tracts_where_damage_is_a_relapse() -> None:
    session = Session(Scenario(name="tracts"))
    model = session.arms[0].model
    tract = model.grid.eloquent.data
    w, h = tract.shape
    expected = set()
    for x in range(w):
        for y in range(h):
            if not tract[x, y]:
                continue
            sides = {
                (x - 1, y): (x, y, x, y + 1),
                (x + 1, y): (x + 1, y, x + 1, y + 1),
                (x, y - 1): (x, y, x + 1, y),
                (x, y + 1): (x, y + 1, x + 1, y + 1),
            }
            for (nx, ny), side in sides.items():
                if not (0 <= nx < w and 0 <= ny < h and tract[nx, ny]):
                    expected.add(side)
    sent = FakeStage()
    session.attach(sent)
    session.push_setup()
    setup = next(c for c in sent.sent if c.get("method") == "setup")["args"][0]
    assert expected and {tuple(s) for s in setup["tracts"][0]} == expected
