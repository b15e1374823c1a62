"""A page everyone can use: axe-core finds no serious or critical problem, the keyboard alone
reaches and works every control with a visible focus, and the live region announces what
matters in plain words, at a pace a screen reader can follow, from the recorded run."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from model.scenario import load_scenario
from tests.browser.axe import violations
from tests.browser.test_app import day, open_app, show_tab, step

REPO = Path(__file__).resolve().parents[2]

# every control of the page, as a CSS selector of what takes the focus
CONTROLS = (
    ".msim-tab-settings",
    ".msim-tab-lesson",
    ".msim-tab-inspector",
    ".msim-scenario-select",
    ".msim-upload-input",
    ".msim-download-scenario",
    ".msim-seed input",
    ".msim-compare-toggle input",
    ".msim-predict-toggle input",
    ".msim-section-title",
    "[role=slider]",
    ".msim-share-name input",
    ".msim-share-button",
    ".msim-play",
    ".msim-step",
    ".msim-step-week",
    ".msim-reset",
    ".msim-speed",
    ".msim-give-course",
    ".msim-export-csv",
    ".msim-export-png",
    ".msim-view",
    ".msim-blood",
)

RECORD_ANNOUNCEMENTS = """() => {
    const el = document.querySelector('.msim-announce');
    window.msimHeard = [];
    new MutationObserver(() => window.msimHeard.push([performance.now(), el.textContent]))
        .observe(el, {childList: true, characterData: true, subtree: true});
}"""


def assert_no_grave_violation(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}: " + "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"][:5]) for v in found
    )


def test_axe_finds_no_serious_or_critical_violation(page: Page) -> None:
    open_app(page)
    assert_no_grave_violation(page, "first view")
    step(page, 7)
    page.locator(".msim-compare-toggle input").check(force=True)
    expect(page.locator(".msim-view-untreated")).to_be_visible()
    assert_no_grave_violation(page, "side by side")
    page.locator(".msim-link-section > summary").click()
    page.select_option(".msim-link-mode-speed", "locked")
    page.click(".msim-copy-link")
    expect(page.locator(".msim-link")).not_to_have_value("")
    assert_no_grave_violation(page, "class link panel")
    page.msim_goto("?" + page.locator(".msim-link").input_value().split("?", 1)[1])
    expect(page.locator(".msim-speed")).to_be_disabled(timeout=60_000)
    assert_no_grave_violation(page, "a student's page from a class link")
    for tab in ("Lesson", "Inspector"):
        show_tab(page, tab)
        assert_no_grave_violation(page, f"{tab} tab")
    page.msim_assert_clean()


def focus_walk(page: Page, presses: int = 80) -> list[dict]:
    """Tab from the top of the page; what each press focused and whether its outline shows."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => { const e = document.activeElement, s = getComputedStyle(e);
                const box = (e.closest('.v-slider') || e).getBoundingClientRect();
                return {matches: %s.map(sel => e.matches(sel) || !!e.closest(sel + ' *') &&
                          e.matches(sel + ' *')),
                        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                        visible: box.width > 0 && box.height > 0, tag: e.tagName,
                        css: String(e.className)}; }""".replace("%s", json.dumps(CONTROLS))
            )
        )
    return seen


def test_a_keyboard_only_walk_reaches_every_control(page: Page) -> None:
    open_app(page)
    walk = focus_walk(page)
    for i, sel in enumerate(CONTROLS):
        hits = [w for w in walk if w["matches"][i]]
        assert hits, f"Tab never reached {sel}"
        assert all(w["visible"] for w in hits), f"{sel} took the focus while not on screen"
        if not sel.endswith("input") and sel != "[role=slider]":  # Vuetify draws those its own way
            assert all(w["outline"] for w in hits), f"{sel} shows no focus outline"
    # the side panel first, then the run controls in the toolbar's order, then the tissue view
    first = {sel: next(j for j, w in enumerate(walk) if w["matches"][i])
             for i, sel in enumerate(CONTROLS)}  # fmt: skip
    order = [first[s] for s in CONTROLS if s not in ("[role=slider]", ".msim-section-title")]
    assert order == sorted(order), f"focus order {order}"
    # and they work from the keyboard: Space plays and pauses, Enter steps
    page.locator(".msim-play").focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => +document.querySelector('.msim-day').textContent >= 3")
    page.keyboard.press("Space")
    expect(page.locator(".msim-play")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(800)
    before = day(page)
    page.keyboard.press("Tab")  # Step 1 day
    page.keyboard.press("Enter")
    expect(page.locator(".msim-day")).to_have_text(str(before + 1), timeout=20_000)
    page.msim_assert_clean()


def csv_rows(page: Page, tmp_path: Path) -> list[dict]:
    with page.expect_download() as info:
        page.click(".msim-export-csv")
    path = tmp_path / "run.csv"
    info.value.save_as(path)
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_the_live_region_announces_infusion_t_cells_and_relapses(
    page: Page, tmp_path: Path
) -> None:
    open_app(page)
    live = page.locator(".msim-announce")
    assert live.get_attribute("aria-live") == "polite"
    page.evaluate(RECORD_ANNOUNCEMENTS)
    page.select_option(".msim-speed", "faster")
    page.click(".msim-play")
    page.wait_for_function("() => +document.querySelector('.msim-day').textContent >= 130")
    page.click(".msim-play")
    page.wait_for_timeout(9000)  # let the queued sentences be read out
    heard = page.evaluate("() => window.msimHeard")
    texts = [t for _, t in heard if t]
    assert any("CD4 T cells down to" in t for t in texts), texts
    course = load_scenario(REPO / "scenarios" / "two-courses.toml").dosing.courses[0]
    infusion = [t for t in texts if "infusion course 1" in t]
    assert infusion == [f"Day {course.start_day}: infusion course 1 of alemtuzumab started."]
    # one sentence at a time, no quicker than one every 2.5 s
    times = [t for t, text in heard if text]
    assert all(b - a >= 2400 for a, b in itertools.pairwise(times)), times
    # relapse sentences name days on which the recorded run (the CSV) starts or ends one
    rows = csv_rows(page, tmp_path)
    active = {int(r["day"]): float(r["relapse_active"]) > 0 for r in rows}
    for text in texts:
        m = re.match(r"Day (\d+): a relapse started", text)
        if m:
            d = int(m.group(1))
            assert active[d] and not active.get(d - 1, False), text
        m = re.match(r"Day (\d+): the relapse is over", text)
        if m:
            d = int(m.group(1))
            assert not active[d] and active.get(d - 1, True), text
    page.msim_assert_clean()


def test_the_charts_have_a_text_summary(page: Page) -> None:
    open_app(page)
    step(page, 7)
    summary = page.locator("#msim-chart-summary")
    expect(summary).to_contain_text("Charts on day 7.")
    expect(summary).to_contain_text("Blood counts as % of baseline: CD4")
    described = page.locator(".msim-charts").get_attribute("aria-describedby")
    assert described == "msim-chart-summary"
    page.msim_assert_clean()
