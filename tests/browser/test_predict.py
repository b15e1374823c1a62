"""Predict, then watch, in a real browser: with its switch on, Play stops before the first
infusion and asks; a bad prediction is explained; a committed one is drawn on the blood chart,
scored against the run as it comes, and exported with the CSV."""

from __future__ import annotations

import csv
import io
import json
from itertools import pairwise
from pathlib import Path

import numpy as np
from playwright.sync_api import Page, expect

from model.scenario import load_scenario
from tests.browser.axe import violations
from tests.browser.test_app import open_app

REPO = Path(__file__).resolve().parents[2]
CD4 = (4, 10, 40, 70)
B_CELLS = (2, 60, 130, 110)


def switch_on(page: Page) -> None:
    page.locator(".msim-predict-toggle input").check(force=True)
    expect(page.locator(".msim-predict-toggle input")).to_be_checked()


def play_until(page: Page, day: int) -> None:
    page.click(".msim-play")
    page.wait_for_function(f"() => +document.querySelector('.msim-day').textContent >= {day}")
    page.click(".msim-play")


def test_a_prediction_is_asked_drawn_scored_and_exported(page: Page, tmp_path: Path) -> None:
    first = load_scenario(REPO / "scenarios" / "two-courses.toml").dosing.courses[0].start_day
    open_app(page)
    switch_on(page)
    page.select_option(".msim-speed", "fastest")
    page.click(".msim-play")
    form = page.locator(".msim-predict")
    expect(form).to_be_visible(timeout=30_000)
    expect(page.locator(".msim-day")).to_have_text(str(first))  # stopped before the infusion
    expect(page.locator(".msim-play")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".msim-predict-cd4-0")).to_be_focused()
    assert not violations(page), violations(page)  # axe: no serious or critical problem
    # a missing value is explained, nothing is taken
    page.click(".msim-predict-commit")
    expect(page.locator(".msim-predict-problem")).to_contain_text("CD4")
    for i, (c, b) in enumerate(zip(CD4, B_CELLS, strict=True)):
        page.fill(f".msim-predict-cd4-{i}", str(c))
        page.fill(f".msim-predict-b_cells-{i}", str(b))
    page.fill(".msim-predict-relapses", "2")
    page.click(".msim-predict-commit")
    expect(form).to_have_count(0)
    drawn = json.loads(page.locator(".msim-charts").get_attribute("data-prediction"))
    assert drawn["day"] == first and drawn["cd4"] == list(CD4) and drawn["relapses"] == 2
    # watch: a year on, two of the four months are scored against the run
    play_until(page, first + 366)
    page.wait_for_timeout(1500)
    expect(page.locator(".msim-predict-score")).to_contain_text("3 of 4 months")
    with page.expect_download() as info:
        page.click(".msim-export-csv")
    path = tmp_path / "run.csv"
    info.value.save_as(path)
    rows = {int(r["day"]) + 1: r for r in csv.DictReader(io.StringIO(path.read_text()))}
    assert float(rows[first + 91]["predicted_cd4_pct"]) == CD4[0]
    assert float(rows[first + 365]["predicted_b_cells_pct"]) == B_CELLS[2]
    assert rows[first - 1]["predicted_cd4_pct"] == ""  # nothing before the prediction's day
    assert float(rows[first + 100]["predicted_relapses_2y"]) == 2
    # the score is the mean distance from the recorded counts at 3, 6 and 12 months
    cells = load_scenario(REPO / "scenarios" / "two-courses.toml").cells
    for key, guess, css in (("cd4", CD4, "cd4-off"), ("b_cells", B_CELLS, "b-off")):
        base = getattr(cells, key).baseline
        seen = [100 * float(rows[first + d][key]) / base for d in (91, 182, 365)]
        want = sum(abs(g - v) for g, v in zip(guess, seen, strict=False)) / 3
        shown = float(page.locator(f".msim-predict-{css}").inner_text())
        assert abs(shown - want) <= 0.11, (key, shown, want)
    page.msim_assert_clean()


def test_skipping_the_prediction_plays_on(page: Page) -> None:
    open_app(page)
    switch_on(page)
    page.select_option(".msim-speed", "fastest")
    page.click(".msim-play")
    expect(page.locator(".msim-predict")).to_be_visible(timeout=30_000)
    page.click(".msim-predict-skip")
    expect(page.locator(".msim-predict")).to_have_count(0)
    play_until(page, 100)
    expect(page.locator(".msim-predict-score")).to_have_count(0)
    page.msim_assert_clean()


