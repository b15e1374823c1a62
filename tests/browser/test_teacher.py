"""The class summary in a real browser: two students share their runs under the names they
type (one with a prediction, one side by side with the untreated twin); the teacher's page
shows nothing without the token the server printed, and with it both students' runs, the
class's relapse-free curves and the spread between their patients."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.conftest import _page
from tests.browser.test_app import open_app, settled_day
from tests.browser.test_predict import B_CELLS, CD4, switch_on

REPO = Path(__file__).resolve().parents[2]
SHOT = REPO / "docs" / "images" / "app-teacher-summary.png"


def printed_token(page: Page) -> str:
    """The token in the teacher page's address the server printed when it started."""
    found = re.search(r"msim teacher page \(class summary\): (\S+)", page.msim_server.log())
    assert found, page.msim_server.log()
    assert found.group(1).startswith(page.msim_server.url + "teacher?token=")
    return found.group(1).rsplit("token=", 1)[1]


def play_to(page: Page, at_least: int) -> int:
    page.select_option(".msim-speed", "fastest")
    page.click(".msim-play")
    page.wait_for_function(
        f"() => +document.querySelector('.msim-day').textContent >= {at_least}", timeout=120_000
    )
    page.click(".msim-play")
    return settled_day(page)


def share(page: Page, name: str) -> None:
    page.fill(".msim-share-name input", name)
    page.click(".msim-share-button")


def shown(page: Page, css: str) -> str:
    return page.locator(css).first.inner_text().strip()


