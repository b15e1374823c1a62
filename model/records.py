"""What a run records, declared once: the daily observation, events, relapses and MRI scans.

:meth:`model.model.MSModel.observe` fills one :data:`TIMESERIES` row a day; ``msim run`` writes
these tables as ``timeseries.csv``, ``events.csv``, ``relapses.csv`` and ``mri.csv``, the batch
as Parquet, and the app draws its charts from the same rows. Metrics and clinical measures read
only these tables, never a live model.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd

# The daily observation: column -> type ("int" for counts and flags, written without decimals).
TIMESERIES: dict[str, str] = {
    "day": "int",
    "cd4": "int",
    "cd8": "int",
    "b_cells": "int",
    "treg": "int",
    "nk": "int",
    "tissue_cells": "int",
    "antibody": "int",
    "myelin_integrity": "float",
    "lesion_area": "float",
    "active_lesions": "int",
    "chronic_lesion_area": "float",
    "inflammation": "float",
    "relapse_active": "int",
    "mean_aggression": "float",
    "autoreactive_share": "float",
    "primed_cells": "int",
    "memory_b_cells": "int",
    "treg_share": "float",
    "infection_risk": "float",
    "edss": "float",
    "edss_read": "float",
    "baff": "float",
    "progenitor_output": "int",
}
TIMESERIES_COLUMNS = tuple(TIMESERIES)
INTEGER_COLUMNS = tuple(c for c, t in TIMESERIES.items() if t == "int")
EVENT_COLUMNS = ("day", "kind", "detail")


@dataclass
class Event:
    """Something that happened on a day: a dose, a relapse starting or ending, a new lesion."""

    day: int
    kind: str
    detail: str


@dataclass
class Relapse:
    """One clinical relapse. ``end`` is None while it is still under way (at the end of a run)."""

    start: int
    end: int | None = None
    duration: int | None = None
    lasting_damage: bool | None = None  # myelin lost for good above disease.residual_threshold
    lasting_loss: float | None = None  # that loss, per 1,000 sites


@dataclass
class Scan:
    """One MRI scan: what is new or enlarging since the previous scan, and what enhances."""

    day: int
    new_or_enlarging_lesions: int
    enhancing_lesions: int
    lesion_area: float  # share of sites in lesions
    myelin_loss: float  # myelin lost since the previous scan, per 1,000 sites


MRI_COLUMNS: dict[str, str] = {
    "day": "int64",
    "new_or_enlarging_lesions": "int64",
    "enhancing_lesions": "int64",
    "lesion_area": "float64",
    "myelin_loss": "float64",
}


RELAPSE_COLUMNS: dict[str, str] = {  # column -> pandas dtype (nullable: an open relapse)
    "start": "int64",
    "end": "Int64",
    "duration": "Int64",
    "lasting_damage": "boolean",
    "lasting_loss": "float64",
}


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

    def column(self, name: str, start: int = 0) -> np.ndarray:
        """One column's values from day ``start`` to the last recorded day (a view)."""
        return self._rows[start : self.n, TIMESERIES_COLUMNS.index(name)]

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self._rows[: self.n], columns=list(TIMESERIES_COLUMNS))
        for c in INTEGER_COLUMNS:
            df[c] = df[c].astype(np.int64)
        return df


def events_frame(events: list[Event]) -> pd.DataFrame:
    return pd.DataFrame([astuple(e) for e in events], columns=list(EVENT_COLUMNS))


def scans_frame(scans: list[Scan]) -> pd.DataFrame:
    frame = pd.DataFrame([astuple(s) for s in scans], columns=list(MRI_COLUMNS))
    return frame.astype(MRI_COLUMNS)


def relapses_frame(relapses: list[Relapse]) -> pd.DataFrame:
    frame = pd.DataFrame([astuple(r) for r in relapses], columns=list(RELAPSE_COLUMNS))
    return frame.astype(RELAPSE_COLUMNS)
