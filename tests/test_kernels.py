"""The compiled per-cell loops (model/kernels.py): they draw numpy's streams in numpy's order,
and each does what its process says."""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy import ndimage

from model import kernels
from model.agents import BLOOD
from model.model import moore_neighbours


@njit
def _one_by_one(rng, n):
    """Each of the generator methods the kernels use, called once per value."""
    out = np.empty((7, n))
    for i in range(n):
        out[0, i] = rng.random()
    for i in range(n):
        out[1, i] = rng.integers(0, 37)
    for i in range(n):
        out[2, i] = rng.poisson(0.5 + i % 40)
    for i in range(n):
        out[3, i] = rng.binomial(1200 - i, 0.001 * (1 + i % 300))
    for i in range(n):
        out[4, i] = rng.geometric(1 / 7)
    for i in range(n):
        out[5, i] = rng.lognormal(0.0, 0.3)
    for i in range(n):
        out[6, i] = rng.exponential()
    return out


def test_compiled_draws_are_numpys_streams_value_for_value():
    n = 500
    compiled = _one_by_one(np.random.default_rng(11), n)
    rng = np.random.default_rng(11)
    i = np.arange(n)
    expected = [
        rng.random(n),
        rng.integers(0, 37, n),
        rng.poisson(0.5 + i % 40),
        rng.binomial(1200 - i, 0.001 * (1 + i % 300)),
        rng.geometric(1 / 7, n),
        rng.lognormal(0.0, 0.3, n),
        rng.exponential(size=n),
    ]
    for row, values in zip(compiled, expected, strict=True):
        np.testing.assert_array_equal(row, values)


def test_age_and_death_spare_the_immortal_and_take_the_doomed():
    alive = np.array([True, True, False, True])
    age = np.array([5, 0, 9, 1], dtype=np.int32)
    activated = np.array([2, 0, 1, 0], dtype=np.int16)
    kind = np.array([0, 1, 0, 2], dtype=np.int8)
    memory = np.array([False, False, False, True])
    death_p = np.array([0.0, 1.0, 0.0, 0.0, 0.0])  # kind 1 always dies
    resident = np.array([True, False, False, False])
    u = np.full(3, 0.5)  # one draw per live cell
    free, n_free = np.array([2, -1, -1, -1]), 1  # row 2 was free already
    n_free, counts, residents = kernels.age_and_die(
        alive, age, activated, kind, memory, resident, death_p, 1.0, 2, u, free, n_free
    )
    # row 1 by its kind, row 3 as a memory B cell (kind 2) with its own probability 1
    assert free[:n_free].tolist() == [2, 1, 3] and alive.tolist() == [True, False, False, False]
    assert counts.tolist() == [1, 0, 0, 0, 0] and residents == 1
    assert age.tolist() == [6, 1, 10, 2] and activated.tolist() == [1, 0, 0, 0]


def test_migration_steps_to_a_neighbour_and_activated_cells_climb_the_gradient():
    width = height = 5
    neighbours = moore_neighbours(width, height)
    inflammation = np.zeros(width * height)
    inflammation[3 * height + 3] = 1.0  # one inflamed site, diagonal to (2, 2)
    alive = np.ones(3, dtype=bool)
    x = np.array([2, 2, BLOOD], dtype=np.int16)
    y = np.array([2, 2, BLOOD], dtype=np.int16)
    activated = np.array([3, 0, 0], dtype=np.int16)
    kind = np.zeros(3, dtype=np.int8)
    kernels.migrate(
        alive, kind, x, y, activated, 1.0, 3, neighbours, inflammation, height,
        np.random.default_rng(8),
    )  # fmt: skip
    assert (x[0], y[0]) == (3, 3)  # activated: up the gradient
    # resting: the random step the array code drew (after two cells' tie-breaking noise)
    rng = np.random.default_rng(8)
    rng.random((2, neighbours.shape[1]))
    to = neighbours[2 * height + 2][rng.integers(0, neighbours.shape[1], 2)[1]]
    assert (x[1], y[1]) == (to // height, to % height)
    assert (x[2], y[2]) == (BLOOD, BLOOD)  # blood cells do not migrate


def test_the_box_mean_is_scipys_uniform_filter_value_for_value():
    rng = np.random.default_rng(3)
    for shape in ((60, 60), (7, 3), (1, 5)):
        field = rng.random(shape) * (rng.random(shape) < 0.3) * 40.0
        for nearest, mode in ((True, "nearest"), (False, "constant")):
            expected = ndimage.uniform_filter(field, 3, mode=mode)
            np.testing.assert_array_equal(kernels.box_mean(field, nearest), expected)


def _renewed_table(capacity: int) -> tuple[dict, int]:
    """A table of 1,000 live blood cells in ``capacity`` rows, renewed for one day with about
    400 births and divisions: the table's columns afterwards, and how often it had to grow."""
    from model.agents import lymphocyte_table

    table = lymphocyte_table()
    table.reserve(capacity - table.alive.size)
    kinds = np.arange(1000) % 5
    table.add(1000, kind=kinds, cd52=1.0, aggression=1.0, autoreactive=kinds < 2, x=BLOOD, y=BLOOD)
    rng, drawn, grew = np.random.default_rng(5), np.empty((3, 5), np.int64), 0
    rate, counts = np.full(5, 40.0), np.bincount(kinds).astype(np.int64)
    for counted in (False, True):
        n_free, born, short = kernels.renew(
            table.arrays(), table.free, table.n_free, table.born, rate, counts,
            np.full(5, 0.1), np.full(5, 0.1), drawn, counted, np.ones(5), np.ones(5),
            np.full(5, 0.2), 0.1, 0.3, 1, 2.0, 0.5, 1.5, 1, rng,
        )  # fmt: skip
        if not short:
            break
        table.reserve(short)
        grew += 1
    table.taken(n_free, born)
    return {name: getattr(table, name).copy() for name in (*table.columns, "alive")}, grew


def test_a_day_that_needs_more_rows_than_are_free_gives_the_cells_a_roomy_table_gives():
    """Renewal draws the day's counts, finds too few free rows, lets the table grow and goes
    on from the counts it drew: the same cells in the same rows as a table with room."""
    tight, grew = _renewed_table(1024)
    roomy, _ = _renewed_table(8192)
    assert grew == 1 and tight["alive"].sum() > 1024  # it had to grow
    for name, column in tight.items():
        np.testing.assert_array_equal(column, roomy[name][: column.size], err_msg=name)
    assert not roomy["alive"][tight["alive"].size :].any()


def test_the_kernels_column_positions_are_the_lymphocyte_tables():
    from model.agents import lymphocyte_table

    names = [*lymphocyte_table().columns, "alive"]
    for name, at in [(n, getattr(kernels, n.upper())) for n in names]:
        assert names[at] == name
