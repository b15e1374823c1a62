"""Alemtuzumab against a chosen comparator drug, side by side in a real browser, and the MRI
scans marked on the lesion chart."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from model.run import Simulation
from msim_app.catalog import default_scenario
from msim_app.classlink import LinkState, encode

PLAY_TIMEOUT = 240_000  # ms: three patients for two years on a busy 2-core machine
COMPARE_LABEL = "Also compare with (third view)"


def open_app(page: Page) -> None:
    page.msim_goto()
    expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)


def play_to(page: Page, day: int) -> int:
    """Play at the fastest speed until ``day``, pause, and return the day the page settles on."""
    page.select_option(".msim-speed", "fastest")
    page.click(".msim-play")
    page.wait_for_function(
        f"() => +document.querySelector('.msim-day').textContent >= {day}", timeout=PLAY_TIMEOUT
    )
    page.click(".msim-play")
    last = -1
    for _ in range(30):
        page.wait_for_timeout(500)
        now = int(page.locator(".msim-day").inner_text())
        if now == last:
            return now
        last = now
    raise AssertionError("the day kept moving after Pause")


def test_three_arms_side_by_side_count_their_dose_days(page: Page, tmp_path: Path) -> None:
    open_app(page)
    # one labelled native control, next in the Tab order after the side-by-side switch
    page.locator(".msim-compare-toggle input").focus()
    page.keyboard.press("Tab")
    focused = "() => document.activeElement.classList.contains('msim-comparator-select')"
    assert page.evaluate(focused)
    page.get_by_label(COMPARE_LABEL).select_option("interferon-beta-1a")
    expect(page.locator(".msim-view")).to_have_count(3, timeout=60_000)
    expect(page.locator(".msim-compare-toggle input")).to_be_checked()
    play_to(page, 790)  # two years after the run-in: both alemtuzumab courses given
    captions = page.locator(".msim-caption")
    expect(captions).to_have_count(3)
    labels = page.locator(".msim-arm-label").all_inner_texts()
    assert labels == ["Treated: alemtuzumab", "Untreated", "Interferon beta-1a"], labels
    doses = [int(t) for t in page.locator(".msim-dose-count").all_inner_texts()]
    assert doses[0] == 8 and doses[1] == 0, doses
    assert doses[2] > 30 * doses[0], doses  # three shots a week against eight infusion days
    # every arm has its curves: the comparator's lesions and relapses, dotted
    series = json.loads(page.locator(".msim-charts").get_attribute("data-series"))
    assert "2:lesion_pct" in series["lesions"] and "2:relapses" in series["relapses"], series
    expect(page.locator(".msim-key-comparator")).to_contain_text("Interferon beta-1a")
    expect(page.locator(".msim-comparator-difference")).to_contain_text("dose days")
    page.msim_assert_clean()


def test_no_other_drug_goes_back_to_the_untreated_twin_alone(page: Page) -> None:
    open_app(page)
    page.get_by_label(COMPARE_LABEL).select_option("ocrelizumab")
    expect(page.locator(".msim-view")).to_have_count(3, timeout=60_000)
    expect(page.locator(".msim-view-comparator")).to_be_visible()
    page.get_by_label(COMPARE_LABEL).select_option("")
    expect(page.locator(".msim-view")).to_have_count(2, timeout=60_000)
    expect(page.locator(".msim-view-untreated")).to_be_visible()
    page.msim_assert_clean()


def test_the_lesion_chart_marks_each_recorded_scan_with_its_counts(page: Page) -> None:
    open_app(page)
    shown = play_to(page, 800)
    marks = json.loads(page.locator(".msim-charts").get_attribute("data-scans"))
    scenario, _ = default_scenario()
    sim = Simulation(scenario)  # the same patient, recorded here for comparison
    sim.advance(shown)
    recorded = [[s.day, s.new_or_enlarging_lesions, s.enhancing_lesions] for s in sim.scans]
    assert len(recorded) >= 3 and marks == recorded, (marks, recorded)
    # the counts are in words under the charts too
    summary = page.locator("#msim-chart-summary").inner_text()
    first = recorded[0]
    assert f"day {first[0]}: {first[1]} new or enlarging, {first[2]} enhancing" in summary
    expect(page.locator(".msim-key-scan")).to_be_visible()
    page.msim_assert_clean()


def test_a_class_link_opens_the_comparator_locked_with_the_switch(page: Page) -> None:
    lock = frozenset({"compare"})
    state = LinkState(scenario="two-courses", day=30, compare=True, drug="cladribine", locked=lock)
    page.msim_goto("?" + encode(state))
    expect(page.locator(".msim-day")).to_have_text("30", timeout=60_000)
    expect(page.locator(".msim-view")).to_have_count(3)
    expect(page.locator(".msim-arm-label").nth(2)).to_have_text("Cladribine tablets")
    expect(page.locator(".msim-comparator-fixed")).to_contain_text("Cladribine tablets")
    expect(page.locator(".msim-comparator-select")).to_have_count(0)
    page.msim_assert_clean()
