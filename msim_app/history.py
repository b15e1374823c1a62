"""What one simulated patient has done so far, kept for the charts and the counters.

The simulation's own recorder keeps the day-by-day observations (the columns ``msim run``
writes to timeseries.csv). This derives the few chart columns from those recorded rows, as
float32, so each frame sends only the rows the browser has not seen yet: charts grow point by
point instead of being rebuilt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.calendar import YEAR
from model.kinds import Kind
from model.run import Simulation
from msim_app.news import News

CHART_COLUMNS = (
    "day", "cd4_pct", "cd8_pct", "b_cells_pct", "treg_pct", "nk_pct",
    "lesion_pct", "active_lesion_pct", "antibody", "relapses", "relapse_active",
    "edss", "infections", "edss_read",
)  # fmt: skip
LESION_PCT = CHART_COLUMNS.index("lesion_pct")


class History:
    """Day-by-day chart rows of one arm, with counters for relapses, doses and lesions, and
    its MRI scans."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.baseline_days = sim.scenario.run.baseline_days
        self.base = np.maximum(sim.model.base, 1.0)
        self.rows = np.zeros((max(sim.scenario.run.days, 1), len(CHART_COLUMNS)), np.float32)
        self.n = 0
        self.onsets: list[int] = []
        self.doses: list[int] = []
        self.new_lesions = 0
        self.infections: list[int] = []
        self.scans: list[tuple[int, int, int]] = []  # (day, new or enlarging, enhancing)
        self._events_seen = 0
        self.news = News()  # plain-words announcements for the page's live region

    def sync(self) -> None:
        """Take the days and events recorded since the last call."""
        rec, start = self.sim.recorder, self.n
        if rec.n == start:
            return
        events = self.sim.events
        fresh = events[self._events_seen :]
        for event in fresh:
            if event.kind == "relapse_start":
                self.onsets.append(event.day)
            elif event.kind == "dose":
                self.doses.append(event.day)
            elif event.kind == "new_lesion":
                self.new_lesions += 1
            elif event.kind == "infection":
                self.infections.append(event.day)
        self._events_seen = len(events)
        self.scans += [
            (s.day, s.new_or_enlarging_lesions, s.enhancing_lesions)
            for s in self.sim.scans[len(self.scans) :]
        ]
        while rec.n > len(self.rows):
            self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
        day = rec.column("day", start)
        counts = np.stack([rec.column(k.key, start) for k in Kind], axis=1)
        lesion = rec.column("lesion_area", start)
        active = np.maximum(lesion - rec.column("chronic_lesion_area", start), 0.0)
        out = self.rows[start : rec.n]
        out[:, 0] = day
        out[:, 1 : 1 + len(Kind)] = 100.0 * counts / self.base
        out[:, LESION_PCT] = 100.0 * lesion
        out[:, LESION_PCT + 1] = 100.0 * active
        out[:, LESION_PCT + 2] = rec.column("antibody", start)
        out[:, LESION_PCT + 3] = np.searchsorted(self.onsets, day, side="right")
        out[:, LESION_PCT + 4] = rec.column("relapse_active", start)
        out[:, LESION_PCT + 5] = rec.column("edss", start)
        out[:, LESION_PCT + 6] = np.searchsorted(self.infections, day, side="right")
        out[:, LESION_PCT + 7] = rec.column("edss_read", start)  # as read at the last visit
        self.news.take(fresh, out[:, 0], out[:, 1])
        self.n = rec.n

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

    def edss(self) -> float:
        return float(self.rows[self.n - 1, LESION_PCT + 5]) if self.n else 0.0

    def lesion_pct(self) -> float:
        return float(self.rows[self.n - 1, LESION_PCT]) if self.n else 0.0

    def frame(self) -> pd.DataFrame:
        return self.sim.recorder.frame()
