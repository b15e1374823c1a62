"""Shared helpers: small scenarios that run in well under a second."""

from __future__ import annotations

import pytest

from model.scenario import Scenario


def small_scenario(**overrides) -> Scenario:
    """A 24x24 patient with fewer cells, for process tests that need many steps quickly."""
    base = {
        "grid.width": 24,
        "grid.height": 24,
        "grid.vessels": 6,
        "run.days": 200,
        "run.baseline_days": 20,
        "run.burn_in_years": 0.0,
        "dosing.courses": [{"start_day": 20, "days": 5, "dose_mg": 12.0}],
        "antibody.particles_per_mg": 40.0,
        "cells.cd4.baseline": 240,
        "cells.cd8.baseline": 110,
        "cells.b_cells.baseline": 100,
        "cells.treg.baseline": 25,
        "cells.nk.baseline": 60,
    }
    base.update(overrides)
    return Scenario(name="small").with_overrides(base)


@pytest.fixture
def small() -> Scenario:
    return small_scenario()
