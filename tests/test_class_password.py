"""The class password limits wrong guesses: per browser (5 free, then waits that double) and
for the whole server (60 wrong a minute from anywhere), without locking out students already in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from msim_app import classroom

SECRET = "lilac-42"


class Browsers:
    """Which browser (Solara session id) is asking, and a clock to move by hand."""

    def __init__(self) -> None:
        self.current = "browser-a"
        self.now = 1000.0

    def try_as(self, browser: str, given: str) -> bool:
        self.current = browser
        return classroom.unlock(given)


@pytest.fixture
def browsers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browsers]:
    b = Browsers()
    monkeypatch.setenv(classroom.ENV_PASSWORD, SECRET)
    monkeypatch.setattr(classroom, "_session_id", lambda: b.current)
    monkeypatch.setattr(classroom, "_clock", lambda: b.now)
    monkeypatch.setattr(classroom, "_tries", {})
    monkeypatch.setattr(classroom, "_unlocked", set())
    monkeypatch.setattr(classroom, "_recent_wrong", type(classroom._recent_wrong)())
    yield b


def test_five_wrong_passwords_make_a_browser_wait_even_with_the_right_one(
    browsers: Browsers,
) -> None:
    for _ in range(classroom.FREE_TRIES):
        assert not browsers.try_as("a", "guess")
    assert classroom.wait_s() == pytest.approx(30)
    assert not browsers.try_as("a", SECRET), "the right password went through during the wait"
    assert not classroom.is_unlocked()
    assert browsers.try_as("b", SECRET), "another browser has to wait too"
    browsers.now += 31
    assert browsers.try_as("a", SECRET)
    assert classroom.is_unlocked()


def test_each_further_wrong_password_doubles_the_wait_up_to_ten_minutes(
    browsers: Browsers,
) -> None:
    waits = []
    for _ in range(classroom.FREE_TRIES + 6):
        browsers.now += 1_000  # past any wait
        browsers.try_as("a", "guess")
        waits.append(round(classroom.wait_s()))
    assert waits[: classroom.FREE_TRIES - 1] == [0] * (classroom.FREE_TRIES - 1)
    assert waits[classroom.FREE_TRIES - 1 :] == [30, 60, 120, 240, 480, 600, 600]


def test_many_wrong_passwords_from_new_browsers_hold_back_the_rest_but_not_those_in(
    browsers: Browsers,
) -> None:
    assert browsers.try_as("student", SECRET)
    for i in range(classroom.SERVER_WRONG_PER_MINUTE):  # a script, a new session each guess
        browsers.now += 0.5
        assert not browsers.try_as(f"script-{i}", "guess")
    assert not browsers.try_as("late-student", SECRET)
    browsers.current = "student"
    assert classroom.is_unlocked(), "a student already in was locked out"
    browsers.now += 61
    assert browsers.try_as("late-student", SECRET)
