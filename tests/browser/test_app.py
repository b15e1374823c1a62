"""The classroom app in a real browser: controls, scenarios, uploads, downloads, side by side,
the inspector and several tabs at once.

Every test opens its own tab (its own Solara kernel and model) through the ``page`` fixture,
which records console errors, failed requests and requests that leave the machine; each test ends
with ``page.msim_assert_clean()``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
MSIM = [sys.executable, "-m", "model"]
STEP_TIMEOUT = 20_000  # ms for the page to show a stepped day
HEALTHY_MYELIN = (243, 237, 224)  # msim_app.palette.HEALTHY: the tissue view's cream
KINDS = ("cd4_pct", "cd8_pct", "b_cells_pct", "treg_pct", "nk_pct")


def open_app(page: Page) -> None:
    page.msim_goto()
    expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)
    expect(page.locator(".msim-view").first).to_be_visible()


def day(page: Page) -> int:
    return int(page.locator(".msim-day").inner_text())


def settled_day(page: Page, quiet_ms: int = 500, tries: int = 20) -> int:
    """The day once it stops changing: days already on their way when Pause was pressed
    are still shown (on a slow machine that can take a few hundred ms), nothing after them."""
    last = day(page)
    for _ in range(tries):
        page.wait_for_timeout(quiet_ms)
        now = day(page)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the day kept moving after Pause (now {last})")


def wait_day(page: Page, value: int) -> None:
    expect(page.locator(".msim-day")).to_have_text(str(value), timeout=STEP_TIMEOUT)


def show_tab(page: Page, name: str) -> None:
    """The side panel's tabs: Settings, Lesson, Inspector."""
    page.get_by_role("tab", name=name).click()


def step(page: Page, days: int = 1) -> None:
    before = day(page)
    button = ".msim-step" if days == 1 else ".msim-step-week"
    page.click(button)
    wait_day(page, before + (1 if days == 1 else 7))


def save_picture(page: Page, tmp_path: Path) -> tuple[str, Image.Image]:
    """Press "Picture as PNG" from the keyboard; the suggested file name and the decoded PNG."""
    page.locator(".msim-export-png").focus()
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return info.value.suggested_filename, Image.open(path).convert("RGB")


def assert_picture_has_views_and_charts(page: Page, picture: Image.Image) -> None:
    """Bigger than the charts canvas, with at least half of every tissue view's area in healthy
    myelin's cream (a colour the charts never use)."""
    charts = page.evaluate("() => { const c = document.querySelector('.msim-charts');"
                           " return [c.width, c.height]; }")  # fmt: skip
    views = page.evaluate("() => [...document.querySelectorAll('.msim-view')]"
                          ".reduce((a, c) => a + c.width * c.height, 0)")  # fmt: skip
    assert picture.width > charts[0] and picture.height > charts[1]
    pixels = np.asarray(picture, dtype=np.int16)
    cream = (np.abs(pixels - HEALTHY_MYELIN).max(axis=2) <= 2).sum()
    assert cream > views / 2, f"{cream} cream pixels for {views} pixels of tissue view"


def chart_series(page: Page) -> dict[str, list[str]]:
    """What each chart panel plots, as "arm:column" (arm 1 = the untreated twin)."""
    return json.loads(page.locator(".msim-charts").get_attribute("data-series"))


def test_first_view(page: Page) -> None:
    open_app(page)
    assert page.locator(".msim-relapses").inner_text() == "0"
    for css in (
        ".msim-play",
        ".msim-step",
        ".msim-reset",
        ".msim-scenario-select",
        ".msim-view",
        ".msim-charts",
        ".msim-legend",
    ):
        expect(page.locator(css).first).to_be_visible()
    # the lesson panel shows the scenario's lesson text
    show_tab(page, "Lesson")
    expect(page.locator(".msim-lesson-things-to-try")).to_be_visible()
    expect(page.locator(".msim-lesson-things-to-try")).not_to_be_empty()
    show_tab(page, "Settings")
    # sliders carry the schema's units and help
    expect(page.locator(".msim-slider-disease-flare_rate")).to_contain_text("per year")
    page.msim_assert_clean()


def test_play_pause_step_reset(page: Page) -> None:
    open_app(page)
    page.click(".msim-play")
    page.wait_for_function("() => +document.querySelector('.msim-day').textContent >= 15")
    page.click(".msim-play")  # pause
    expect(page.locator(".msim-play")).to_have_attribute("aria-pressed", "false")
    paused = settled_day(page)
    page.wait_for_timeout(1000)
    assert day(page) == paused, "the day moved on after Pause"
    step(page, 1)
    step(page, 7)
    page.click(".msim-reset")
    wait_day(page, 0)
    page.msim_assert_clean()


