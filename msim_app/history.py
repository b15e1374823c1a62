"""What one simulated patient has done so far, kept for the charts, the CSV and the counters.

The model's own :class:`~model.run.Recorder` keeps the day-by-day observations (the same columns
``msim run`` writes to timeseries.csv). Beside it this keeps the few chart columns as float32
rows, so each frame sends only the rows the browser has not seen yet: charts grow point by point
instead of being rebuilt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.agents import Kind
from model.metrics import YEAR
from model.model import MSModel
from model.run import Recorder

CHART_COLUMNS = (
    "day", "cd4_pct", "cd8_pct", "b_cells_pct", "treg_pct", "nk_pct",
    "lesion_pct", "active_lesion_pct", "antibody", "relapses", "relapse_active",
)  # fmt: skip
KIND_KEYS = ("cd4", "cd8", "b_cells", "treg", "nk")


class History:
    """Day-by-day record of one arm, with counters for relapses, doses and lesions."""

    def __init__(self, model: MSModel):
        self.baseline_days = model.params.run.baseline_days
        self.recorder = Recorder(model.params.run.days)
        self.base = np.maximum(np.array([model.base[k] for k in Kind]), 1.0)
        self.rows = np.zeros((max(model.params.run.days, 1), len(CHART_COLUMNS)), np.float32)
        self.n = 0
        self.onsets: list[int] = []
        self.doses: list[int] = []
        self.new_lesions = 0
        self._events_seen = 0

    def record(self, model: MSModel) -> None:
        """Take the observation and events of the day just simulated."""
        obs = model.observation
        self.recorder.append(obs)
        for event in model.events[self._events_seen :]:
            if event.kind == "relapse_start":
                self.onsets.append(event.day)
            elif event.kind == "dose":
                self.doses.append(event.day)
            elif event.kind == "new_lesion":
                self.new_lesions += 1
        self._events_seen = len(model.events)
        if self.n == len(self.rows):
            self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
        counts = np.array([obs[k] for k in KIND_KEYS])
        chronic = obs["chronic_lesion_area"]
        self.rows[self.n] = (
            obs["day"],
            *(100.0 * counts / self.base),
            100.0 * obs["lesion_area"],
            100.0 * max(obs["lesion_area"] - chronic, 0.0),
            obs["antibody"],
            len(self.onsets),
            obs["relapse_active"],
        )
        self.n += 1

    @property
    def relapses(self) -> int:
        """Relapses that have begun so far (run-in included)."""
        return len(self.onsets)

    def arr(self, day: int) -> float | None:
        """Annualised relapse rate since the end of the run-in, as ``msim run`` counts it."""
        follow = day - self.baseline_days
        if follow < 30:
            return None
        return sum(1 for d in self.onsets if d >= self.baseline_days) / (follow / YEAR)

    def lesion_pct(self) -> float:
        return float(self.rows[self.n - 1, 6]) if self.n else 0.0

    def frame(self) -> pd.DataFrame:
        return self.recorder.frame()
