"""The model's agents: myelin sites on the Mesa grid, lymphocytes and antibody particles in tables.

Myelin sites are Mesa ``FixedAgent`` objects, one on each cell of the ``OrthogonalMooreGrid``;
their state is the grid's property layers (integrity, lasting damage, inflammation), so the
daily processes work on whole numpy layers and a site agent reads its own cell.

Lymphocytes and antibody particles move every day, thousands at a time. Their state lives in
numpy columns (:class:`AgentTable`, one row per agent) so each process runs vectorised over
every cell at once. Keeping a Mesa agent per row in step with the grid cost about a quarter of
the engine's time and was read by nothing, so a row becomes an object only when someone asks
about it: :class:`Lymphocyte` and :class:`AntibodyParticle` are read-only views of one row, made
for the app's inspector. There is one copy of the truth: the row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

from model.kinds import Kind

if TYPE_CHECKING:
    from mesa.discrete_space import Cell

    from model.model import MSModel

BLOOD = -1  # x coordinate of a row that is in the blood compartment, not on the grid


class AgentTable:
    """Struct-of-arrays storage with stable row numbers.

    Rows of dead agents are reused (last freed, first reused), which keeps row numbers and the
    order of random draws deterministic. Every agent also gets a serial number (``uid``) that is
    never reused, so the inspector can tell two cells that shared a row apart.
    """

    def __init__(self, columns: dict[str, np.dtype], capacity: int = 1024):
        self.columns = {**columns, "uid": np.int64}
        self.alive = np.zeros(capacity, dtype=bool)
        for name, dtype in self.columns.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        # a stack of free rows, the next to take last: ``free[:n_free]``
        self.free = np.arange(capacity - 1, -1, -1, dtype=np.int64)
        self.n_free = capacity
        self.born = 0  # serial numbers given so far
        self._rows: np.ndarray | None = None  # live rows, until the next add or remove

    def __len__(self) -> int:
        return self.rows().size

    def reserve(self, n: int) -> None:
        """Make room for ``n`` more rows (doubling), so a compiled loop can take them."""
        while self.n_free < n:
            old = self.alive.size
            self.alive = np.concatenate([self.alive, np.zeros(old, dtype=bool)])
            for name, dtype in self.columns.items():
                grown = np.concatenate([getattr(self, name), np.zeros(old, dtype=dtype)])
                setattr(self, name, grown)
            free = np.empty(2 * old, dtype=np.int64)  # the new rows under the old free ones
            free[:old] = np.arange(2 * old - 1, old - 1, -1)
            free[old : old + self.n_free] = self.free[: self.n_free]
            self.free, self.n_free = free, self.n_free + old

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Every column in declaration order, then ``uid`` and ``alive``: how the compiled
        loops (:mod:`model.kernels`) take a table."""
        return (*(getattr(self, name) for name in self.columns), self.alive)

    def taken(self, n_free: int, born: int) -> None:
        """A compiled loop took rows from the free stack (leaving ``n_free``) and gave serial
        numbers up to ``born``."""
        self.n_free, self.born, self._rows = n_free, born, None

    def add(self, n: int, **values) -> np.ndarray:
        """Take ``n`` rows, fill the given columns (scalars or arrays), return the rows."""
        self.reserve(n)
        rows = self.free[self.n_free - n : self.n_free][::-1].copy()
        self.n_free -= n
        for name in self.columns:
            getattr(self, name)[rows] = values.get(name, 0)
        self.uid[rows] = np.arange(self.born, self.born + n)
        self.born += n
        self.alive[rows] = True
        self._rows = None
        return rows

    def remove(self, rows: np.ndarray) -> None:
        self.free[self.n_free : self.n_free + rows.size] = rows
        self.n_free += rows.size
        self.alive[rows] = False
        self._rows = None

    def rows(self) -> np.ndarray:
        """Live rows in row order (cached: callers must not modify the array)."""
        if self._rows is None:
            self._rows = np.flatnonzero(self.alive)
        return self._rows


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
            "memory": np.bool_,  # a T cell primed against myelin, or a memory B cell
            "expanded": np.bool_,  # born by lymphopenia-driven division of a survivor
            "sheltered": np.bool_,  # parked deep in lymphoid tissue, out of the antibody's reach
            "resident": np.bool_,  # a memory T cell living in the brain tissue, never leaving
            "x": np.int16,
            "y": np.int16,
            "tissue_days": np.int16,  # days left before a resting visitor leaves the tissue
        }
    )