def test_without_the_switch_play_runs_through_the_first_infusion(page: Page) -> None:
    open_app(page)
    page.select_option(".msim-speed", "fastest")
    play_until(page, 100)
    expect(page.locator(".msim-predict")).to_have_count(0)
    page.msim_assert_clean()


def _chart_point(page: Page, day: int, pct_of_panel: float, first: int, run_days: int) -> tuple:
    """Page coordinates of a day and a height (0 = bottom, 1 = top of the blood chart)."""
    return page.evaluate(
        """([day, frac, runDays]) => {
          const ch = document.querySelector('.msim-charts'), r = ch.getBoundingClientRect();
          const left = 46, right = ch.width - 8, top = 2, ph = (ch.height - 2 - 22) / 4;
          const y0 = top + 20, y1 = top + ph - 6;
          const x = left + (day / runDays) * (right - left), y = y1 - frac * (y1 - y0);
          return [r.left + x * r.width / ch.width, r.top + y * r.height / ch.height];
        }""",
        [day, pct_of_panel, run_days],
    )


def _sketch(page: Page, first: int, run_days: int, shape: list[tuple[int, float]]) -> None:
    x, y = _chart_point(page, first + shape[0][0], shape[0][1], first, run_days)
    page.mouse.move(x, y)
    page.mouse.down()
    for (d0, f0), (d1, f1) in pairwise(shape):
        for k in range(1, 11):
            d, f = d0 + (d1 - d0) * k / 10, f0 + (f1 - f0) * k / 10
            page.mouse.move(*_chart_point(page, first + round(d), f, first, run_days))
    page.mouse.up()


def test_curves_sketched_on_the_chart_fill_the_prediction_and_travel_with_it(
    page: Page, tmp_path: Path
) -> None:
    scenario = load_scenario(REPO / "scenarios" / "two-courses.toml")
    first, run_days = scenario.dosing.courses[0].start_day, scenario.run.days
    open_app(page)
    switch_on(page)
    page.select_option(".msim-speed", "fastest")
    page.click(".msim-play")
    expect(page.locator(".msim-predict")).to_be_visible(timeout=30_000)
    # CD4: down to almost nothing within weeks, then halfway back by two years
    _sketch(page, first, run_days, [(2, 0.6), (40, 0.03), (200, 0.15), (725, 0.4)])
    cd4 = [page.input_value(f".msim-predict-cd4-{i}") for i in range(4)]
    assert all(v.isdigit() for v in cd4), cd4
    assert int(cd4[0]) < int(cd4[3]), cd4  # low at 3 months, higher at 24
    page.check(".msim-sketch-b_cells")
    # B cells: down, then above the start (the overshoot)
    _sketch(page, first, run_days, [(2, 0.6), (40, 0.05), (300, 0.85), (725, 0.7)])
    b = [page.input_value(f".msim-predict-b_cells-{i}") for i in range(4)]
    assert int(b[0]) < int(b[2]), b
    page.fill(".msim-predict-relapses", "1")
    page.click(".msim-predict-commit")
    expect(page.locator(".msim-predict")).to_have_count(0)
    drawn = json.loads(page.locator(".msim-charts").get_attribute("data-prediction"))
    assert [str(round(v)) for v in drawn["cd4"]] == cd4
    assert len(drawn["sketch_cd4"]) >= 10 and len(drawn["sketch_b_cells"]) >= 10
    play_until(page, first + 200)
    page.wait_for_timeout(1000)
    with page.expect_download() as info:
        page.click(".msim-export-csv")
    path = tmp_path / "run.csv"
    info.value.save_as(path)
    rows = {int(r["day"]) + 1: r for r in csv.DictReader(io.StringIO(path.read_text()))}
    sketch = drawn["sketch_cd4"]
    days = [first + d for d, _ in sketch]
    for day in (first + 30, first + 100, first + 180):
        want = float(np.interp(day, days, [v for _, v in sketch]))
        assert abs(float(rows[day]["predicted_cd4_pct"]) - want) < 0.01, (day, want)
    page.msim_assert_clean()
