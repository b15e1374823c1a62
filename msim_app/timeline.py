"""Rewind: one arm's run kept so it can go back to any day already simulated.

A run is deterministic given its seed and the choices made in it (a course given with the
button, a branch's choice), so the arm keeps only a compressed snapshot of its simulation every
``SNAPSHOT_DAYS`` days and the list of its choices. The first snapshot is a whole copy; the
later ones leave out what never changes (the grid's Python objects) and take it from a copy of
the first when restored, so a snapshot costs about a tenth of a copy. Going back to a day
restores the snapshot at or before it and lives the days in between again, making the same
choices on the same days: the same figures as the first time. Choices made after that day
stay in the list and are made again when Play passes their day, until a new choice changes
that future.
"""

from __future__ import annotations

import io
import pickle
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from mesa.discrete_space import Cell

from model.agents import MyelinSite
from model.model import MSModel
from model.run import Simulation

SNAPSHOT_DAYS = 91  # a season: at most this many days are lived again when going back


@dataclass(frozen=True)
class Choice:
    """Something done to the patient on ``day`` (before that day is lived): ``kind`` is
    "course" (a 3-day course of alemtuzumab), "stop" (all treatment) or "switch" (to ``drug``)."""

    day: int
    kind: str
    drug: str = ""
    days: int = 3
    dose_mg: float = 12.0

    def make(self, model: MSModel) -> None:
        if self.kind == "course":
            model.give_course_now(days=self.days, dose_mg=self.dose_mg)
        elif self.kind == "stop":
            model.stop_treatment()
        elif self.kind == "switch":
            model.switch_to(self.drug)
        else:
            raise ValueError(f"unknown choice {self.kind!r}")


def pack(sim: Simulation) -> bytes:
    """The whole simulation, as a stand-alone copy."""
    return zlib.compress(pickle.dumps(sim, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(data: bytes) -> Simulation:
    return pickle.loads(zlib.decompress(data))


def pack_state(sim: Simulation) -> bytes:
    """The simulation without the model's fixed parts (:meth:`MSModel.fixed_parts`: the
    grid's cells and myelin-site agents, most of a copy's cost), plus its tissue layers."""
    model = sim.model
    parts = {id(part): i for i, part in enumerate(model.fixed_parts())}

    def fixed(obj: object) -> tuple | None:
        if id(obj) in parts:
            return ("part", parts[id(obj)])
        if isinstance(obj, MyelinSite):
            return ("site", obj.cell.coordinate)
        if isinstance(obj, Cell):
            return ("cell", obj.coordinate)
        return None

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = fixed
    layers = {name: data.copy() for name, data in model.tissue_layers().items()}
    pickler.dump((sim, layers))
    return zlib.compress(buf.getvalue(), 1)


def unpack_state(data: bytes, donor: MSModel) -> Simulation:
    """A simulation from :func:`pack_state`, given the fixed parts of ``donor`` (a fresh copy
    of the same patient, used for nothing else afterwards)."""
    parts = donor.fixed_parts()

    def fixed(key: tuple) -> object:
        kind, k = key
        if kind == "part":
            return parts[k]
        return donor.site(*k) if kind == "site" else donor.grid[k]

    unpickler = pickle.Unpickler(io.BytesIO(zlib.decompress(data)))
    unpickler.persistent_load = fixed
    sim, layers = unpickler.load()
    for name, values in sim.model.tissue_layers().items():
        values[...] = layers[name]
    for agent in donor.agents:
        agent.model = sim.model
    return sim


class Timeline:
    """Snapshots of one arm's simulation and the choices made in it."""

    def __init__(self, sim: Simulation, choices: list[Choice] | None = None):
        self.first = sim.day
        self.snapshots: dict[int, bytes] = {sim.day: pack(sim)}  # the first one whole
        self.choices: list[Choice] = list(choices or [])
        self.made = sum(1 for c in self.choices if c.day < sim.day)  # choices already made

    @property
    def first_day(self) -> int:
        """The earliest day this arm can go back to (a branch: the day it began)."""
        return self.first

    def nbytes(self) -> int:
        return sum(len(b) for b in self.snapshots.values())

    def before_day(self, sim: Simulation) -> None:
        """Make the choices due today (after a rewind: those of the old future)."""
        while self.made < len(self.choices) and self.choices[self.made].day <= sim.day:
            self.choices[self.made].make(sim.model)
            self.made += 1

    def after_day(self, sim: Simulation) -> None:
        """Keep a snapshot on every ``SNAPSHOT_DAYS``-th day."""
        if sim.day % SNAPSHOT_DAYS == 0 and sim.day not in self.snapshots:
            self.snapshots[sim.day] = pack_state(sim)

    def choose(self, sim: Simulation, choice: Choice) -> None:
        """Make ``choice`` now; it replaces the old future (later choices and snapshots)."""
        self.choices = [c for c in self.choices if c.day < choice.day] + [choice]
        self.snapshots = {d: b for d, b in self.snapshots.items() if d <= choice.day}
        choice.make(sim.model)
        self.made = len(self.choices)

    def restore(self, day: int, guard: Callable[[], None] | None = None) -> Simulation:
        """The simulation as it was at the start of ``day`` (``first_day`` or later): from the
        last snapshot before it, living the days between with the same choices."""
        start = max(d for d in self.snapshots if d <= day)
        sim = unpack(self.snapshots[self.first])
        if start != self.first:
            sim = unpack_state(self.snapshots[start], sim.model)
        self.made = sum(1 for c in self.choices if c.day < start)
        while sim.day < day:
            self.before_day(sim)
            sim.advance(1)
            self.after_day(sim)
            if guard is not None:
                guard()
        return sim
