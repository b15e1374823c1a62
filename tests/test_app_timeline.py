"""Rewind and branch (msim_app/timeline.py): a tab goes back to any day already simulated and
forward again with the same figures, and a branch is the same patient under another choice."""

from __future__ import annotations

import numpy as np
import pytest

from msim_app.session import Session
from msim_app.timeline import SNAPSHOT_DAYS
from tests.conftest import small_scenario


def session(days: int = 400) -> Session:
    sc = small_scenario(
        **{
            "run.days": days,
            "dosing.courses": [{"start_day": 20, "days": 3, "dose_mg": 12.0}],
        }
    )
    return Session(sc, seed=11)


def rows(s: Session, arm: int = 0) -> np.ndarray:
    h = s.arms[arm].history
    return h.rows[: h.n].copy()


def test_going_back_and_forward_again_gives_the_same_figures():
    s = session()
    s.advance(2 * SNAPSHOT_DAYS + 40)
    first = rows(s)
    s.go_to(SNAPSHOT_DAYS + 10)
    assert s.day == SNAPSHOT_DAYS + 10
    np.testing.assert_array_equal(rows(s), first[: SNAPSHOT_DAYS + 10])
    s.go_to(s.furthest)
    np.testing.assert_array_equal(rows(s), first)
    model = s.arms[0].model  # restored from a snapshot without the grid's objects
    assert model.site(2, 2).model is model and model.site(2, 2).describe()["site"] == [2, 2]


def test_a_course_given_before_going_back_is_given_again_on_the_way_forward():
    s = session()
    s.advance(120)
    s.give_course()
    s.advance(100)
    first = rows(s)
    s.go_to(30)
    assert [c.start_day for c in s.given] == [120]
    s.go_to(220)
    np.testing.assert_array_equal(rows(s), first)
    doses = s.arms[0].history.doses
    assert [d for d in doses if d >= 120] == [120, 121, 122]


def test_a_new_choice_after_going_back_replaces_the_old_future():
    s = session()
    s.advance(200)
    s.go_to(100)
    s.give_course()
    assert s.furthest == 100
    s.go_to(200)
    assert s.day == 100  # the old days 101-200 are gone: Play lives them again


def test_a_branch_from_a_day_gone_back_to_is_the_run_that_made_that_choice_there():
    rewound = session()
    rewound.advance(300)
    rewound.go_to(150)
    rewound.branch("switch", "ocrelizumab")
    rewound.advance(150)
    straight = session()
    straight.advance(150)
    straight.branch("switch", "ocrelizumab")
    straight.advance(150)
    assert [a.role for a in rewound.arms] == ["treated", "branch"]
    np.testing.assert_array_equal(rows(rewound, 1), rows(straight, 1))
    np.testing.assert_array_equal(rows(rewound, 0), rows(straight, 0))
    # the same patient: identical up to the branch day, then the B cells part ways
    b = rows(rewound, 1)[:, 3], rows(rewound, 0)[:, 3]
    np.testing.assert_array_equal(b[0][:150], b[1][:150])
    assert b[0][-1] < 0.5 * b[1][-1]


def test_going_back_before_a_branch_began_removes_it_and_keeps_the_twin():
    s = session()
    s.set_compare(True)
    s.advance(120)
    s.branch("stop")
    s.advance(30)
    assert [a.role for a in s.arms] == ["treated", "untreated", "branch"]
    s.go_to(119)
    assert [a.role for a in s.arms] == ["treated", "untreated"]
    assert {a.day for a in s.arms} == {119}


def test_a_branch_with_an_unknown_choice_is_refused_in_plain_words():
    s = session()
    with pytest.raises(ValueError, match="cannot branch"):
        s.branch("switch", "snake-oil")


def test_the_csv_has_every_view_under_its_role_the_branch_too():
    import io

    import pandas as pd

    s = session()
    s.set_compare(True)
    s.set_comparator("ocrelizumab")
    s.advance(60)
    s.branch("stop")
    s.advance(40)
    table = pd.read_csv(io.BytesIO(s.csv_bytes()))
    assert len(table) == 100
    for role in ("untreated", "comparator", "branch"):
        assert f"{role}_cd4" in table.columns
    # the branch is the treated patient until the day it began
    same = table["cd4"].iloc[:60].to_numpy() == table["branch_cd4"].iloc[:60].to_numpy()
    assert same.all()
    assert (table["comparator_b_cells"].iloc[90:] < table["untreated_b_cells"].iloc[90:]).all()
