"""Serving a class (``make class``): the class password, the class limits on uploads and what
happens to a tab whose connection drops.

These use ``class_page``: a second server started with ``CLASS_ENV`` (a password, small limits
and a 10-second grace period for dropped tabs), so the everyday tests keep a server without them.
"""

from __future__ import annotations

import json
import time
import urllib.request

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


# Keeps every websocket the page opens; once window.__msimBlock is set, new ones go nowhere.
SOCKETS = """
(() => {
  const Real = window.WebSocket;
  window.__msimSockets = [];
  window.WebSocket = function (url, protocols) {
    const ws = new Real(window.__msimBlock ? 'ws://127.0.0.1:9/' : url, protocols);
    window.__msimSockets.push(ws);
    return ws;
  };
  window.WebSocket.prototype = Real.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""
DROP = """(block) => {
  window.__msimBlock = block;
  let n = 0;
  for (const ws of window.__msimSockets) if (ws.readyState === 1) { ws.close(); n++; }
  return n;
}"""


def kernels(page: Page) -> dict:
    """Solara's count of kernels (one per tab), from its /resourcez page."""
    with urllib.request.urlopen(page.msim_server.url + "resourcez", timeout=10) as resp:
        return json.load(resp)["kernels"]


def test_a_dropped_connection_gets_its_run_back_and_is_freed_after_the_grace(
    class_page: Page,
) -> None:
    page = class_page
    page.add_init_script(SOCKETS)
    open_class(page)
    page.click(".msim-step-week")
    expect(page.locator(".msim-day")).to_have_text("7")
    # a wifi blip: the connection drops and the page reconnects to its run, day 7 and all
    assert page.evaluate(DROP, False) >= 1
    page.click(".msim-step")
    expect(page.locator(".msim-day")).to_have_text("8", timeout=30_000)
    page.msim_assert_clean()
    # a laptop lid: the connection drops for good; the tab's kernel (and model) outlives the
    # drop for the grace period and is freed after it
    kept = kernels(page)["has_disconnected"]
    assert page.evaluate(DROP, True) >= 1
    dropped = time.monotonic()
    deadline = dropped + page.msim_grace_s + 30
    while kernels(page)["has_disconnected"] == kept and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kernels(page)["has_disconnected"] == kept + 1, "the server never saw the drop"
    time.sleep(max(0.0, dropped + page.msim_grace_s - 2 - time.monotonic()))
    assert kernels(page)["has_disconnected"] == kept + 1, "freed before the grace period ended"
    while kernels(page)["has_disconnected"] > kept and time.monotonic() < deadline:
        time.sleep(0.5)
    freed_after = time.monotonic() - dropped
    assert kernels(page)["has_disconnected"] == kept, "the dropped tab was never freed"
    assert freed_after >= page.msim_grace_s - 1, f"freed after {freed_after:.1f} s"


def test_a_tab_keeps_playing_beside_the_heaviest_allowed_scenario(
    class_page: Page, browser
) -> None:
    """No timing targets here (bench/heavy_neighbour.py measures): tab B keeps moving while
    tab A plays the heaviest scenario the class limits allow at the fastest speed."""
    a = class_page
    open_class(a)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        b = context.new_page()
        b.goto(a.msim_server.url)
        enter_password(b, a.msim_password)
        expect(b.locator(".msim-day")).to_have_text("0", timeout=60_000)
        heavy = "\n".join(
            [
                'name = "Heaviest allowed"',
                "[grid]\nwidth = 80\nheight = 80",
                "[antibody]\nparticles_per_mg = 2000\nhalf_life_days = 100",
                *(f"[cells.{k}]\nbaseline = 2000" for k in ("cd4", "cd8", "b_cells", "treg", "nk")),
            ]
        ).encode()
        a.set_input_files(".msim-upload-input", files=[
            {"name": "heaviest.toml", "mimeType": "text/plain", "buffer": heavy}])  # fmt: skip
        expect(a.locator(".msim-upload-errors")).to_have_count(0)
        a.select_option(".msim-speed", "fastest")
        b.click(".msim-play")
        a.click(".msim-play")
        a.wait_for_function("() => +document.querySelector('.msim-day').textContent >= 100")
        start = int(b.locator(".msim-day").inner_text())
        b.wait_for_function(
            f"() => +document.querySelector('.msim-day').textContent >= {start + 30}",
            timeout=30_000,
        )
        a_day = int(a.locator(".msim-day").inner_text())
        a.wait_for_function(f"() => +document.querySelector('.msim-day').textContent > {a_day}")
        a.click(".msim-play")
        b.click(".msim-play")
    finally:
        context.close()
    a.msim_assert_clean()
