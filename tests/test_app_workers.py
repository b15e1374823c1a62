"""Tabs' models live in worker processes (msim_app/pool.py, msim_app/host.py): the page gets the
same run as from a model in the server, a closed tab's model goes at once, a dead worker is an
alert that Reset gets over, and no tab holds more memory than its cap."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from model.scenario import Scenario
from msim_app import memory
from msim_app.pool import RemoteSession, WorkerPool
from msim_app.session import Session
from msim_app.stage import Stage


class FakeStage:
    def __init__(self) -> None:
        self.playing = True
        self.sent: list[tuple[dict, list[bytes]]] = []

    def send(self, content: dict, buffers: list | None = None) -> None:
        self.sent.append((content, [bytes(b) for b in buffers or []]))


@pytest.fixture(scope="module")
def workers() -> Iterator[WorkerPool]:
    """One worker whose Play ticks take all their days however busy the machine (no frame
    budget), so the runs compared here do not depend on timing."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MSIM_FRAME_BUDGET_MS", "0")
        pool = WorkerPool(1)
    yield pool
    pool.stop()


def _wait_for_tabs(pool: WorkerPool, tabs: int) -> dict:
    deadline = time.monotonic() + 20
    while True:
        stats = pool.workers[0].stats()
        if stats["tabs"] == tabs or time.monotonic() > deadline:
            return stats
        time.sleep(0.05)


def test_a_tab_in_a_worker_plays_exactly_the_run_of_a_tab_in_the_server(
    workers: WorkerPool,
) -> None:
    scenario = Scenario(name="Same run").with_overrides({"run.seed": 11}, source="test")
    here, there = Session(scenario), RemoteSession(workers, scenario)
    here.frame_budget = float("inf")  # as the worker's: every tick takes all its days
    try:
        stages = [FakeStage(), FakeStage()]
        for session, stage in zip((here, there), stages, strict=True):
            session.attach(stage)
            session.push_setup()
            session.set_compare(True)
            for _ in range(40):
                session.play_tick(1, 3)
            session.step(30)
        assert there.day == here.day == 150 and there.compare
        assert stages[1].sent == stages[0].sent  # every header and every byte of every frame
        assert there.csv_bytes() == here.csv_bytes()
        assert there.inspect(0, 10, 10) == here.inspect(0, 10, 10)
    finally:
        there.close()


def test_a_closed_tab_gives_its_model_back_in_the_worker(workers: WorkerPool) -> None:
    before = _wait_for_tabs(workers, 0)
    session = RemoteSession(workers, Scenario(name="Closing"))
    session.attach(FakeStage())
    session.step(20)
    assert _wait_for_tabs(workers, 1)["tabs"] == 1
    session.close()
    after = _wait_for_tabs(workers, 0)
    assert after["tabs"] == 0 == before["tabs"]


def test_a_tab_dropped_without_closing_still_frees_its_model(workers: WorkerPool) -> None:
    _wait_for_tabs(workers, 0)
    session = RemoteSession(workers, Scenario(name="Dropped"))
    assert _wait_for_tabs(workers, 1)["tabs"] == 1
    del session  # a kernel dropped by Solara: its connection closes with it
    assert _wait_for_tabs(workers, 0)["tabs"] == 0


def test_a_dead_worker_is_an_alert_and_reset_starts_again_on_a_live_one() -> None:
    pool = WorkerPool(1)
    try:
        stage = Stage()
        session = RemoteSession(pool, Scenario(name="Lost"))
        stage.bind(session)
        stage.vue_step({"days": 7})
        assert session.day == 7
        pool.workers[0].proc.kill()
        pool.workers[0].proc.wait(10)
        stage.playing = True
        stage.vue_want_frame({"days": 1, "count": 3})
        assert not stage.playing
        assert "WorkerLost" in stage.error and "Reset" in stage.error
        stage.vue_reset({})
        assert stage.error == "" and session.day == 0
        stage.vue_step({"days": 3})
        assert session.day == 3 and pool.workers[0].alive
        session.close()
    finally:
        pool.stop()


def test_a_tab_over_its_memory_cap_stops_with_a_message_and_reset_starts_again() -> None:
    # antibody that lingers: every course given with the button adds 72,000 particles
    scenario = Scenario(name="Piling up").with_overrides(
        {"antibody.particles_per_mg": 2000, "antibody.half_life_days": 100}, source="test"
    )
    session = Session(scenario)
    session.memory_cap = session.memory_bytes() + 20 * memory.MB
    stage = Stage()
    stage.bind(session)
    stage.vue_step({"days": 60})
    for _ in range(40):
        stage.vue_give_course({})
        stage.vue_step({"days": 4})
        if stage.error:
            break
    assert "ran out of memory" in stage.error and "MSIM_TAB_MAX_MB" in stage.error
    # it stopped before the next doubling of a table could pass the cap
    assert session.memory_bytes() + memory.growth_bytes(session) > session.memory_cap
    assert session.memory_bytes() < session.memory_cap
    stage.vue_reset({})
    assert stage.error == "" and session.day == 0
    assert session.memory_bytes() < session.memory_cap - 15 * memory.MB
