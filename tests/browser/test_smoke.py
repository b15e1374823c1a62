"""The app's page loads in Chromium without errors and without leaving 127.0.0.1."""


def test_page_loads_cleanly(page):
    page.msim_goto()
    page.wait_for_timeout(2000)  # let late widgets (figures, markdown, fonts) load
    assert page.locator(".solara-content-main").is_visible()
    page.msim_assert_clean()