def test_the_teacher_page_needs_its_token_and_pools_two_students_shared_runs(
    page: Page, browser
) -> None:
    token = printed_token(page)
    # student 1 predicts, then watches, and shares (then shares again under another name)
    open_app(page)
    switch_on(page)
    page.select_option(".msim-speed", "fastest")
    page.click(".msim-play")
    expect(page.locator(".msim-predict")).to_be_visible(timeout=60_000)
    for i, (c, b) in enumerate(zip(CD4, B_CELLS, strict=True)):
        page.fill(f".msim-predict-cd4-{i}", str(c))
        page.fill(f".msim-predict-b_cells-{i}", str(b))
    page.fill(".msim-predict-relapses", "1")
    page.click(".msim-predict-commit")
    expect(page.locator(".msim-predict")).to_have_count(0)
    play_to(page, 200)
    share(page, "Ada")
    expect(page.locator(".msim-share-done")).to_contain_text("Shared as Ada")
    ada_day = play_to(page, 420)
    ada_relapses = shown(page, ".msim-relapses")
    share(page, "  Ada   L.  ")  # trimmed; replaces the tab's first share
    expect(page.locator(".msim-share-done")).to_contain_text(f"Shared as Ada L. at day {ada_day}")

    students = [_page(browser, page.msim_server), _page(browser, page.msim_server)]
    ben, teacher = (next(g) for g in students)
    try:
        # student 2: side by side with the untreated twin; a bad name is explained, not shared
        open_app(ben)
        ben.locator(".msim-compare-toggle input").check(force=True)
        expect(ben.locator(".msim-view-untreated")).to_be_visible()
        ben.fill(".msim-seed input", "7")  # another patient than Ada's (both arms start again)
        ben.press(".msim-seed input", "Enter")
        expect(ben.locator(".msim-compare-toggle input")).to_be_checked()
        ben_day = play_to(ben, 400)
        ben_relapses = shown(ben, ".msim-relapses")
        share(ben, "   ")
        expect(ben.locator(".msim-share-problem")).to_contain_text("Type your name")
        share(ben, "B" * 41)
        expect(ben.locator(".msim-share-problem")).to_contain_text("at most 40 characters")
        expect(ben.locator(".msim-share-done")).to_have_count(0)
        # by keyboard: the labelled name field, Tab to the button, Enter
        ben.get_by_label("Your name (1-40 characters)").fill("Ben")
        ben.keyboard.press("Tab")
        expect(ben.locator(".msim-share-button")).to_be_focused()
        ben.keyboard.press("Enter")
        expect(ben.locator(".msim-share-done")).to_contain_text(f"Shared as Ben at day {ben_day}")
        expect(ben.locator(".msim-share-problem")).to_have_count(0)
        expect(ben.get_by_role("region", name="Share with my teacher")).to_be_visible()
        assert not violations(ben), violations(ben)

        # the teacher: no token, a wrong one: only the form, no data
        teacher.msim_goto("teacher")
        expect(teacher.locator(".msim-teacher-token input")).to_be_visible()
        for wrong in ("", token[:-1], token + "x"):
            if wrong:
                teacher.fill(".msim-teacher-token input", wrong)
                teacher.click(".msim-teacher-submit")
                expect(teacher.locator(".msim-teacher-wrong")).to_be_visible()
            expect(teacher.locator(".msim-teacher-table")).to_have_count(0)
            body = teacher.locator("body").inner_text()
            assert "Ben" not in body and "Ada" not in body and "Relapse-free" not in body
        # the right token
        teacher.fill(".msim-teacher-token input", token)
        teacher.click(".msim-teacher-submit")
        table = teacher.locator(".msim-teacher-table")
        expect(table).to_be_visible()
        expect(teacher.locator(".msim-teacher-count")).to_contain_text("2 students have shared")
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(3)  # Ada L.: the treated arm; Ben: treated and untreated
        cells = [[c.strip() for c in r.split("\t")] for r in rows.all_inner_texts()]
        by = {(r[0], r[4]): r for r in cells}
        assert [r[0] for r in cells] == ["Ada L.", "Ben", "Ben"], cells
        ada = by[("Ada L.", "Treated: alemtuzumab")]
        assert ada[3] == str(ada_day) and ada[5].split()[0] == ada_relapses
        assert ada[2] == "1" and ada[10].startswith("1 relapse predicted"), ada
        assert "CD4 off by" in ada[10] and "B off by" in ada[10]
        ben_treated = by[("Ben", "Treated: alemtuzumab")]
        assert (
            ben_treated[2] == "7"
            and ben_treated[3] == str(ben_day)
            and ben_treated[5].split()[0] == ben_relapses
        )
        assert ben_treated[10] == "-"  # Ben made no prediction
        assert ("Ben", "Untreated") in by
        # the class curves: both students' treated patients, Ben's untreated twin
        summary = shown(teacher, ".msim-teacher-curve-text")
        assert re.search(r"treated: \d of 2 patients relapsed", summary), summary
        assert re.search(r"untreated: \d of 1 patient relapsed", summary), summary
        img = teacher.locator(".msim-teacher-curve img")
        assert img.get_attribute("alt") == summary
        assert (
            teacher.evaluate("() => document.querySelector('.msim-teacher-curve img').naturalWidth")
            > 300
        )
        spread = teacher.locator(".msim-teacher-spread")
        expect(spread).to_contain_text("disease activity")
        assert spread.locator("tbody tr").first.locator("td").first.inner_text() == "2"
        # the table as CSV
        with teacher.expect_download() as info:
            teacher.get_by_role("button", name="Table as CSV").click()
        got = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
        assert [(r["student"], r["role"]) for r in got] == [
            ("Ada L.", "treated"),
            ("Ben", "treated"),
            ("Ben", "untreated"),
        ]
        assert not violations(teacher), violations(teacher)
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        teacher.set_viewport_size({"width": 1200, "height": 1250})  # the page scrolls inside
        teacher.screenshot(path=str(SHOT))
        # this browser gave the token: a reload without it goes straight in
        teacher.msim_goto("teacher")
        expect(teacher.locator(".msim-teacher-table tbody tr")).to_have_count(3)

        # the printed address opens the summary in a browser that never typed the token
        late = _page(browser, page.msim_server)
        other = next(late)
        try:
            other.msim_goto(f"teacher?token={token}")
            expect(other.locator(".msim-teacher-table tbody tr")).to_have_count(3)
            other.msim_assert_clean()
        finally:
            late.close()
        for pg in (page, ben, teacher):
            pg.msim_assert_clean()
    finally:
        for g in students:
            g.close()
