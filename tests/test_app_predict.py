"""Predict, then watch (msim_app/predict.py and the session): Play stops at the first infusion
only when asked to, bad predictions are refused with reasons, and the score and CSV columns
follow the recorded run."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from model.scenario import Scenario
from msim_app.predict import Prediction, offsets
from msim_app.session import Session


class Stage:
    playing = True

    def send(self, content: dict, buffers: list | None = None) -> None:
        self.last = content


def session(predicting: bool) -> tuple[Session, Stage]:
    scenario = Scenario(name="Predict").with_overrides({"run.seed": 3}, source="test")
    s, st = Session(scenario), Stage()
    s.frame_budget = float("inf")  # every tick takes all its days, however busy the machine
    s.attach(st)
    s.set_predicting(predicting)
    return s, st


def test_play_stops_at_the_first_infusion_only_with_the_switch_on() -> None:
    first = Scenario().dosing.courses[0].start_day
    on, stage = session(True)
    for _ in range(30):
        on.play_tick(20, 1)
    assert on.day == first and stage.last["args"][0][-1]["ask_prediction"]
    off, _ = session(False)
    for _ in range(5):
        off.play_tick(20, 1)
    assert off.day == 100


def test_a_prediction_is_scored_against_the_recorded_counts_and_exported() -> None:
    s, stage = session(True)
    for _ in range(30):
        s.play_tick(20, 1)
    with pytest.raises(ValueError, match=r"CD4 T cells.*relapses"):
        s.predict(["a", 1, 2, 3], [1, 2, 3, 4], "-1")
    s.predict([5, 10, 40, 70], [2, 50, 120, 110], 1)
    for _ in range(10):
        s.play_tick(20, 1)
    score = stage.last["args"][0][-1]["score"]
    df = pd.read_csv(io.BytesIO(s.csv_bytes()))
    shown = df.set_index(df["day"] + 1)
    p = s.prediction
    assert p is not None and score["points"] == 2  # months 3 and 6 of a prediction on day 60
    actual = [100 * shown.loc[p.day + o, "cd4"] / 600 for o in offsets()[:2]]
    assert score["cd4_off"] == pytest.approx(
        (abs(5 - actual[0]) + abs(10 - actual[1])) / 2, abs=0.06
    )
    assert shown.loc[p.day + offsets()[0], "predicted_cd4_pct"] == 5
    assert pd.isna(shown.loc[p.day - 1, "predicted_cd4_pct"])


def test_a_prediction_needs_four_points_a_curve_within_range() -> None:
    with pytest.raises(ValueError, match="B cells"):
        Prediction.checked(60, (100.0, 100.0), [1, 2, 3, 4], [1, 2, 3, 999], 2)
    with pytest.raises(ValueError, match="CD4"):
        Prediction.checked(60, (100.0, 100.0), [1, 2, 3], [1, 2, 3, 4], 2)


@pytest.mark.parametrize(
    "sketch",
    [
        {"cd4": [[10, 50.0], [5, 40.0]]},  # right to left
        {"b_cells": [[0, 50.0], [900, 40.0]]},  # past the two years
        {"cd4": [[0, 50.0], [10, 401.0]]},  # above the scale
        {"cd4": [[0, 50.0]]},  # a dot, not a line
        "a drawing",
    ],
)
def test_a_sketch_that_is_not_a_curve_over_the_two_years_is_refused(sketch) -> None:
    with pytest.raises(ValueError, match="sketch"):
        Prediction.checked(60, (100.0, 100.0), [5, 10, 40, 70], [2, 60, 130, 110], 1, sketch)


def test_the_csv_follows_a_sketched_curve_and_the_points_for_a_typed_one() -> None:
    from msim_app.predict import csv_columns

    sketch = {"cd4": [[0, 100.0], [30, 4.0], [400, 60.0]]}
    p = Prediction.checked(60, (100.0, 90.0), [5, 10, 40, 70], [2, 60, 130, 110], 1, sketch)
    days = pd.Series(range(0, 900)).to_numpy()
    cols = csv_columns(p, days)
    assert cols["predicted_cd4_pct"][60 + 30] == 4.0
    assert cols["predicted_cd4_pct"][60 + 215] == pytest.approx(4.0 + 56.0 * 185 / 370)
    assert pd.isna(cols["predicted_cd4_pct"][60 + 401])  # the line stopped at 400 days
    b = cols["predicted_b_cells_pct"]
    assert b[60 + offsets()[0]] == 2 and b[60 + offsets()[3]] == 110  # typed: through the points
