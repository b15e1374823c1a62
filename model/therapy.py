"""The scenario's ``[[treatments]]``: drugs of the registry acting through the model's biology.

Each mechanism kind (``model/data/drugs.toml``) changes something the model already has, and
nothing else; a drug's effect on relapses is never a parameter, it follows from what the
mechanism does to the cells:

- ``cd52_particles`` (alemtuzumab): infusions of antibody particles, exactly as the
  ``[dosing]`` courses give them (:class:`model.model.Infusion`).
- ``depleting_antibody`` (ocrelizumab): the amount in the body clears with its half-life; while
  it is there each cell dies with a daily chance ``max_kill_per_day x target x A / (A + ec50)``
  (``x tissue_reach`` in the brain). Progenitors are not cells of the model, so the marrow goes
  on making B cells, which die while the antibody lasts and return when it is gone.
- ``purine_analogue`` (cladribine): on each dosing day every lymphocyte takes up a lethal load
  with chance ``1 - exp(-lethal_load_per_mg x mg x sensitivity)`` (``x tissue_reach`` in the
  brain) and dies a geometric ``death_delay_days`` later; cells made afterwards are untouched.
  The lymphoid precursors in the marrow and thymus take the same load, so each kind's output of
  new cells falls by the share killed and returns with ``marrow_recovery_days``.
- ``entry_blocker`` (natalizumab): a cell holds on to the vessel wall only if ``bonds`` of its
  integrins are free at once, so with saturation ``s = A / (A + ec50)`` entry into the tissue is
  multiplied by ``1 - max_block x (1 - (1 - target x s) ** bonds)``; cells kept out stay in the
  blood.
- ``immunomodulator`` (interferon beta): with ``s = A / (A + ec50)``, A being the biological
  response, which fades with its half-life when dosing stops, the recall of primed cells (in the
  blood, and of residents by the tissue's own antigen-presenting cells) is multiplied by
  ``1 - activation_reduction x s``; cells carry ``1 - integrin_reduction x s`` of their alpha-4
  integrin, so entry, which needs ``bonds`` of them at once (as for natalizumab), is multiplied
  by ``(1 - integrin_reduction x s) ** bonds``.

Randomness: every draw a drug makes comes from its own stream, child ``i`` (its place in the
registry) of the model's drug stream, so drugs never move the waves, infections, patient or
disease streams, and adding one drug to a scenario does not change another's draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.agents import BLOOD
from model.drugs import registry
from model.kinds import Kind
from model.records import Event
from model.scenario import CD52, DosingCourse, Treatment

if TYPE_CHECKING:
    from model.model import MSModel

CLEARED = 1e-6  # an amount below this share of ec50 is gone (the effect ends)


class _Drug:
    """One drug of the scenario: its registry entry, its stream and what is in the body."""

    def __init__(self, name: str, stream: np.random.SeedSequence):
        self.name, self.spec = name, registry().drugs[name]
        self.rng = np.random.default_rng(stream)
        self.amount = 0.0  # mg in the body (or response units), before today's clearance
        self.doses = 0
        self.marrow = np.ones(len(Kind))  # output of new cells by kind, 1 = untouched
        keep = getattr(self.spec, "half_life_days", None)
        self.keep = 0.5 ** (1 / keep) if keep else 0.0

    def saturation(self) -> float:
        a = self.amount
        return a / (a + self.spec.ec50_mg) if a > 0 else 0.0


class Therapies:
    """The drugs of one run: their dose days, what is in the body, and today's effects.

    ``entry`` (a factor per kind, or None when nothing acts on entry) and ``activation`` (a
    factor on the recall of primed cells) are read by :meth:`MSModel.traffic` and
    :meth:`MSModel.activation`; with no treatment they stay None and 1.0, so runs without
    ``[[treatments]]`` draw and compute exactly what they did before.
    """

    def __init__(self, model: MSModel, drug_seed: np.random.SeedSequence):
        self.model, self.seed = model, drug_seed
        self.entry: np.ndarray | None = None
        self.activation = 1.0
        self.monocyte_entry = 1.0  # factor on monocytes crossing vessel walls
        self.output: np.ndarray | None = None  # new cells from marrow and thymus by kind
        self.cd52_courses = 0  # alemtuzumab courses planned through [[treatments]]
        self.drugs: dict[str, _Drug] = {}
        self.plan: dict[int, list[tuple[str, float]]] = {}
        self.doomed_uid = np.empty(0, dtype=np.int64)  # cladribine: cells that will die
        self.doomed_day = np.empty(0, dtype=np.int64)

    def start(self) -> None:
        """Day 0: read the scenario's treatments (``model.params`` as it is now, after the
        burn-in), plan every dose and schedule alemtuzumab's infusions (Mesa's clock starts at
        day 0). Until then nothing acts: the burn-in is untreated."""
        treatments = self.model.params.treatments
        names = registry().names
        for name in sorted({t.drug for t in treatments}, key=names.index):
            self._drug(name)
        for t in treatments:
            self._plan(t)

    def start_drug(self, name: str) -> None:
        """``name``'s standard regimen (``model/data/drugs.toml``) from today on: a switch of
        therapy partway through a run."""
        day = self.model.day
        for step in registry().drugs[name].regimen:
            timing = {"until_end": True} if step.until_end else {"doses": step.doses}
            self._plan(
                Treatment(
                    drug=name,
                    start_day=day + step.offset_days,
                    interval_days=step.interval_days,
                    **timing,
                )
            )

    def stop(self) -> None:
        """No dose from today on (what is in the body clears as it would)."""
        today = self.model.day
        self.plan = {day: doses for day, doses in self.plan.items() if day < today}

    def _drug(self, name: str) -> _Drug:
        """The drug's state, made on first use with its own stream: child ``i`` (its place in
        the registry) of the drug seed, whenever it is first given."""
        if name not in self.drugs:
            i = registry().names.index(name)
            s = self.seed
            stream = np.random.SeedSequence(
                s.entropy, spawn_key=(*s.spawn_key, i), pool_size=s.pool_size
            )
            self.drugs[name] = _Drug(name, stream)
        return self.drugs[name]

    def _plan(self, t: Treatment) -> None:
        """Plan every dose of ``t`` before the end of the run; alemtuzumab's become courses of
        infusions, exactly like ``[dosing]``'s."""
        spec = self._drug(t.drug).spec
        days = t.dose_days(self.model.params.run.days)
        if not days:
            return
        if spec.mechanism == CD52:
            index = len(self.model.params.dosing.courses) + self.cd52_courses
            self.cd52_courses += 1
            (day, mg), rest = days[0], days[1:]
            self.model.schedule_course(DosingCourse(start_day=day, days=1, dose_mg=mg), index)
            for day, mg in rest:  # the rest of the course: not a course's first day
                course = DosingCourse(start_day=day, days=1, dose_mg=mg)
                self.model.schedule_course(course, index=index, first=False)
            return
        split = getattr(spec, "first_dose_split_days", 0)
        if split:  # the first dose as two halves
            (day, mg), rest = days[0], days[1:]
            days = [(day, mg / 2), (day + split, mg / 2), *rest]
        for day, mg in days:
            if day < self.model.params.run.days:
                self.plan.setdefault(day, []).append((t.drug, mg))

    # ---------------------------------------------------------------- the day
    def daily(self) -> None:
        """Today's doses, then each drug's effect, then clearance (before the immune day)."""
        if not self.drugs:
            return
        m = self.model
        for name, mg in self.plan.get(m.day, ()):
            d = self.drugs[name]
            if d.spec.mechanism == CD52:
                continue  # given by its scheduled infusion
            d.doses += 1
            m.events.append(Event(m.day, "dose", f"{d.spec.label}, {mg:g} mg"))
            if d.spec.mechanism == "purine_analogue":
                self._load(d, mg)
            else:
                d.amount += mg
        entry = np.ones(len(Kind))
        activation = monocytes = 1.0
        for d in self.drugs.values():
            kind = d.spec.mechanism
            if kind == "depleting_antibody" and d.amount > 0:
                self._deplete(d)
            elif kind == "entry_blocker" and d.amount > 0:
                free = 1 - d.spec.target.array() * d.saturation()
                entry *= 1 - d.spec.max_block * (1 - free**d.spec.bonds)
                free = 1 - d.spec.monocytes * d.saturation()
                monocytes *= 1 - d.spec.max_block * (1 - free**d.spec.bonds)
            elif kind == "immunomodulator" and d.amount > 0:
                s = d.saturation()
                activation *= 1 - d.spec.activation_reduction * s
                entry *= (1 - d.spec.integrin_reduction * s) ** d.spec.bonds
            if d.keep:
                d.amount *= d.keep
                if d.amount < CLEARED * d.spec.ec50_mg:
                    d.amount = 0.0
        self.entry = None if (entry == 1.0).all() else entry
        self.activation = activation
        self.monocyte_entry = monocytes
        self.output = self._marrow_output()
        if self.doomed_uid.size:
            self._apoptosis()

    def _marrow_output(self) -> np.ndarray | None:
        """Today's output of new cells by kind from marrow and thymus (None: untouched), after
        the precursors a purine analogue killed have been refilled a little further."""
        output = None
        for d in self.drugs.values():
            if d.spec.mechanism == "purine_analogue" and (d.marrow < 1.0).any():
                d.marrow += (1.0 - d.marrow) / d.spec.marrow_recovery_days
                output = d.marrow.copy() if output is None else output * d.marrow
        return output

    def _reach(self, d: _Drug, rows: np.ndarray) -> np.ndarray:
        """Exposure of each cell: 1 in the blood, ``tissue_reach`` in the brain."""
        t = self.model.lymphocytes
        return np.where(t.x[rows] == BLOOD, 1.0, d.spec.tissue_reach)

    def _deplete(self, d: _Drug) -> None:
        t = self.model.lymphocytes
        target = d.spec.target.array()
        rows = t.rows()
        rows = rows[target[t.kind[rows]] > 0]
        if rows.size == 0:
            return
        p = d.spec.max_kill_per_day * target[t.kind[rows]] * d.saturation() * self._reach(d, rows)
        t.remove(rows[d.rng.random(rows.size) < p])

    def _load(self, d: _Drug, mg: float) -> None:
        """Every cell takes up cladribine; those with a lethal load die some weeks later."""
        t = self.model.lymphocytes
        rows = t.rows()
        # the precursors in marrow and thymus, as exposed as blood cells, with their kind's balance
        d.marrow *= np.exp(-d.spec.lethal_load_per_mg * mg * d.spec.sensitivity.array())
        sens = d.spec.sensitivity.array()[t.kind[rows]] * self._reach(d, rows)
        p = 1 - np.exp(-d.spec.lethal_load_per_mg * mg * sens)
        hit = rows[d.rng.random(rows.size) < p]
        fresh = ~np.isin(t.uid[hit], self.doomed_uid)
        hit = hit[fresh]
        delay = d.rng.geometric(1 / d.spec.death_delay_days, hit.size)
        self.doomed_uid = np.concatenate([self.doomed_uid, t.uid[hit]])
        self.doomed_day = np.concatenate([self.doomed_day, self.model.day + delay])

    def _apoptosis(self) -> None:
        t, day = self.model.lymphocytes, self.model.day
        due = self.doomed_day <= day
        if not due.any():
            return
        rows = t.rows()
        dying = rows[np.isin(t.uid[rows], self.doomed_uid[due])]
        t.remove(dying)
        self.doomed_uid, self.doomed_day = self.doomed_uid[~due], self.doomed_day[~due]

    # ---------------------------------------------------------------- reading
    def exposure(self) -> dict[str, float]:
        """Each drug's saturation today (0 to 1), for tests and the app."""
        return {n: d.saturation() for n, d in self.drugs.items() if hasattr(d.spec, "ec50_mg")}

    def doses(self) -> dict[str, int]:
        return {n: d.doses for n, d in self.drugs.items()}
