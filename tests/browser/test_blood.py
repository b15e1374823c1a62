"""The blood panel in a real browser: its dots follow the recorded blood counts through an
infusion (CD4 T cells nearly gone, NK cells kept), antibody crosses come with the infusion, and
pointing at or focusing a dot reads its kind."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from playwright.sync_api import Page, expect

from msim_app.blood import MOST_CROSSES, PARTICLES_PER_CROSS
from tests.browser.test_app import open_app, step

KINDS = ("cd4", "cd8", "b_cells", "treg", "nk")


def dots(page: Page) -> dict[str, int]:
    return json.loads(page.locator(".msim-blood").get_attribute("data-dots"))


def recorded(page: Page, tmp_path: Path) -> dict[str, float]:
    """The last day's row of the run as the page exports it (msim run's timeseries columns)."""
    with page.expect_download() as info:
        page.click(".msim-export-csv")
    path = tmp_path / "run.csv"
    info.value.save_as(path)
    last = list(csv.DictReader(io.StringIO(path.read_text())))[-1]
    return {k: float(last[k]) for k in (*KINDS, "antibody", "day")}


def scale(page: Page) -> int:
    caption = page.locator(".msim-blood-caption").inner_text()
    return int(caption.split("1 dot = ")[1].split(" cells")[0])


def assert_dots_follow_counts(page: Page, tmp_path: Path) -> dict[str, int]:
    row, shown, per = recorded(page, tmp_path), dots(page), scale(page)
    for kind in KINDS:
        assert abs(shown[kind] - row[kind] / per) <= 0.51, (kind, shown, row, per)
    crosses = -(-row["antibody"] // PARTICLES_PER_CROSS)
    assert shown["antibody"] == min(crosses, MOST_CROSSES), (shown, row)
    return shown


def test_the_blood_panels_dots_follow_the_blood_counts(page: Page, tmp_path: Path) -> None:
    open_app(page)
    step(page, 1)
    before = assert_dots_follow_counts(page, tmp_path)
    assert before["antibody"] == 0 and before["cd4"] > 50
    page.select_option(".msim-speed", "faster")
    page.click(".msim-play")
    page.wait_for_function("() => +document.querySelector('.msim-day').textContent >= 66")
    page.click(".msim-play")
    expect(page.locator(".msim-play")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(1500)  # frames already on their way are shown
    step(page, 1)
    during = assert_dots_follow_counts(page, tmp_path)
    assert during["antibody"] > 0, "no antibody crosses after the first infusion"
    assert during["cd4"] < before["cd4"] / 4, (before, during)  # depleted
    assert during["nk"] > before["nk"] / 4, (before, during)  # NK cells spared more
    page.msim_assert_clean()


def test_pointing_at_or_focusing_a_dot_reads_its_kind(page: Page) -> None:
    open_app(page)
    step(page, 1)
    readout = page.locator(".msim-blood-readout")
    blood = page.locator(".msim-blood")
    blood.focus()
    expect(readout).to_contain_text("dot 1 of")
    expect(readout).to_contain_text("circulating in the blood")
    page.keyboard.press("End")
    expect(readout).to_contain_text("NK")  # the last kind's last dot
    # the mouse on a dot where the page drew it reads that dot
    page.locator(".msim-play").focus()
    expect(readout).to_have_text("")
    x, y, kind = page.evaluate(
        "() => { const c = document.querySelector('.msim-blood'), r = c.getBoundingClientRect();"
        " const vue = c.closest('.msim-stage').__vue__, p = vue.m.bloodDots[0];"
        " return [r.left + p.xy[0] * r.width / c.width, r.top + p.xy[1] * r.height / c.height,"
        " vue.m.setup.kinds[p.kind].name]; }"
    )
    page.mouse.move(x, y)
    expect(readout).to_contain_text(f"{kind} cell circulating")
    page.msim_assert_clean()
