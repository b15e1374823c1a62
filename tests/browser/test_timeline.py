"""Rewind and branch in a real browser: the timeline slider goes back to a day already
simulated, and "Branch here" shows the same patient under another choice beside the first."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from model.run import Simulation
from msim_app.catalog import default_scenario
from tests.browser.test_therapies_app import play_to


def test_going_back_and_branching_gives_the_figures_of_a_fresh_run_of_the_branch(
    page: Page,
) -> None:
    page.msim_goto()
    expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)
    reached = play_to(page, 200)
    slider = page.locator(".msim-timeline-slider")
    assert int(slider.get_attribute("max")) == reached
    # back to day 120 with the keyboard: focus the slider, Home, then 120 steps right
    slider.focus()
    page.keyboard.press("Home")
    expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)
    slider.evaluate("(el) => { el.value = '120'; el.dispatchEvent(new Event('change')); }")
    expect(page.locator(".msim-day")).to_have_text("120", timeout=60_000)
    page.select_option(".msim-branch-choice", "switch:ocrelizumab")
    page.click(".msim-branch")
    expect(page.locator(".msim-view")).to_have_count(2, timeout=60_000)
    expect(page.locator(".msim-view-branch")).to_be_visible()
    expect(page.locator(".msim-arm-label").nth(1)).to_have_text(
        "Branch, day 120: switched to ocrelizumab"
    )
    shown = play_to(page, 400)
    series = json.loads(page.locator(".msim-charts").get_attribute("data-series"))
    assert "1:lesion_pct" in series["lesions"] and "1:relapses" in series["relapses"], series
    expect(page.locator(".msim-key-branch")).to_contain_text("switched to ocrelizumab")
    # the same patient run fresh here: 120 days, the switch, then on to the day shown
    scenario, _ = default_scenario()
    sim = Simulation(scenario)
    sim.advance(120)
    sim.model.switch_to("ocrelizumab")
    sim.advance(shown - 120)
    relapses = sum(1 for e in sim.events if e.kind == "relapse_start")
    doses = sum(1 for e in sim.events if e.kind == "dose")
    captions = page.locator(".msim-caption").nth(1).inner_text()
    assert f"{relapses} relapses" in captions and f"{doses} dose days" in captions, (
        captions,
        relapses,
        doses,
    )
    assert doses >= 2  # ocrelizumab's first dose, in two halves
    page.msim_assert_clean()