def test_switching_scenario_resets_the_view(page: Page) -> None:
    open_app(page)
    step(page, 7)
    page.select_option(".msim-scenario-select", "first-look")
    wait_day(page, 0)
    show_tab(page, "Lesson")
    expect(page.locator(".msim-lesson")).to_contain_text("First look")
    step(page, 1)
    page.msim_assert_clean()


def test_bad_upload_shows_problems_and_keeps_the_model(page: Page) -> None:
    open_app(page)
    step(page, 7)
    bad = b'name = "broken"\n[disease]\nflare_rat = 2\nattack_damage = 7\n'
    page.set_input_files(".msim-upload-input", files=[
        {"name": "broken.toml", "mimeType": "text/plain", "buffer": bad}])  # fmt: skip
    errors = page.locator(".msim-upload-errors")
    expect(errors).to_contain_text("broken.toml")
    expect(errors).to_contain_text("flare_rate")  # the "did you mean" hint
    expect(errors).to_contain_text("attack_damage")
    assert day(page) == 7, "a bad upload must leave the running model alone"
    big = b"# " + b"x" * 1_100_000 + b"\n"
    page.set_input_files(".msim-upload-input", files=[
        {"name": "huge.toml", "mimeType": "text/plain", "buffer": big}])  # fmt: skip
    expect(errors).to_contain_text("1 MB")
    assert day(page) == 7
    good = b'name = "Uploaded test"\n[run]\ndays = 200\nbaseline_days = 30\n'
    page.set_input_files(".msim-upload-input", files=[
        {"name": "good.toml", "mimeType": "text/plain", "buffer": good}])  # fmt: skip
    wait_day(page, 0)
    expect(errors).to_have_count(0)
    show_tab(page, "Lesson")
    expect(page.locator(".msim-lesson")).to_contain_text("Uploaded test")
    page.msim_assert_clean()


def test_bad_seed_shows_a_message(page: Page) -> None:
    open_app(page)
    step(page, 1)
    seed = page.locator(".msim-seed input")
    seed.fill("not-a-seed")
    seed.press("Enter")
    expect(page.locator(".msim-seed-error")).to_be_visible()
    assert day(page) == 1
    seed.fill("7")
    seed.press("Enter")
    wait_day(page, 0)
    expect(page.locator(".msim-seed-error")).to_have_count(0)
    page.msim_assert_clean()


