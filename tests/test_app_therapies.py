"""The page's comparison with a chosen drug, and the MRI scans it marks, from the recorded data."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from model.scenario import load_scenario
from msim_app import classlink
from msim_app.classlink import LinkError, LinkState, decode, encode
from msim_app.session import Session
from msim_app.therapies import comparators

SCENARIO = "scenarios/two-courses.toml"


class Stub:
    """A stage that keeps what the session sends."""

    playing = False

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, content: dict, buffers: list | None = None) -> None:
        self.sent.append(content)

    def arms(self) -> list[dict]:
        """Every arm summary sent in frames so far, frame by frame."""
        out = []
        for c in self.sent:
            if c["method"] == "frame":
                out.append(c["args"][0]["arms"])
            elif c["method"] == "frames":
                out += [h["arms"] for h in c["args"][0]]
        return out


def test_scans_sent_to_the_page_are_the_recorded_scans_once_each() -> None:
    session = Session(load_scenario(SCENARIO))
    stage = Stub()
    session.attach(stage)
    for _ in range(8):
        session.step(100)  # 800 days: the baseline scan and two yearly ones
    scans = session.arms[0].sim.scans
    recorded = [(s.day, s.new_or_enlarging_lesions, s.enhancing_lesions) for s in scans]
    sent = [tuple(scan) for frame in stage.arms() for scan in frame[0]["scans"]]
    assert len(recorded) >= 3
    assert sent == recorded
    assert session.arms[0].history.scans == recorded


def test_a_redrawn_view_resends_every_scan() -> None:
    session = Session(load_scenario(SCENARIO))
    session.advance(100)
    stage = Stub()
    session.attach(stage)
    session.push_setup()
    sent = [s[0] for s in stage.arms()[-1][0]["scans"]]
    assert sent == [s.day for s in session.arms[0].sim.scans]


def test_the_comparator_is_every_registry_drug_but_alemtuzumab() -> None:
    names = [n for n, _ in comparators()]
    assert "alemtuzumab" not in names
    assert {"interferon-beta-1a", "ocrelizumab", "natalizumab", "cladribine"} <= set(names)


def test_choosing_a_comparator_adds_a_labelled_third_arm_that_catches_up() -> None:
    session = Session(load_scenario(SCENARIO))
    session.advance(30)
    session.set_comparator("interferon-beta-1a")
    assert session.compare
    assert [a.label for a in session.arms] == [
        "Treated: alemtuzumab",
        "Untreated",
        "Interferon beta-1a",
    ]
    assert {a.day for a in session.arms} == {30}
    session.advance(760)  # past both alemtuzumab courses: two years of injections
    alem, untreated, ifn = (a.summary()["dose_days"] for a in session.arms)
    assert (alem, untreated) == (8, 0)
    assert ifn > 250  # three times a week for two years


def test_an_unknown_comparator_is_refused_and_changes_nothing() -> None:
    session = Session(load_scenario(SCENARIO))
    with pytest.raises(ValueError):
        session.set_comparator("alemtuzumab")
    assert len(session.arms) == 1 and session.comparator is None


def test_no_comparator_drops_the_third_arm_and_keeps_the_twin() -> None:
    session = Session(load_scenario(SCENARIO))
    session.set_comparator("ocrelizumab")
    session.set_comparator(None)
    assert [a.label for a in session.arms] == ["Treated: alemtuzumab", "Untreated"]


def test_a_class_link_carries_the_comparator_and_refuses_an_unknown_one() -> None:
    state = LinkState(scenario="two-courses", compare=True, drug="natalizumab")
    assert decode(encode(state)) == state
    pairs = [("scenario", "two-courses"), ("compare", "1"), ("drug", "aspirin")]
    with pytest.raises(LinkError, match="no comparator drug 'aspirin'"):
        decode(urlencode([*pairs, ("sum", classlink._checksum(pairs))]))
