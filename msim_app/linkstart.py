"""Open a tab's session from its address: the default page, or what a class link sets."""

from __future__ import annotations

from typing import Any

from model.scenario import ScenarioError
from msim_app import catalog, pool
from msim_app.classlink import LinkError, LinkState, decode, scenario_of

STEP_DAYS = 365  # the most one step call takes


def default_session() -> Any:
    """A Session, or a RemoteSession whose models live in a worker process."""
    scenario, key = catalog.default_scenario()
    return pool.new_session(scenario, source=key)


def open_session(query: str | None) -> tuple[Any, LinkState | None, list[str]]:
    """The session, the link's state (``None`` without a usable link) and, for a bad or
    tampered link, why it was not used (the session is then the default one)."""
    try:
        state = decode(query or "")
        if state is None:
            return default_session(), None, []
        scenario, source = scenario_of(state)
    except LinkError as err:
        return default_session(), None, err.problems
    except ScenarioError as err:
        return default_session(), None, err.problems
    session = pool.new_session(scenario, source=source)
    if state.compare:
        session.set_compare(True)
    if state.drug:
        session.set_comparator(state.drug)
    if state.predict:
        session.set_predicting(True)
    left = state.day
    while left > 0:
        session.step(min(left, STEP_DAYS))
        left -= min(left, STEP_DAYS)
    return session, state, []