def test_downloaded_scenario_runs_with_msim_run(page: Page, tmp_path: Path) -> None:
    open_app(page)
    with page.expect_download() as info:
        page.click(".msim-download-scenario")
    path = tmp_path / "downloaded.toml"
    info.value.save_as(path)
    assert "[dosing]" in path.read_text() or "[[dosing.courses]]" in path.read_text()
    out = tmp_path / "run"
    proc = subprocess.run(
        [*MSIM, "run", str(path), "--out", str(out), "--days", "20"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "timeseries.csv").is_file()
    page.msim_assert_clean()


def test_exports_csv_and_png(page: Page, tmp_path: Path) -> None:
    open_app(page)
    step(page, 7)
    with page.expect_download() as info:
        page.click(".msim-export-csv")
    csv = tmp_path / "run.csv"
    info.value.save_as(csv)
    lines = csv.read_text().splitlines()
    assert lines[0].startswith("day,cd4,cd8,b_cells,treg,nk")
    assert len(lines) == 1 + 7
    csv_name = info.value.suggested_filename
    assert csv_name == "msim-two-courses-standard-schedule-seed1-day7.csv"
    # the picture: same name as the CSV, the tissue view and the charts in one PNG
    name, picture = save_picture(page, tmp_path)
    assert name == csv_name.removesuffix(".csv") + ".png"
    assert_picture_has_views_and_charts(page, picture)
    assert not any(s.startswith("1:") for s in chart_series(page)["blood"])
    expect(page.locator(".msim-key-untreated")).to_have_count(0)
    page.msim_assert_clean()


def test_give_a_course_shows_the_infusion_banner(page: Page) -> None:
    open_app(page)
    step(page, 1)
    page.click(".msim-give-course")
    expect(page.locator(".msim-notice")).to_contain_text("course")
    step(page, 1)
    expect(page.locator(".msim-infusion")).to_be_visible()
    page.msim_assert_clean()


def test_treated_and_untreated_side_by_side(page: Page, tmp_path: Path) -> None:
    open_app(page)
    page.locator(".msim-compare-toggle input").check(force=True)
    expect(page.locator(".msim-view")).to_have_count(2)
    expect(page.locator(".msim-view-untreated")).to_be_visible()
    step(page, 7)
    expect(page.locator(".msim-relapses-untreated")).to_be_visible()
    expect(page.locator(".msim-relapse-difference")).to_be_visible()
    # the blood counts chart draws the twin's five kinds too, and the legend says it is dashed
    blood = chart_series(page)["blood"]
    assert all(f"0:{k}" in blood and f"1:{k}" in blood for k in KINDS), blood
    expect(page.locator(".msim-key-untreated")).to_contain_text("untreated")
    # the picture holds both tissue views beside the charts
    assert_picture_has_views_and_charts(page, save_picture(page, tmp_path)[1])
    page.select_option(".msim-speed", "fastest")
    page.click(".msim-play")
    page.wait_for_function("() => +document.querySelector('.msim-day').textContent >= 120")
    page.click(".msim-play")
    # both arms drew the same day: each caption is updated from the same frame
    captions = page.locator(".msim-caption").all_inner_texts()
    assert len(captions) == 2 and all("relapses" in c for c in captions)
    page.msim_assert_clean()


def test_inspecting_a_cell_shows_its_details(page: Page) -> None:
    open_app(page)
    view = page.locator(".msim-view").first
    for _ in range(6):  # until some lymphocytes are in the tissue
        step(page, 7)
        if view.get_attribute("data-cells"):
            break
    cells = view.get_attribute("data-cells")
    assert cells, "no lymphocyte entered the tissue in six weeks"
    width, height = (int(v) for v in view.get_attribute("data-grid").split(","))
    x, y = (int(v) for v in cells.split(";")[0].split(","))
    box = view.bounding_box()
    assert box is not None
    view.click(position={"x": (x + 0.5) * box["width"] / width,
                         "y": (y + 0.5) * box["height"] / height})  # fmt: skip
    panel = page.locator(".msim-inspector")
    expect(panel.locator(".msim-inspect-cell")).to_be_visible()
    for text in ("Kind", "CD52", "Aggression", "Naive or memory", "Original or repopulated"):
        expect(panel.locator(".msim-inspect-cell")).to_contain_text(text)
    for text in ("Age (years)", "Disease activity", "Homeostatic drive", "year before day 0"):
        expect(panel.locator(".msim-inspect-patient")).to_contain_text(text)
    expect(panel.locator(".msim-inspect-site")).to_contain_text("Myelin integrity")
    expect(panel.locator(".msim-inspect-field-lesion")).not_to_be_empty()
    page.msim_assert_clean()


def test_five_tabs_each_have_their_own_model(browser, app_server, page: Page) -> None:
    open_app(page)  # the recorded tab, plus four more in their own contexts
    contexts = [browser.new_context(viewport={"width": 1366, "height": 768}) for _ in range(4)]
    try:
        pages = [page] + [c.new_page() for c in contexts]
        for p in pages[1:]:
            p.goto(app_server.url)
        for p in pages[1:]:
            expect(p.locator(".msim-day")).to_have_text("0", timeout=60_000)
        for i, p in enumerate(pages):  # tab i steps i+1 days
            for _ in range(i + 1):
                p.click(".msim-step")
        for i, p in enumerate(pages):
            wait_day(p, i + 1)
        pages[2].click(".msim-play")
        pages[2].wait_for_function("() => +document.querySelector('.msim-day').textContent >= 30")
        pages[2].click(".msim-play")
        for i, p in enumerate(pages):
            if i != 2:
                assert day(p) == i + 1, f"tab {i} moved when another tab played"
    finally:
        for c in contexts:
            c.close()
    page.msim_assert_clean()


@pytest.mark.parametrize("size", [(1366, 768)])
def test_fits_a_school_laptop_screen(page: Page, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_app(page)
    # no sideways scrolling, and the run controls and the tissue view are in view without it
    assert page.evaluate("() => document.documentElement.scrollWidth") <= size[0]
    for css in (".msim-play", ".msim-step", ".msim-reset", ".msim-day"):
        box = page.locator(css).bounding_box()
        assert box is not None and box["y"] + box["height"] <= size[1], css
    # every control can be reached with the keyboard
    page.locator(".msim-play").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className").startswith("msim-btn")
    page.msim_assert_clean()


def test_slider_changes_a_parameter_and_restarts(page: Page) -> None:
    open_app(page)
    step(page, 7)
    slider = page.locator(".msim-slider-disease-flare_rate")
    before = slider.locator(".v-label").inner_text()
    slider.locator("[role=slider]").focus()
    page.keyboard.press("ArrowRight")
    expect(slider.locator(".v-label")).not_to_have_text(before)
    wait_day(page, 0)
    # the downloaded settings carry the new value
    with page.expect_download() as info:
        page.click(".msim-download-scenario")
    text = Path(info.value.path()).read_text()
    new_value = page.locator(".msim-slider-disease-flare_rate .v-label").inner_text()
    assert f"flare_rate = {new_value.split(': ')[1].split()[0]}" in text
    page.msim_assert_clean()


def selected_scenario(page: Page) -> str:
    """The text the scenario menu shows (its selected option)."""
    return page.locator(".msim-scenario-select").evaluate(
        "el => el.selectedIndex < 0 ? '' : el.options[el.selectedIndex].text"
    )


def test_the_menu_names_an_uploaded_scenario(page: Page) -> None:
    open_app(page)
    before = selected_scenario(page)
    assert before.startswith("Two courses")
    good = b'name = "Menu test"\n[run]\ndays = 200\nbaseline_days = 30\n'
    page.set_input_files(".msim-upload-input", files=[
        {"name": "menu-test.toml", "mimeType": "text/plain", "buffer": good}])  # fmt: skip
    expect(page.locator(".msim-scenario-select")).to_have_value("__uploaded__")
    page.wait_for_function(
        "() => { const el = document.querySelector('.msim-scenario-select');"
        " return el.selectedIndex >= 0 && el.options[el.selectedIndex].text.includes('Uploaded'); }"
    )
    assert "menu-test.toml" in selected_scenario(page) and selected_scenario(page) != before
    # a second upload is named too, and picking a shipped scenario again names that one
    other = b'name = "Second upload"\n'
    page.set_input_files(".msim-upload-input", files=[
        {"name": "second.toml", "mimeType": "text/plain", "buffer": other}])  # fmt: skip
    page.wait_for_function(
        "() => { const el = document.querySelector('.msim-scenario-select');"
        " return el.selectedIndex >= 0 && el.options[el.selectedIndex].text.includes('second'); }"
    )
    page.select_option(".msim-scenario-select", "first-look")
    wait_day(page, 0)
    page.wait_for_function(
        "() => { const el = document.querySelector('.msim-scenario-select');"
        " return el.options[el.selectedIndex].value === 'first-look'; }"
    )
    page.msim_assert_clean()


def test_a_failed_step_shows_an_alert_above_everything(page: Page) -> None:
    open_app(page)
    step(page, 1)
    page.click(".msim-give-course")
    step(page, 1)
    expect(page.locator(".msim-infusion")).to_be_visible()
    # a step that fails in the server: the page sends a day count Python cannot read
    page.evaluate("() => document.querySelector('.msim-stage').__vue__.step({days: 'boom'})")
    alert = page.locator(".msim-error")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("Reset")
    # on top: the point at its middle belongs to it, and it is in view at the top of the window
    box = alert.bounding_box()
    assert box is not None and box["y"] <= 1
    on_top = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('.msim-error')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top, "something covers the alert"
    expect(page.locator(".msim-play")).to_have_attribute("aria-pressed", "false")
    page.click(".msim-error-reset")
    wait_day(page, 0)
    expect(alert).to_have_count(0)
    step(page, 1)
    page.msim_assert_clean()


def test_the_page_says_when_the_server_is_busy(page: Page) -> None:
    open_app(page)
    page.click(".msim-play")
    page.wait_for_function("() => +document.querySelector('.msim-day').textContent >= 5")
    busy = page.locator(".msim-busy")
    # answers that keep coming late (as from a loaded server): the page slows down and says so
    page.evaluate(
        "() => { const v = document.querySelector('.msim-stage').__vue__;"
        " for (let i = 0; i < 8; i++) v.adaptPace(400); }"
    )
    expect(busy).to_be_visible()
    expect(busy).to_contain_text("busy")
    page.click(".msim-play")  # paused: nothing to say
    expect(busy).to_have_count(0)
    # quick answers again: the page is no longer busy
    calm = page.evaluate(
        "() => { const v = document.querySelector('.msim-stage').__vue__;"
        " for (let i = 0; i < 200; i++) v.adaptPace(5); return !v.busy; }"
    )
    assert calm
    page.msim_assert_clean()
