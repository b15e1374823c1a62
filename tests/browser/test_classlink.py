"""Class links in a real browser: a teacher's link opens the same view with its locks for a
student, and a bad or tampered link says so and opens the default page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from model.scenario import Scenario
from msim_app.classlink import LinkState, encode
from tests.browser.test_app import open_app, step

LINK = re.compile(r"^http://127\.0\.0\.1:\d+/\?.*sum=")
STATUS = (".msim-day", ".msim-relapses", ".msim-lesion", ".msim-edss", ".msim-infections")


def status(page: Page) -> dict[str, str]:
    return {css: page.locator(css).inner_text() for css in STATUS}


def make_link(page: Page, modes: dict[str, str]) -> str:
    page.locator(".msim-link-section > summary").click()
    for name, mode in modes.items():
        page.select_option(f".msim-link-mode-{name}", mode)
    page.click(".msim-copy-link")
    expect(page.locator(".msim-link")).to_have_value(LINK, timeout=10_000)
    return page.locator(".msim-link").input_value()


def test_a_class_link_reproduces_the_view_and_its_locks(browser, page: Page) -> None:
    open_app(page)
    page.locator(".msim-compare-toggle input").check(force=True)
    expect(page.locator(".msim-view-untreated")).to_be_visible(timeout=60_000)
    seed = page.locator(".msim-seed input")
    seed.fill("4242")
    seed.press("Enter")
    expect(page.locator(".msim-compare-toggle input")).to_be_checked(timeout=30_000)
    page.select_option(".msim-speed", "faster")
    for _ in range(3):
        step(page, 7)
    teacher = status(page)
    link = make_link(
        page,
        {"scenario": "locked", "seed": "locked", "sliders": "hidden", "speed": "locked",
         "course": "hidden"},
    )  # fmt: skip
    assert "speed=faster" in link, link
    student = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        student.goto(link)
        expect(student.locator(".msim-day")).to_have_text(teacher[".msim-day"], timeout=60_000)
        assert status(student) == teacher
        expect(student.locator(".msim-view-untreated")).to_be_visible(timeout=30_000)
        expect(student.locator(".msim-seed-fixed")).to_contain_text("4242")
        expect(student.locator(".msim-scenario-fixed")).to_be_visible()
        for gone in (".msim-seed input", ".msim-scenario-select", ".msim-upload-input",
                     "[role=slider]", ".msim-give-course", ".msim-link-section"):  # fmt: skip
            expect(student.locator(gone)).to_have_count(0)
        expect(student.locator(".msim-speed")).to_be_disabled()
        expect(student.locator(".msim-speed")).to_have_value("faster")
        # the untreated switch was left free
        expect(student.locator(".msim-compare-toggle input")).to_be_checked()
        expect(student.locator(".msim-link-error")).to_have_count(0)
    finally:
        student.close()
    page.msim_assert_clean()


def test_an_edited_scenario_travels_embedded_in_the_link(browser, page: Page) -> None:
    open_app(page)
    slider = page.locator(".msim-slider-disease-flare_rate")
    slider.locator("[role=slider]").focus()
    page.keyboard.press("ArrowRight")
    edited = Scenario().disease.flare_rate + 0.1  # one step up from the default
    expect(slider.locator(".v-label")).to_contain_text(f"{edited:.1f} per year")
    step(page, 7)
    link = make_link(page, {"sliders": "locked"})
    assert "toml=" in link and "scenario=" not in link
    student = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        student.goto(link)
        expect(student.locator(".msim-day")).to_have_text("7", timeout=60_000)
        expect(student.locator(".msim-sliders-fixed")).to_be_visible()
        assert status(student) == status(page)
    finally:
        student.close()
    page.msim_assert_clean()


def test_a_tampered_link_shows_a_message_and_the_default_page(page: Page) -> None:
    good = encode(LinkState(scenario="untreated", seed=99, day=30, locked=frozenset({"seed"})))
    tampered = good.replace("seed=99", "seed=98")
    outside = encode(LinkState(scenario="../../../etc/passwd", seed=1))  # a valid checksum
    for query, why in (
        (tampered, "changed or cut short"),
        (outside, "there is no scenario '../../../etc/passwd'"),
        ("scenario=two-courses&evil=1", "unknown part 'evil'"),
        (encode(LinkState(toml='name = "x"\n[grid]\nwidth = -3\n')), "not valid"),
    ):
        page.msim_goto("?" + query)
        expect(page.locator(".msim-link-error")).to_contain_text("could not be used")
        expect(page.locator(".msim-link-error")).to_contain_text(why)
        expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)
        expect(page.locator(".msim-seed input")).to_be_editable()  # nothing locked
    page.msim_assert_clean()
