"""What the page lets a user take away: the run as CSV and the settings as a scenario file."""

from __future__ import annotations

import logging

from model.records import TIMESERIES_COLUMNS
from model.scenario import DosingCourse, Scenario
from model.text import slug
from msim_app.arm import Arm
from msim_app.predict import Prediction, csv_columns

log = logging.getLogger(__name__)


def file_stem(scenario_name: str, seed: int) -> str:
    """``msim-<scenario>-seed<N>``: the start of every run download's name (CSV and picture),
    so a teacher can tell which scenario and patient a file came from; the page adds the day."""
    return f"msim-{slug(scenario_name)}-seed{seed}"


def run_csv(arms: list[Arm], prediction: Prediction | None = None) -> bytes:
    """The first arm's days so far in the columns ``msim run`` writes to timeseries.csv; each
    other view's columns follow, prefixed by its role (``untreated_``, ``comparator_``,
    ``branch_``); a student's prediction, when made, in ``predicted_*`` columns at the end."""
    df = arms[0].history.frame()
    for arm in arms[1:]:
        other = arm.history.frame()
        for col in TIMESERIES_COLUMNS[1:]:
            df[f"{arm.role}_{col}"] = other[col].to_numpy()
    if prediction is not None:
        shown = df["day"].to_numpy(dtype=float) + 1
        for name, values in csv_columns(prediction, shown).items():
            df[name] = values
    return df.to_csv(index=False).encode()


def settings(scenario: Scenario, seed: int, given: list[DosingCourse]) -> Scenario:
    """The current settings as a scenario ``msim run`` accepts: the seed, and the courses given
    with the button when they fit the schedule (a course inside the run-in does not)."""
    base = scenario.with_overrides({"run.seed": seed}, source="the app")
    if not given:
        return base
    data = base.to_dict()
    data["dosing"]["courses"] += [c.model_dump(mode="json") for c in given]
    data["dosing"]["courses"].sort(key=lambda c: c["start_day"])
    try:
        return Scenario.model_validate(data)
    except ValueError:
        log.info("courses given in the app do not fit the schedule; downloading without them")
        return base
