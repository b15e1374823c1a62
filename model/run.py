"""The one run function every face uses: scenario in, recorded data out.

``simulate`` builds an :class:`MSModel`, steps it day by day, records each day's observation
and returns tables and a summary. It writes no files: ``msim run`` and ``msim batch`` write, the
app draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.metrics import summarise
from model.model import MSModel
from model.scenario import Scenario

TIMESERIES_COLUMNS = (
    "day",
    "cd4",
    "cd8",
    "b_cells",
    "treg",
    "nk",
    "tissue_cells",
    "antibody",
    "myelin_integrity",
    "lesion_area",
    "active_lesions",
    "chronic_lesion_area",
    "inflammation",
    "relapse_active",
    "mean_aggression",
    "autoreactive_share",
    "treg_share",
    "infection_risk",
    "baff",
    "progenitor_output",
)
INTEGER_COLUMNS = (  # counts and flags, written without decimals
    "day",
    "cd4",
    "cd8",
    "b_cells",
    "treg",
    "nk",
    "tissue_cells",
    "antibody",
    "active_lesions",
    "relapse_active",
    "progenitor_output",
)
EVENT_COLUMNS = ("day", "kind", "detail")


class Recorder:
    """Collects one row per simulated day in a preallocated array (cheap enough for Play)."""

    def __init__(self, days: int):
        self._rows = np.zeros((max(days, 1), len(TIMESERIES_COLUMNS)))
        self.n = 0

    def append(self, observation: dict[str, float]) -> None:
        if self.n == len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
        self._rows[self.n] = [observation[c] for c in TIMESERIES_COLUMNS]
        self.n += 1

    def column(self, name: str) -> np.ndarray:
        return self._rows[: self.n, TIMESERIES_COLUMNS.index(name)]

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self._rows[: self.n], columns=list(TIMESERIES_COLUMNS))
        for c in INTEGER_COLUMNS:
            df[c] = df[c].astype(np.int64)
        return df


def events_frame(model: MSModel) -> pd.DataFrame:
    return pd.DataFrame(
        [(e.day, e.kind, e.detail) for e in model.events], columns=list(EVENT_COLUMNS)
    )


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    days: int
    timeseries: pd.DataFrame
    events: pd.DataFrame
    summary: dict


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run one virtual patient for ``scenario.run.days`` days."""
    seed = scenario.run.seed if seed is None else seed
    model = MSModel(scenario, seed=seed)
    days = scenario.run.days
    rec = Recorder(days)
    for day in range(days):
        model.step()
        rec.append(model.observation)
        if progress is not None:
            progress(day + 1, days)
    ts, ev = rec.frame(), events_frame(model)
    return RunResult(scenario, seed, days, ts, ev, summarise(scenario, seed, ts, ev, model))