def particle_table() -> AgentTable:
    return AgentTable({"x": np.int16, "y": np.int16, "age": np.int32}, capacity=4096)


class _RowView:
    """One row of an :class:`AgentTable`, read when asked (the table stays the truth)."""

    def __init__(self, table: AgentTable, row: int):
        self.table, self.row = table, row

    @property
    def uid(self) -> int:
        return int(self.table.uid[self.row])

    @property
    def in_tissue(self) -> bool:
        return int(self.table.x[self.row]) != BLOOD

    @property
    def site(self) -> tuple[int, int] | None:
        """Grid coordinate, or None in the blood."""
        t = self.table
        return (int(t.x[self.row]), int(t.y[self.row])) if self.in_tissue else None

    @property
    def age(self) -> int:
        return int(self.table.age[self.row])


class Lymphocyte(_RowView):
    """A T, B, regulatory T or NK cell, in the blood or in the tissue."""

    @property
    def kind(self) -> Kind:
        return Kind(int(self.table.kind[self.row]))

    @property
    def cd52(self) -> float:
        return float(self.table.cd52[self.row])

    @property
    def aggression(self) -> float:
        return float(self.table.aggression[self.row])

    @property
    def autoreactive(self) -> bool:
        return bool(self.table.autoreactive[self.row])

    @property
    def activated(self) -> bool:
        return bool(self.table.activated[self.row] > 0)

    @property
    def generation(self) -> int:
        return int(self.table.generation[self.row])

    @property
    def memory(self) -> bool:
        return bool(self.table.memory[self.row])

    @property
    def origin(self) -> str:
        if self.generation == 0:
            return "original"
        return "expanded in lymphopenia" if self.table.expanded[self.row] else "repopulated"

    @property
    def state(self) -> str:
        """Naive or memory, in the words a biology class uses for this kind."""
        if self.kind == Kind.B_CELL:
            return "memory B cell (presents antigen)" if self.memory else "naive B cell"
        if self.kind in (Kind.CD4, Kind.CD8) and self.autoreactive:
            return "primed against myelin (memory)" if self.memory else "naive (not yet primed)"
        return "memory" if self.memory else "naive"

    def describe(self) -> dict:
        """What the app's inspector shows for this cell."""
        return {
            "agent": "lymphocyte",
            "id": self.uid,
            "kind": self.kind.label,
            "cd52": round(self.cd52, 2),
            "aggression": round(self.aggression, 2),
            "autoreactive": self.autoreactive,
            "state": self.state,
            "activated": self.activated,
            "age_days": self.age,
            "origin": self.origin,
            "generation": self.generation,
            "where": "tissue" if self.in_tissue else "blood",
        }


class AntibodyParticle(_RowView):
    """A packet of alemtuzumab, circulating in the blood or diffusing in the tissue."""

    def describe(self) -> dict:
        return {
            "agent": "antibody",
            "id": self.uid,
            "age_days": self.age,
            "where": "tissue" if self.in_tissue else "blood",
        }


class MyelinSite(FixedAgent):
    """A patch of myelinated white matter; its state is its cell's property layers."""

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
    def macrophages(self) -> float:
        return float(self.cell.macrophages)

    @property
    def vessel(self) -> bool:
        return bool(self.cell.vessel)

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
            "macrophages": round(self.macrophages, 3),
            "lesion": self.lesion_state,
            "vessel": self.vessel,
        }
