"""Properties that hold for any valid parameters and seed."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.agents import BLOOD
from model.model import MSModel
from tests.conftest import small_scenario

params = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "disease.flare_rate": st.floats(0, 20),
        "disease.attack_damage": st.floats(0, 1),
        "disease.diffusion": st.floats(0, 0.25),
        "disease.repair_rate": st.floats(0, 1),
        "antibody.particles_per_mg": st.floats(0, 200),
        "cells.cd4.homeostatic_rate": st.floats(0, 1),
        "repopulation.baff_gain": st.floats(0, 10),
        "start": st.integers(20, 40),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params)
def test_state_stays_valid(p):
    seed, start = p.pop("seed"), p.pop("start")
    sc = small_scenario(
        **p, **{"run.days": 90, "dosing.courses": [{"start_day": start, "days": 3}]}
    )
    model = MSModel(sc, seed=seed)
    for _ in range(90):
        model.step()
        obs = model.observation
        for key in ("cd4", "cd8", "b_cells", "treg", "nk", "antibody", "tissue_cells"):
            assert obs[key] >= 0
        integ = model.grid.integrity.data
        assert np.all((integ >= 0) & (integ <= 1))
        assert np.all(model.grid.inflammation.data >= 0)
        assert np.all(model.grid.scar.data <= 1 - integ + 1e-9)
    for table in (model.lymphocytes, model.particles):
        rows = table.rows()
        inside = rows[table.x[rows] != BLOOD]
        assert np.all((table.x[inside] >= 0) & (table.x[inside] < sc.grid.width))
        assert np.all((table.y[inside] >= 0) & (table.y[inside] < sc.grid.height))
        assert np.unique(table.uid[rows]).size == rows.size  # no two live agents share an id
        assert table.n_free + rows.size == table.alive.size  # every row free or alive
        assert not table.alive[table.free[: table.n_free]].any()  # and free rows are dead
