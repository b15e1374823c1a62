"""The model's agents: lymphocytes, myelin sites and antibody particles.

Their state lives in numpy columns (:class:`AgentTable`, one row per agent) so the daily
processes run vectorised over every cell at once; each row also has a real Mesa agent, placed
on the grid while it is in the tissue, so the app can click it and read its state. The agent
reads its attributes from the row, so there is one copy of the truth.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent, FixedAgent

if TYPE_CHECKING:
    from mesa.discrete_space import Cell

    from model.model import MSModel


class Kind(IntEnum):
    """Lymphocyte kinds, in the order of the scenario's ``[cells]`` tables."""

    CD4 = 0
    CD8 = 1
    B_CELL = 2
    TREG = 3
    NK = 4

    @property
    def key(self) -> str:
        return ("cd4", "cd8", "b_cells", "treg", "nk")[self]

    @property
    def label(self) -> str:
        return (
            "CD4 effector T cell",
            "CD8 cytotoxic T cell",
            "B cell",
            "Regulatory T cell",
            "NK cell",
        )[self]


ATTACKERS = (Kind.CD4, Kind.CD8, Kind.B_CELL)  # the lowest kind numbers: `kind <= B_CELL`
BLOOD = -1  # x coordinate of a row that is in the blood compartment, not on the grid


class AgentTable:
    """Struct-of-arrays storage with stable row numbers and a Mesa agent per live row.

    Rows of dead agents are reused (last freed, first reused), which keeps row numbers and the
    order of random draws deterministic.
    """

    def __init__(self, columns: dict[str, np.dtype], capacity: int = 1024):
        self.columns = columns
        self.alive = np.zeros(capacity, dtype=bool)
        for name, dtype in columns.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.agents: list = [None] * capacity
        self._free: list[int] = list(range(capacity - 1, -1, -1))

    def __len__(self) -> int:
        return int(self.alive.sum())

    def _grow(self) -> None:
        old = self.alive.size
        new = old * 2
        self.alive = np.concatenate([self.alive, np.zeros(old, dtype=bool)])
        for name, dtype in self.columns.items():
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(old, dtype=dtype)]))
        self.agents += [None] * old
        self._free = list(range(new - 1, old - 1, -1)) + self._free

    def add(self, n: int, **values) -> np.ndarray:
        """Claim ``n`` rows, fill the given columns (scalars or arrays), return the rows."""
        while len(self._free) < n:
            self._grow()
        rows = np.array([self._free.pop() for _ in range(n)], dtype=np.int64)
        for name in self.columns:
            getattr(self, name)[rows] = values.get(name, 0)
        self.alive[rows] = True
        return rows

    def remove(self, rows: np.ndarray) -> None:
        for r in rows.tolist():
            agent = self.agents[r]
            if agent is not None:
                agent.remove()
                self.agents[r] = None
            self._free.append(r)
        self.alive[rows] = False

    def rows(self) -> np.ndarray:
        return np.flatnonzero(self.alive)


def lymphocyte_table() -> AgentTable:
    return AgentTable(
        {
            "kind": np.int8,
            "cd52": np.float64,
            "aggression": np.float64,
            "autoreactive": np.bool_,
            "activated": np.int16,  # days of activation left; 0 = resting
            "age": np.int32,
            "generation": np.int16,  # 0 = original; n = made after the n-th course began
            "x": np.int16,
            "y": np.int16,
            "tissue_days": np.int16,  # days left before a resting visitor leaves the tissue
        }
    )


def particle_table() -> AgentTable:
    return AgentTable({"x": np.int16, "y": np.int16, "age": np.int32}, capacity=4096)


class TableAgent(CellAgent):
    """A Mesa agent whose state is one row of an :class:`AgentTable`."""

    table_name: str

    def __init__(self, model: MSModel, row: int):
        super().__init__(model)
        self.row = row

    @property
    def _table(self) -> AgentTable:
        return getattr(self.model, self.table_name)

    @property
    def in_tissue(self) -> bool:
        return int(self._table.x[self.row]) != BLOOD

    def place(self, cell: Cell | None) -> None:
        self.cell = cell


class Lymphocyte(TableAgent):
    """A T, B, regulatory T or NK cell, in the blood or in the tissue."""

    table_name = "lymphocytes"

    @property
    def kind(self) -> Kind:
        return Kind(int(self._table.kind[self.row]))

    @property
    def cd52(self) -> float:
        return float(self._table.cd52[self.row])

    @property
    def aggression(self) -> float:
        return float(self._table.aggression[self.row])

    @property
    def autoreactive(self) -> bool:
        return bool(self._table.autoreactive[self.row])

    @property
    def activated(self) -> bool:
        return bool(self._table.activated[self.row] > 0)

    @property
    def age(self) -> int:
        return int(self._table.age[self.row])

    @property
    def generation(self) -> int:
        return int(self._table.generation[self.row])

    @property
    def origin(self) -> str:
        return "original" if self.generation == 0 else "repopulated"

    def describe(self) -> dict:
        """What the app's inspector shows for this cell."""
        return {
            "agent": "lymphocyte",
            "id": self.unique_id,
            "kind": self.kind.label,
            "cd52": round(self.cd52, 2),
            "aggression": round(self.aggression, 2),
            "autoreactive": self.autoreactive,
            "activated": self.activated,
            "age_days": self.age,
            "origin": self.origin,
            "generation": self.generation,
            "where": "tissue" if self.in_tissue else "blood",
        }


class AntibodyParticle(TableAgent):
    """A packet of alemtuzumab, circulating in the blood or diffusing in the tissue."""

    table_name = "particles"

    @property
    def age(self) -> int:
        return int(self._table.age[self.row])

    def describe(self) -> dict:
        return {
            "agent": "antibody",
            "id": self.unique_id,
            "age_days": self.age,
            "where": "tissue" if self.in_tissue else "blood",
        }


class MyelinSite(FixedAgent):
    """A patch of myelinated white matter; its state is the grid's property layers."""

    def __init__(self, model: MSModel, cell: Cell):
        super().__init__(model)
        self.cell = cell

    @property
    def integrity(self) -> float:
        return float(self.cell.integrity)

    @property
    def scar(self) -> float:
        return float(self.cell.scar)

    @property
    def inflammation(self) -> float:
        return float(self.cell.inflammation)

    @property
    def lesion_state(self) -> str:
        d = self.model.params.disease
        if self.integrity >= d.lesion_threshold:
            return "healthy"
        return "active lesion" if self.inflammation > d.active_threshold else "chronic lesion"

    def describe(self) -> dict:
        x, y = self.cell.coordinate
        return {
            "agent": "myelin",
            "site": [x, y],
            "integrity": round(self.integrity, 3),
            "lasting_damage": round(self.scar, 3),
            "inflammation": round(self.inflammation, 3),
            "lesion": self.lesion_state,
            "vessel": bool(self.model.grid.vessel.data[x, y]),
        }
