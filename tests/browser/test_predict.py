"""Predict, then watch, in a real browser: with its switch on, Play stops before the first
infusion and asks; a bad prediction is explained; a committed one is drawn on the blood chart,
scored against the run as it comes, and exported with the CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

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
