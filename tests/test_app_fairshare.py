"""The class's fair pace (msim_app.fairshare): the median pace of the tabs playing now, sent
with every Play answer so a tab left behind catches up."""

from __future__ import annotations

import ipyvue

from model.scenario import Scenario
from msim_app import fairshare
from msim_app.fairshare import PaceBoard
from msim_app.session import Session
from msim_app.stage import Stage


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_fair_pace_is_the_median_of_the_tabs_playing_now() -> None:
    clock = Clock()
    board = PaceBoard(clock)
    assert board.fair_ms() == 0.0  # nobody plays
    for tab, pace in ((1, 50.0), (2, 100.0), (3, 150.0)):
        board.report(tab, pace)
    assert board.fair_ms() == 100.0
    clock.now = fairshare.WINDOW_S + 1  # those three stopped asking: they are not playing
    board.report(4, 60.0)
    assert board.fair_ms() == 60.0
    board.report(4, 0.0)  # full speed
    assert board.fair_ms() == 0.0
    board.report(4, float("nan"))  # nonsense from a client is ignored, extremes held in
    assert board.fair_ms() == 0.0
    board.report(4, 1e9)
    assert board.fair_ms() == fairshare.SLOWEST_MS


def test_a_play_answer_carries_the_fair_pace_of_the_class(monkeypatch) -> None:
    board = PaceBoard()
    monkeypatch.setattr(fairshare, "BOARD", board)
    sent: list[dict] = []
    monkeypatch.setattr(ipyvue.VueTemplate, "send", lambda self, c, b=None: sent.append(c))
    board.report(1, 60.0)
    board.report(2, 90.0)
    stage = Stage()
    stage.bind(Session(Scenario(name="fair")))
    stage.playing = True
    stage.vue_want_frame({"days": 1, "count": 3, "pace": 150.0})
    frames = [c for c in sent if c.get("method") == "frames"]
    assert frames and frames[-1]["args"][0][-1]["fair_ms"] == 90.0  # median of 60, 90, 150
    stage.vue_want_frame({"days": 1, "count": 3})  # a client that does not say its pace
    assert [c for c in sent if c.get("method") == "frames"][-1]["args"][0][-1]["fair_ms"] == 90.0
