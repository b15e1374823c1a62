"""Serving a class (``make class``): the class password and the class limits on uploads.

These use ``class_page``: a second server started with ``CLASS_ENV`` (a password and small
limits), so the everyday tests keep a server without them.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect


def enter_password(page: Page, text: str) -> None:
    field = page.locator(".msim-password-input input")
    field.fill(text)
    field.press("Enter")


def open_class(page: Page) -> None:
    page.msim_goto()
    expect(page.locator(".msim-password-input")).to_be_visible(timeout=60_000)
    enter_password(page, page.msim_password)
    expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)


def test_the_class_password_keeps_a_page_out(class_page: Page) -> None:
    page = class_page
    password = page.msim_password
    page.msim_goto()
    expect(page.locator(".msim-password-input")).to_be_visible(timeout=60_000)
    # no model, no stage, no side panel until the password is given
    expect(page.locator(".msim-stage")).to_have_count(0)
    expect(page.locator(".msim-scenario-select")).to_have_count(0)
    assert password not in page.url
    enter_password(page, "not-the-password")
    expect(page.locator(".msim-password-error")).to_be_visible()
    expect(page.locator(".msim-stage")).to_have_count(0)
    # the right one, with the button this time
    page.locator(".msim-password-input input").fill(password)
    page.click(".msim-password-submit")
    expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)
    assert password not in page.url
    page.click(".msim-step")
    expect(page.locator(".msim-day")).to_have_text("1")
    # this browser gave it: a reload goes straight to the app
    page.reload()
    page.msim_wait_ready()
    expect(page.locator(".msim-day")).to_have_text("0", timeout=60_000)
    expect(page.locator(".msim-password-input")).to_have_count(0)
    page.msim_assert_clean()


def test_an_upload_over_the_class_limits_is_refused(class_page: Page) -> None:
    page = class_page
    open_class(page)
    page.click(".msim-step-week")
    expect(page.locator(".msim-day")).to_have_text("7")
    errors = page.locator(".msim-upload-errors")
    big = b'name = "Too big"\n[grid]\nwidth = 120\nheight = 60\n[cells.cd4]\nbaseline = 9000\n'
    page.set_input_files(".msim-upload-input", files=[
        {"name": "too-big.toml", "mimeType": "text/plain", "buffer": big}])  # fmt: skip
    expect(errors).to_contain_text("too-big.toml")
    expect(errors).to_contain_text("class server's limits")
    expect(errors).to_contain_text("grid.width is 120 sites")
    expect(errors).to_contain_text("at most 80")
    expect(errors).to_contain_text("MSIM_CLASS_MAX_GRID")
    expect(errors).to_contain_text("cells.cd4.baseline is 9,000 cells")
    expect(errors).to_contain_text("at most 2,000 cells per kind")
    expect(page.locator(".msim-day")).to_have_text("7")  # the running model is unchanged
    long = b'name = "Too long"\n[run]\ndays = 5000\n'
    page.set_input_files(".msim-upload-input", files=[
        {"name": "too-long.toml", "mimeType": "text/plain", "buffer": long}])  # fmt: skip
    expect(errors).to_contain_text("run.days is 5,000 days")
    expect(errors).to_contain_text("MSIM_CLASS_MAX_DAYS")
    expect(page.locator(".msim-day")).to_have_text("7")
    # within the limits it loads as usual
    ok = b'name = "Within"\n[grid]\nwidth = 80\nheight = 80\n[run]\ndays = 3650\n'
    page.set_input_files(".msim-upload-input", files=[
        {"name": "within.toml", "mimeType": "text/plain", "buffer": ok}])  # fmt: skip
    expect(errors).to_have_count(0)
    expect(page.locator(".msim-day")).to_have_text("0")
    page.msim_assert_clean()
