"""What the page's live region announces, in plain words, read from the recorded run.

Only recorded data is used: the day's events (doses, relapse starts and ends) and the chart rows
(CD4 counts as % of baseline) that :class:`~msim_app.history.History` derives from the
recorder. Nothing here touches the live model.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from model.records import Event

T_CELL_LOW_PCT = 5.0  # "T cells down to 5%": CD4 T cells at or under 5% of baseline
T_CELL_BACK_PCT = 50.0  # ... and announced again only after recovering past half


class News:
    """Turns new events and chart rows into short sentences, each with its day."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []
        self._last_dose = -2
        self._courses = 0
        self._t_low = False

    def take(self, events: Iterable[Event], days: np.ndarray, cd4_pct: np.ndarray) -> None:
        """Add what the new events and rows (days with their CD4 %) say, in day order."""
        new: list[tuple[int, str]] = []
        for e in events:
            if e.kind == "dose":
                if e.day != self._last_dose + 1:
                    self._courses += 1
                    text = f"Day {e.day}: infusion course {self._courses} of alemtuzumab started."
                    new.append((e.day, text))
                self._last_dose = e.day
            elif e.kind == "relapse_start":
                new.append((e.day, f"Day {e.day}: a relapse started."))
            elif e.kind == "relapse_end":
                how = (
                    "with lasting damage"
                    if "lasting damage" in e.detail
                    else "with full recovery of the myelin"
                )
                new.append((e.day, f"Day {e.day}: the relapse is over, {how}."))
        for day, pct in zip(days.tolist(), cd4_pct.tolist(), strict=True):
            if not self._t_low and pct <= T_CELL_LOW_PCT:
                self._t_low = True
                new.append(
                    (int(day), f"Day {int(day)}: CD4 T cells down to {pct:.0f}% of baseline.")
                )
            elif self._t_low and pct >= T_CELL_BACK_PCT:
                self._t_low = False
                new.append((int(day), f"Day {int(day)}: CD4 T cells back above half of baseline."))
        new.sort(key=lambda item: item[0])
        self.items += new
