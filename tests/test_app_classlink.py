"""Class links (msim_app/classlink.py): what a link carries comes back exactly, and every bad,
tampered or outside-reaching link is refused with a reason."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import urlencode

import pytest

from msim_app import classlink
from msim_app.classlink import LinkError, LinkState, decode, encode, scenario_of


def with_sum(pairs: list[tuple[str, str]]) -> str:
    return urlencode([*pairs, ("sum", classlink._checksum(pairs))])


def test_a_link_carries_the_lesson_state_back_exactly() -> None:
    state = LinkState(
        scenario="one-course",
        seed=123,
        day=400,
        speed="fastest",
        compare=True,
        locked=frozenset({"seed", "speed"}),
        hidden=frozenset({"sliders"}),
    )
    assert decode(encode(state)) == state
    scenario, source = scenario_of(state)
    assert source == "one-course" and scenario.run.seed == 123


def test_an_embedded_scenario_is_validated_and_kept() -> None:
    toml = 'name = "Class scenario"\n[run]\ndays = 500\n'
    state = decode(encode(LinkState(toml=toml, seed=5)))
    scenario, source = scenario_of(state)
    assert source == "Class scenario" and scenario.run.days == 500


def test_no_query_is_no_link() -> None:
    assert decode("") is None


@pytest.mark.parametrize(
    "name", ["../scenarios/two-courses", "/etc/passwd", "two-courses.toml", "TWO-COURSES", "nope"]
)
def test_a_scenario_name_outside_the_shipped_files_is_refused(name: str) -> None:
    with pytest.raises(LinkError, match="there is no scenario"):
        decode(with_sum([("scenario", name)]))


def test_an_edited_link_fails_its_checksum() -> None:
    good = encode(LinkState(scenario="untreated", seed=1, locked=frozenset({"seed"})))
    for bad in (good.replace("seed=1", "seed=2"), good.replace("&lock=seed", ""), good[:-3]):
        with pytest.raises(LinkError, match="checksum"):
            decode(bad)


@pytest.mark.parametrize(
    ("pairs", "why"),
    [
        ([("scenario", "untreated"), ("seed", "-1")], "seed"),
        ([("scenario", "untreated"), ("day", "1e9")], "day"),
        ([("scenario", "untreated"), ("speed", "warp")], "speed"),
        ([("scenario", "untreated"), ("lock", "everything")], "unknown control"),
        ([("scenario", "untreated"), ("scenario", "mild")], "given twice"),
        ([("seed", "3")], "one scenario"),
        ([("toml", "!!!")], "not readable"),
    ],
)
def test_bad_values_are_refused_with_a_reason(pairs: list[tuple[str, str]], why: str) -> None:
    with pytest.raises(LinkError, match=why):
        decode(with_sum(pairs))


def test_an_embedded_scenario_that_unpacks_past_1_mb_is_refused() -> None:
    bomb = base64.urlsafe_b64encode(zlib.compress(b"#" * 3_000_000, 9)).decode().rstrip("=")
    with pytest.raises(LinkError, match="over 1 MB"):
        decode(with_sum([("toml", bomb)]))


def test_a_start_day_past_the_end_is_refused() -> None:
    with pytest.raises(LinkError, match="past the scenario's end"):
        scenario_of(LinkState(scenario="first-look", day=36_000))
