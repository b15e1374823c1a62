"""The class's fair pace: what the playing tabs of this server get, so a tab left behind catches up.

Each page paces its own Play (``adaptPace`` in ``stage.vue``): slower by a factor when an answer
comes late, faster by a fixed step when it comes quickly. That converges to equal shares only
slowly, and a tab that met a busy moment can stay behind its classmates for many seconds. So each
request carries the page's pace, the server keeps the latest of every tab that played in the last
few seconds, and each Play answer carries their median: a tab slower than the median while its
own answers come quickly takes the median pace at once, instead of climbing back step by step.
"""

from __future__ import annotations

import math
import threading
import time
from statistics import median

WINDOW_S = 3.0  # a tab that has not asked for a frame for this long is not playing
FULL_SPEED_MS = 1000 / 30  # a pace of 0 means as fast as the page shows frames (30 a second)
SLOWEST_MS = 1000.0  # a reported pace is held to this, so no tab can drag the median far


class PaceBoard:
    """The latest pace (ms a frame, 0 = full speed) of every tab playing on this server."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._paces: dict[int, tuple[float, float]] = {}

    def report(self, tab: int, pace_ms: float) -> None:
        if not math.isfinite(pace_ms):
            return
        with self._lock:
            self._paces[tab] = (self._clock(), min(max(pace_ms, FULL_SPEED_MS), SLOWEST_MS))

    def forget(self, tab: int) -> None:
        with self._lock:
            self._paces.pop(tab, None)

    def fair_ms(self) -> float:
        """The median pace of the tabs playing now (0 when that is full speed or none play)."""
        now = self._clock()
        with self._lock:
            for tab in [t for t, (at, _) in self._paces.items() if now - at > WINDOW_S]:
                del self._paces[tab]
            paces = [p for _, p in self._paces.values()]
        fair = median(paces) if paces else 0.0
        return 0.0 if fair <= FULL_SPEED_MS else round(fair, 1)


BOARD = PaceBoard()
