"""MSModel: one virtual patient, one day per step.

The day runs in a fixed order, each process in its own method:
infusions (scheduled Mesa events) -> antibody binding and clearance -> birth, death, renewal and
lymphopenia-driven expansion in the blood -> autoantibodies -> infections -> priming and
activation -> traffic between blood and tissue -> movement up the inflammation gradient ->
macrophages drawn from the blood by inflammation -> attack with Treg suppression ->
inflammation diffusion and decay -> remyelination -> lesions and relapses -> disability -> the
day's observation (and the MRI scan on scan days). Before day 0 the patient lives
``run.burn_in_years`` of untreated disease, so they enter with a history.

The immune "reset" is not imposed: waves recall only autoreactive T cells already primed against
myelin (memory), and depletion empties that pool. New T cells come from the thymus (naive, less
with age) and from division of survivors; a naive autoreactive cell must be primed again, which
needs antigen presentation by memory B cells (themselves slow to return, as they need CD4 help)
and is held back by a larger regulatory share.

Randomness: five streams spawned from one seed. The patient (age, disease activity,
homeostatic drive) is drawn from a stream of its own before anything else. Events that come from
outside the immune system use streams of their own with two draws every day whatever happens:
activation waves (``wave_rng``), so the treated and untreated runs of one seed meet the same waves
on the same days for the whole run, and infections (``infection_rng``), drawn as common random
numbers so the untreated twin's infections are a subset of the treated run's. Everything the drug
does uses ``dose_rng``; the rest of the disease uses ``model.rng``. Only what the drug changes
differs between twins.

The grid is Mesa's ``OrthogonalMooreGrid`` with a ``MyelinSite`` agent on every cell and the
tissue fields as its property layers; lymphocytes and antibody particles are rows of numpy
tables (see :mod:`model.agents` for why), viewed as objects through :meth:`MSModel.lymphocyte`.
"""

from __future__ import annotations

import copyreg
import math
import pickle
from collections.abc import Sequence

import numpy as np
from mesa import Model
from mesa.discrete_space import OrthogonalMooreGrid
from mesa.discrete_space.property_layer import create_property_accessors
from scipy import ndimage

from model import kernels
from model.agents import (
    BLOOD,
    AntibodyParticle,
    Lymphocyte,
    MyelinSite,
    lymphocyte_table,
    particle_table,
)
from model.calendar import YEAR
from model.disability import Examiner, edss_steps, eloquent_tracts
from model.kinds import LAST_ATTACKER, Kind
from model.mri import MOORE, Scanner, patches
from model.patient import REFERENCE_AGE, draw_patient
from model.records import TIMESERIES_COLUMNS, Event, Relapse
from model.scenario import DosingCourse, Scenario, ScenarioError
from model.therapy import Therapies

# Moore neighbourhood steps, including staying put.
STEPS = np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], dtype=np.int64)


def mean(values: np.ndarray) -> float:
    """``float(values.mean())``, value for value, without ``np.mean``'s argument handling."""
    return float(values.sum(dtype=np.float64) / values.size)


def candidate_seed(seed: int, candidate: int) -> int:
    """The seed of a run's ``candidate``-th screened patient (the first is the seed itself)."""
    return int(np.random.SeedSequence([seed, candidate]).generate_state(1, np.uint32)[0])


def moore_neighbours(width: int, height: int) -> np.ndarray:
    """Each site's Moore neighbourhood and itself (in :data:`STEPS` order) as flat site numbers
    ``x * height + y``, clipped at the edges: one lookup instead of clipping every day."""
    x, y = np.meshgrid(np.arange(width), np.arange(height), indexing="ij")
    cx = np.clip(x[..., None] + STEPS[:, 0], 0, width - 1)
    cy = np.clip(y[..., None] + STEPS[:, 1], 0, height - 1)
    return (cx * height + cy).reshape(width * height, len(STEPS))


RELAPSE_WINDOW = 7  # days of new myelin loss at eloquent sites summed for the relapse threshold
RELAPSE_GAP = 30  # clinical definition: a new relapse starts >= 30 days after the last onset
NEVER = -(10**9)  # a day before any run, its burn-in included


class Infusion:
    """One infusion day of a course, scheduled as a Mesa event (Mesa keeps weak references,
    so the model holds these objects; ``event`` cancels it)."""

    def __init__(self, model: MSModel, course: int, day: int, dose_mg: float, first: bool):
        self.model, self.course, self.day, self.dose_mg, self.first = (
            model,
            course,
            day,
            dose_mg,
            first,
        )
        self.event = None

    def give(self) -> None:
        self.model.infuse(self)


class _CellClass:
    """A grid's cell class as it stands in a pickle: every cell refers to this one object, so
    a copy loads one new class for all its cells, with the tissue's property accessors.

    Mesa 3.5 pickles each grid cell with a class of its own (about 47 us a cell, and the
    copies lack the accessors: ``cell.integrity`` fails); the twins copy 3,600 cells each."""

    def __init__(self, grid: OrthogonalMooreGrid):
        self.base = grid.cell_klass.__bases__[0]
        self.layers = list(grid._mesa_property_layers.values())

    def __reduce__(self):
        return _cell_class, (self.base, self.layers)


def _cell_class(base: type, layers: list) -> type:
    klass = type("GridCell", (base,), {"_mesa_properties": set(), "__slots__": ()})
    for layer in layers:
        accessor = create_property_accessors(layer.data, docstring=f"accessor for {layer.name}")
        setattr(klass, layer.name, accessor)
        klass._mesa_properties.add(layer.name)
    return klass


def _pickle_cell(cell) -> tuple:
    return _load_cell, (type(cell).pickled_as, cell.__getstate__()[1])


def _load_cell(klass: type, fields: dict):
    cell = klass((0, 0))  # Mesa's own loader does the same, then sets every field
    for name, value in fields.items():
        setattr(cell, name, value)
    return cell


def _pickle_cells_as_one_class(grid: OrthogonalMooreGrid) -> None:
    """Register :class:`_CellClass` as how this grid's cells are pickled and copied."""
    grid.cell_klass.pickled_as = _CellClass(grid)
    copyreg.pickle(grid.cell_klass, _pickle_cell)


class MSModel(Model):
    """Immune attack on myelin in MS, and alemtuzumab, on a Mesa grid."""

    def __setstate__(self, state: dict) -> None:
        """A copy (a pickle, ``copy.deepcopy``: the twins, the app's timeline) pickles its own
        cells as the original does."""
        self.__dict__.update(state)
        _pickle_cells_as_one_class(self.grid)

    def fixed_parts(self) -> list[object]:
        """What never changes once the model is built: the tissue grid with its cells, the
        myelin-site agents and Mesa's registry of them. Only the values of the grid's
        property layers change (:meth:`tissue_layers`). A snapshot can leave the fixed parts
        out and take them from a copy of the model made on an earlier day (the app's
        timeline), which costs a tenth of copying them."""
        return [self.grid, self._all_agents, self._agents_by_type, self.neighbours]

    def tissue_layers(self) -> dict[str, np.ndarray]:
        """The grid's property layers (integrity, scar, inflammation, ...), by name."""
        return {name: layer.data for name, layer in self.grid._mesa_property_layers.items()}

    def __init__(
        self,
        scenario: Scenario | None = None,
        seed: int | None = None,
        *,
        start: bool = True,
        candidate: int = 0,
    ):
        """One candidate patient of ``seed`` (the first unless ``candidate`` says otherwise),
        with their history lived; :meth:`enrol` screens candidates against the scenario's entry
        criteria."""
        scenario = scenario or Scenario()
        seed = scenario.run.seed if seed is None else seed
        lineage = seed if candidate == 0 else candidate_seed(seed, candidate)
        super().__init__(rng=lineage)
        self.params = scenario
        self.seed = seed
        self.candidate = candidate
        streams = np.random.SeedSequence(lineage).spawn(6)
        drug, waves, person, infections, steps, rater = streams
        self.dose_rng = np.random.default_rng(drug)
        self.wave_rng = np.random.default_rng(waves)
        self.infection_rng = np.random.default_rng(infections)
        self.step_rng = np.random.default_rng(steps)  # relapse-independent worsening
        rater_rng = np.random.default_rng(rater)  # the error of each visit's reading
        self.stirred_until = NEVER  # last day of an infection's immune response
        self.infection_hazard = 0.0
        self._noticed: list[Event] = []  # infections under way, not yet noticed
        self.patient = draw_patient(scenario.patient, np.random.default_rng(person))
        self.day = 0  # the day the next step simulates
        self.events: list[Event] = []
        self.courses_started = 0
        self._infusions: list[Infusion] = []
        self.retreating = True  # the retreatment rule applies (until treatment is stopped)
        self.therapy = Therapies(self, drug)  # the scenario's [[treatments]] (model.therapy)

        g = scenario.grid
        self.width, self.height = g.width, g.height
        self.grid = OrthogonalMooreGrid((g.width, g.height), torus=False, random=self.random)
        for name, default, dtype in (
            ("integrity", 1.0, float),
            ("scar", 0.0, float),
            ("inflammation", 0.0, float),
            ("macrophages", 0.0, float),
            ("vessel", False, bool),
            ("eloquent", False, bool),
        ):
            self.grid.create_property_layer(name, default_value=default, dtype=dtype)
        _pickle_cells_as_one_class(self.grid)
        for cell in self.grid.all_cells:
            MyelinSite(self, cell)
        flat = self.rng.choice(
            g.width * g.height, size=min(g.vessels, g.width * g.height), replace=False
        )
        self.vessel_xy = np.stack(np.unravel_index(np.sort(flat), (g.width, g.height)), axis=1)
        self.grid.vessel.data[self.vessel_xy[:, 0], self.vessel_xy[:, 1]] = True
        self.vessel_x, self.vessel_y = self.vessel_xy.T.astype(np.int16)  # as the tables keep them
        self.neighbours = moore_neighbours(g.width, g.height)
        self.no_entry_block = np.ones(len(Kind))  # traffic's entry factors with no drug on it
        share = scenario.disability.eloquent_share
        width = scenario.disability.tract_width
        eloquent = eloquent_tracts((g.width, g.height), share, width, self.rng)
        self.grid.eloquent.data[:] = eloquent
        self.n_eloquent = max(int(eloquent.sum()), 1)
        self.progressive = 0.0  # EDSS points of worsening independent of relapses
        # the tissue's smouldering inflammation (running mean), starting at an untreated level
        self.smouldering = scenario.disability.reference_inflammation
        self.edss = scenario.disability.onset_edss
        self.examiner = Examiner(
            scenario.run.baseline_days,
            scenario.disability.visit_interval_days,
            scenario.disability.rater_error,
            rater_rng,
        )
        self.scanner = Scanner(
            (g.width, g.height),
            scenario.run.baseline_days,
            scenario.mri.interval_days,
            scenario.mri.min_lesion_sites,
        )
        self.last_became = np.full((g.width, g.height), NEVER, dtype=np.int64)
        self.scar_peak = np.zeros((g.width, g.height))  # the most lasting damage each site had

        self.lymphocytes = lymphocyte_table()
        self.particles = particle_table()
        kinds = [getattr(scenario.cells, k.key) for k in Kind]
        self.base = np.array([k.baseline for k in kinds], dtype=float)
        self.death_p = np.array([1 - math.exp(-1 / k.lifespan_days) for k in kinds])
        self.cd52 = np.array([k.cd52 for k in kinds])
        self.kill = np.array([k.kill_efficiency for k in kinds])
        self.homeo = np.array([k.homeostatic_rate for k in kinds])
        self.auto_frac = np.array([k.autoreactive_fraction for k in kinds])
        self.kind_aggression = np.array([k.aggression for k in kinds])
        self._renewal_rates(scenario)
        self.baff = 1.0  # B-cell survival factor, 1 at the untreated steady state
        self.loss_window = np.zeros(RELAPSE_WINDOW)
        self.mean_inflammation = 0.0  # the tissue's, at the end of the day
        self.relapse: Relapse | None = None  # the relapse under way, if any
        self.last_onset = -RELAPSE_GAP
        self.scar_at_onset = 0.0
        self.relapses: list[Relapse] = []  # every relapse that began, in order
        self.titre = {"thyroid_autoimmunity": 0.0, "immune_thrombocytopenia": 0.0}
        self.autoimmune_onset: dict[str, int] = {}
        self.thyroid_damage = 0.0  # share of the gland destroyed, disease at 1
        self.lesion_mask = np.zeros((g.width, g.height), dtype=bool)
        self.lesion_share = 0.0  # share of sites in lesions, today
        self.flare_today = False
        self.progenitor_output = 0
        self.lymphopenia = 0.0  # 1 - T cells / their baseline, from the day's turnover

        mem = scenario.memory
        for kind in Kind:
            n = int(self.base[kind])
            # ages spread over a lifespan so deaths are steady from day 0
            ages = self.rng.exponential(kinds[kind].lifespan_days, n).astype(np.int32)
            rows = self._make_cells(np.full(n, int(kind)), 0, ages)
            t = self.lymphocytes
            if kind == Kind.B_CELL:
                t.memory[rows] = self.rng.random(n) < mem.b_memory_share
            elif kind <= LAST_ATTACKER:  # the untreated steady state: part of the clones primed
                self._prime(rows[t.autoreactive[rows] & (self.rng.random(n) < mem.primed_share)])

        self._settle_residents(mem.resident_cells)
        self._burn_in(round(scenario.run.burn_in_years * YEAR))
        self.observation: dict[str, float] = {}
        if start:
            self._start()

    def _start(self) -> None:
        """Day 0: schedule the scenario's courses and take the first observation."""
        for i, course in enumerate(self.params.dosing.courses):
            self.schedule_course(course, index=i)
        self.therapy.start()
        self.observe()

    @classmethod
    def enrol(cls, scenario: Scenario, seed: int, *, start: bool = True) -> MSModel:
        """The patient of ``seed``: its first candidate who meets the scenario's entry criteria
        (``patient.entry_*``), as a trial screens people on their history; with none, the first
        candidate. Deterministic: the same seed enrols the same person."""
        settings = scenario.patient
        for candidate in range(settings.max_screened if settings.screens() else 1):
            model = cls(scenario, seed, start=False, candidate=candidate)
            if model.meets_entry():
                if start:
                    model._start()
                return model
        raise ScenarioError(
            scenario.name,
            [
                f"patient: none of the {settings.max_screened} candidates seed {seed} screened "
                f"had {settings.entry_relapses_prior_year} or more relapses in the year before "
                f"day 0 and {settings.entry_enhancing_lesions} or more enhancing lesions at day "
                "0; lower patient.entry_relapses_prior_year or patient.entry_enhancing_lesions, "
                "raise patient.activity_mean, or raise patient.max_screened (up to 200)"
            ],
        )

    def meets_entry(self) -> bool:
        """Whether this candidate's history meets the scenario's entry criteria."""
        p = self.params.patient
        return (
            self.history["relapses_prior_year"] >= p.entry_relapses_prior_year
            and self.history["enhancing_lesions"] >= p.entry_enhancing_lesions
        )

    def patient_record(self) -> dict[str, float]:
        """The patient as recorded with each run: the drawn values, the history they entered
        with, and how many candidates the seed screened to find them."""
        history = {f"patient_{k}": v for k, v in self.history.items()}
        return {**self.patient.record(), **history, "patient_screened": self.candidate + 1}

    @classmethod
    def twins(cls, scenarios: Sequence[Scenario], seed: int) -> list[MSModel]:
        """One patient at day 0 under each scenario. Scenarios that differ only in what is
        given to the patient share the history before day 0, so it is lived once and copied:
        the same state each would reach on its own, for a fraction of the time."""
        scenarios = list(scenarios)
        shared = all(scenarios[0].same_patient_before_day_0(sc) for sc in scenarios[1:])
        if not shared:
            return [cls.enrol(sc, seed) for sc in scenarios]
        lived = cls.enrol(scenarios[0], seed, start=False)
        copies = pickle.dumps(lived)  # faster than copy.deepcopy, the same state
        models = [pickle.loads(copies) for _ in scenarios[1:]] + [lived]
        for model, scenario in zip(models, scenarios, strict=True):
            model.params = scenario
            model._start()
        return models

    def _burn_in(self, days: int) -> None:
        """Live ``days`` of untreated disease before day 0 and keep only their traces in the
        tissue, the cells and the score, and the history a trial screens on (``history``):
        nothing of them is recorded, except a relapse still under way at day 0 (its start day
        is then negative)."""
        self.history = {"relapses_prior_year": 0, "enhancing_lesions": 0}
        if days == 0:
            return
        self.day = -days
        self.last_onset = -days - RELAPSE_GAP  # a relapse may begin on the burn-in's first day
        for _ in range(days):
            self._live_day()
            self.day += 1
        active = self.lesion_mask & (
            self.grid.inflammation.data > self.params.disease.active_threshold
        )
        self.history = {
            "relapses_prior_year": sum(r.start >= -round(YEAR) for r in self.relapses),
            "enhancing_lesions": self.scanner.enhancing(active),  # as a screening scan sees
        }
        under_way = self.relapse
        self.relapses = [under_way] if under_way else []
        self.events = [
            e
            for e in self.events
            if under_way and e.day == under_way.start and e.kind == "relapse_start"
        ]
        self._noticed = [e for e in self._noticed if e.day >= 0]
        self.scanner.restart()

    # ------------------------------------------------------------------ dosing
    def schedule_course(
        self, course: DosingCourse, index: int | None = None, first: bool = True
    ) -> None:
        """Schedule a course's infusions as Mesa events, each just before its day's step
        (``first=False``: the days continue a course already scheduled)."""
        index = len({i.course for i in self._infusions}) if index is None else index
        for d in range(course.days):
            inf = Infusion(self, index, course.start_day + d, course.dose_mg, first and d == 0)
            self._infusions.append(inf)
            inf.event = self.schedule_event(inf.give, at=inf.day + 0.5)

    def give_course_now(self, days: int = 3, dose_mg: float = 12.0) -> DosingCourse:
        """Start a course on the next simulated day (the app's "give a course" button)."""
        course = DosingCourse(start_day=self.day, days=days, dose_mg=dose_mg)
        self.schedule_course(course)
        return course

    def stop_treatment(self) -> None:
        """From today on nothing more is given: no infusion, no dose of any drug, no
        retreatment (a choice made partway through a run: the app's "branch here"). What is
        already in the body clears as it would."""
        self._cancel_plan()
        self.events.append(Event(self.day, "treatment_change", "all treatment stopped"))

    def switch_to(self, drug: str) -> None:
        """Stop everything planned and start ``drug``'s standard regimen (the registry's) today."""
        self._cancel_plan()
        self.therapy.start_drug(drug)
        self.events.append(Event(self.day, "treatment_change", f"switched to {drug}"))

    def _cancel_plan(self) -> None:
        today = self.day
        for inf in self._infusions:
            if inf.day >= today:
                inf.event.cancel()
        self._infusions = [i for i in self._infusions if i.day < today]
        self.therapy.stop()
        self.retreating = False

    def _consider_retreatment(self) -> None:
        """A relapse long after the last course brings another course, if the scenario says so."""
        rule = self.params.dosing.retreatment
        starts = [i.day for i in self._infusions if i.first]
        extra = len(starts) - len(self.params.dosing.courses) - self.therapy.cd52_courses
        if not (rule.enabled and self.retreating) or extra >= rule.max_courses or not starts:
            return
        start = self.day + rule.delay_days
        if self.day - max(starts) >= rule.min_gap_days and start < self.params.run.days:
            self.schedule_course(
                DosingCourse(start_day=start, days=rule.days, dose_mg=rule.dose_mg)
            )

    def infuse(self, infusion: Infusion) -> None:
        if infusion.first:
            self.courses_started += 1
        n = round(infusion.dose_mg * self.params.antibody.particles_per_mg)
        n_tissue = int(self.dose_rng.binomial(n, self.params.antibody.tissue_share))
        at = self.vessel_xy[self.dose_rng.integers(0, len(self.vessel_xy), n_tissue)]
        x = np.full(n, BLOOD, dtype=np.int16)
        y = np.full(n, BLOOD, dtype=np.int16)
        x[:n_tissue], y[:n_tissue] = at[:, 0], at[:, 1]
        self.particles.add(n, x=x, y=y, age=0)
        self.events.append(
            Event(infusion.day, "dose", f"course {infusion.course + 1}, {infusion.dose_mg:g} mg")
        )

    # ------------------------------------------------------------------ views
    def lymphocyte(self, row: int) -> Lymphocyte:
        """The live lymphocyte in ``row``, as an object (the inspector's view)."""
        return Lymphocyte(self.lymphocytes, row)

    def particle(self, row: int) -> AntibodyParticle:
        return AntibodyParticle(self.particles, row)

    def site(self, x: int, y: int) -> MyelinSite:
        """The myelin site agent on grid cell (x, y)."""
        return next(a for a in self.grid[(x, y)].agents if isinstance(a, MyelinSite))

    # ------------------------------------------------------------------ helpers
    def _renewal_rates(self, scenario: Scenario) -> None:
        """Where each kind's new cells come from, and the rates that keep every patient's
        untreated state steady (derived, so the disease does not drift before treatment)."""
        mem, b = scenario.memory, Kind.B_CELL
        t_kinds = np.isin(np.arange(len(Kind)), [Kind.CD4, Kind.CD8, Kind.TREG])
        # T cells renew partly from the thymus (naive) and the rest by division of the cells
        # already there; other kinds come from the bone marrow only.
        self.is_t_kind = t_kinds
        self.thymic = np.where(t_kinds, self.patient.thymic_share, 1.0)
        self.renewal_p = self.death_p * (1.0 - self.thymic)
        self.production = self.base * self.death_p * self.thymic
        # memory B cells outlive naive ones; the marrow replaces both
        s = mem.b_memory_share
        self.b_memory_death = 1 - math.exp(-1 / mem.b_memory_lifespan_days)
        self.b_memory_rate = s / (1 - s) * self.b_memory_death if s < 1 else 0.0
        self.production[b] = self.base[b] * ((1 - s) * self.death_p[b] + s * self.b_memory_death)
        self.memory_b_base = max(self.base[b] * s, 1e-9)
        # priming makes as many primed clones as leave the primed pool, at full help
        p = mem.primed_share
        loss = self.death_p * self.thymic  # net loss of a clone: death less self-renewal
        self.priming = np.where(t_kinds, p / (1 - p) * loss if p < 1 else 0.0, 0.0)
        cd4_lineage = self.base[Kind.CD4] + self.base[Kind.TREG]
        self.treg_share_base = self.base[Kind.TREG] / cd4_lineage if cd4_lineage else 0.0

    def _prime(self, rows: np.ndarray) -> None:
        """Naive autoreactive T cells become myelin-primed memory cells, more aggressive."""
        t = self.lymphocytes
        t.memory[rows] = True
        t.aggression[rows] *= self.params.memory.priming_gain

    def _b_help(self) -> float:
        """Antigen presentation by memory B cells, 1 at the untreated level (capped at 2)."""
        t, share = self.lymphocytes, self.params.memory.b_cell_help
        mem_b = np.count_nonzero(t.alive & t.memory & (t.kind == Kind.B_CELL))
        return (1 - share) + share * min(mem_b / self.memory_b_base, 2.0)

    def _new_cell_traits(self, generation: int) -> tuple:
        """Per kind, what a new naive cell of course ``generation`` is born with (CD52,
        aggression, chance of self-reactivity), the sheltered share and the aggression's
        spread: the arguments :func:`model.kernels.make_cells` takes after the kinds."""
        rep = self.params.repopulation
        return (
            self.cd52,
            self.kind_aggression * rep.aggression_factor**generation,
            self.auto_frac * rep.autoreactive_factor**generation,
            self.params.antibody.lymphoid_shelter,
            self.params.disease.aggression_spread,
            generation,
        )

    def _make_cells(self, kinds: np.ndarray, generation: int, ages: np.ndarray) -> np.ndarray:
        """New naive cells from CD52-negative progenitors (thymus, bone marrow), one per entry
        of ``kinds``, ``ages`` days old."""
        t = self.lymphocytes
        t.reserve(kinds.size)
        rows, n_free, born = kernels.make_cells(
            t.arrays(), t.free, t.n_free, t.born, kinds, ages.astype(np.int32),
            *self._new_cell_traits(generation), self.rng,
        )  # fmt: skip
        t.taken(n_free, born)
        return rows

    def _settle_residents(self, n: int) -> None:
        """Primed CD8 memory cells that live in the tissue, each beside a vessel."""
        if n == 0:
            return
        rows = self._make_cells(np.full(n, int(Kind.CD8)), 0, np.zeros(n, np.int32))
        t = self.lymphocytes
        t.autoreactive[rows], t.resident[rows], t.sheltered[rows] = True, True, False
        self._prime(rows)
        at = self.vessel_xy[self.rng.integers(0, len(self.vessel_xy), n)]
        self._move(t, rows, at[:, 0].astype(np.int16), at[:, 1].astype(np.int16))

    def _refill_niche(self, residents: int) -> np.ndarray:
        """Resident cells divide in place to keep their niche full (homeostatic proliferation
        of tissue-resident memory); a niche emptied entirely stays empty. ``residents``: how
        many live now. Returns the new cells of each kind."""
        t, gap = self.lymphocytes, self.params.memory.resident_cells - residents
        if gap <= 0 or residents == 0:
            return np.zeros(len(Kind))
        rows = np.flatnonzero(t.alive & t.resident)
        mother = rows[self.rng.integers(0, rows.size, gap)]
        cols = {c: getattr(t, c)[mother] for c in t.columns}
        cols.update(age=0, activated=0)
        t.add(gap, **cols)
        return np.bincount(cols["kind"], minlength=len(Kind)).astype(float)

    @staticmethod
    def _move(table, rows: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        """Set new positions (BLOOD to leave the grid)."""
        table.x[rows], table.y[rows] = x, y

    def counts(self, blood_only: bool = True) -> np.ndarray:
        """Live cells of each kind (in the blood compartment, as a clinic measures them)."""
        t = self.lymphocytes
        return kernels.kind_counts(t.alive, t.kind, t.x, len(Kind), blood_only)

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        self._live_day()
        self.observe()
        self.day += 1

    def _live_day(self) -> None:
        """One day of every process, unobserved (Mesa's step adds the observation; the burn-in
        lives days without one, and outside Mesa's clock, so scheduled infusions count from
        day 0)."""
        self.flare_today = False
        self.progenitor_output = 0
        self.antibody_binding()
        self.therapy.daily()
        self.blood_turnover()
        self.autoimmunity()
        self.infections()
        self.activation()
        self.traffic()
        self.migration()
        self.macrophage_recruitment()
        loss = self.attack()
        self.inflammation_spread()
        self.remyelination()
        self.lesions_and_relapses(loss)
        self.disability()

    def antibody_binding(self) -> None:
        """Particles meet cells; binding is proportional to CD52 and uses the particle up."""
        p, t, rng = self.particles, self.lymphocytes, self.dose_rng
        prow = p.rows()
        if prow.size == 0:
            return
        ab = self.params.antibody
        p.age[prow] += 1
        cleared = prow[rng.random(prow.size) < 1 - 0.5 ** (1 / ab.half_life_days)]
        used: list[np.ndarray] = [cleared]
        killed: list[np.ndarray] = []
        live = np.setdiff1d(prow, cleared, assume_unique=True)

        in_blood = live[p.x[live] == BLOOD]
        cells = t.rows()
        # naive cells home to lymph nodes, where sheltered ones escape; primed effector memory
        # cells circulate in the blood and the tissue, in the antibody's way
        blood_cells = cells[(t.x[cells] == BLOOD) & ~(t.sheltered[cells] & ~t.memory[cells])]
        if blood_cells.size and in_blood.size:
            # mass action: the fewer cells are left, the fewer particles meet one, so per-cell
            # exposure follows the antibody level and target-rich blood uses antibody up faster
            p_meet = ab.encounter_rate * min(1.0, blood_cells.size / self.base.sum())
            meet = in_blood[rng.random(in_blood.size) < p_meet]
            targets = blood_cells[rng.integers(0, blood_cells.size, meet.size)]
            used_b, killed_b = self._bind(meet, targets)
            used.append(used_b)
            killed.append(killed_b)

        in_tissue = live[p.x[live] != BLOOD]
        if in_tissue.size:
            step = STEPS[rng.integers(0, len(STEPS), in_tissue.size)]
            nx = np.minimum(np.maximum(p.x[in_tissue] + step[:, 0], 0), self.width - 1)
            ny = np.minimum(np.maximum(p.y[in_tissue] + step[:, 1], 0), self.height - 1)
            self._move(p, in_tissue, nx.astype(np.int16), ny.astype(np.int16))
            tissue_cells = cells[t.x[cells] != BLOOD]
            if tissue_cells.size:
                occupant = np.full(self.width * self.height, -1, dtype=np.int64)
                occupant[t.x[tissue_cells] * self.height + t.y[tissue_cells]] = tissue_cells
                hit = occupant[nx * self.height + ny]
                used_t, killed_t = self._bind(in_tissue[hit >= 0], hit[hit >= 0])
                used.append(used_t)
                killed.append(killed_t)

        p.remove(np.unique(np.concatenate(used)))
        if killed:
            t.remove(np.unique(np.concatenate(killed)))

    def _bind(self, particles: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kind = self.lymphocytes.kind[cells]
        binds = self.dose_rng.random(cells.size) < self.lymphocytes.cd52[cells]
        dies = binds & (self.dose_rng.random(cells.size) < self.kill[kind])
        return particles[binds], cells[dies]

    def blood_turnover(self) -> None:
        """Ageing and death; new naive cells from progenitors (thymus, marrow); renewal of T
        cells by division; and lymphopenia-driven expansion of survivors when counts are low."""
        t, rng, rep = self.lymphocytes, self.rng, self.params.repopulation
        n_free, n, residents = kernels.age_and_die(
            t.alive, t.age, t.activated, t.kind, t.memory, t.resident, self.death_p,
            self.b_memory_death, int(Kind.B_CELL), rng.random(np.count_nonzero(t.alive)),
            t.free, t.n_free,
        )  # fmt: skip
        t.taken(n_free, t.born)
        n += self._refill_niche(residents)
        b = Kind.B_CELL
        # BAFF builds up while B cells are below their set point and is used up while they are
        # above it, so it keeps boosting B-cell output after they return: the overshoot.
        self.baff += (1.0 - n[b] / max(self.base[b], 1)) / rep.baff_days
        self.baff = min(max(self.baff, rep.baff_min), rep.baff_max)
        t_cells = n[Kind.CD4] + n[Kind.CD8] + n[Kind.TREG]
        t_base = self.base[Kind.CD4] + self.base[Kind.CD8] + self.base[Kind.TREG]
        lymphopenia = max(0.0, 1.0 - t_cells / max(t_base, 1))
        self.lymphopenia = lymphopenia
        rate = self.production.copy()
        rate[b] *= self.baff**rep.baff_gain
        rate[Kind.TREG] *= 1 + (rep.treg_boost - 1) * lymphopenia
        if self.therapy.output is not None:  # precursors a drug killed (model.therapy)
            rate *= self.therapy.output
        room = np.minimum(np.maximum(1 - n / np.maximum(self.base, 1), 0), 1)
        expand_p = np.minimum(self.homeo * room * self.patient.drive, 1.0)
        mem, drawn = self.params.memory, np.empty((3, len(Kind)), np.int64)
        for counted in (False, True):
            n_free, born, short = kernels.renew(
                t.arrays(), t.free, t.n_free, t.born, rate, n.astype(np.int64),
                self.renewal_p, expand_p, drawn, counted,
                *self._new_cell_traits(self.courses_started), mem.self_bias,
                mem.lymphopenic_priming, mem.priming_gain, int(LAST_ATTACKER), rng,
            )  # fmt: skip
            if not short:
                break
            t.reserve(short)  # then go on from the counts already drawn
        t.taken(n_free, born)
        self.progenitor_output = int(drawn[0].sum())

    def autoimmunity(self) -> None:
        """Secondary autoimmunity by mechanism: while T cells are scarce, homeostatic cytokines
        (IL-21-like, stronger in some patients: their drive) push the survivors to divide, and
        the repertoire narrows to the few expanded clones. That narrowed repertoire,
        under that drive, helps autoantibodies build up. Each titre rises with the help and
        decays; the thyroid antibody, from a titre of 1, destroys the gland slowly (disease
        when the damage reaches 1), the platelet antibody at once (ITP when its titre reaches
        1). Untreated patients have no lymphopenia and so none of it."""
        t, rep = self.lymphocytes, self.params.repopulation
        n_t, n_expanded = kernels.repertoire(t.alive, t.kind, t.expanded, self.is_t_kind)
        narrowed = n_expanded / n_t if n_t else 0.0
        help_ = narrowed * self.lymphopenia * self.patient.drive
        keep = 1.0 - 1.0 / rep.autoantibody_days
        for kind, rate in (
            ("thyroid_autoimmunity", rep.thyroid_rate),
            ("immune_thrombocytopenia", rep.itp_rate),
        ):
            self.titre[kind] = self.titre[kind] * keep + rate * help_
        # the thyroid is destroyed slowly by its antibody; platelets at once
        thyroid = self.titre["thyroid_autoimmunity"]
        if thyroid >= 1.0:
            self.thyroid_damage += thyroid * self.patient.thyroid / rep.thyroid_damage_days
        harm = {
            "thyroid_autoimmunity": self.thyroid_damage,
            "immune_thrombocytopenia": self.titre["immune_thrombocytopenia"],
        }
        for kind, level in harm.items():
            if level >= 1.0 and kind not in self.autoimmune_onset:
                self.autoimmune_onset[kind] = self.day
                self.events.append(Event(self.day, kind, kind.replace("_", " ")))

    def infections(self) -> None:
        """Infections by common random numbers: two draws every day from their own stream, so
        a run with a higher hazard has every infection of one with a lower hazard. A response
        that starts today is noticed ``lead_days`` later (the recorded event) and stirs the
        immune system up for ``stir_days``."""
        inf = self.params.infections
        while self._noticed and self._noticed[0].day == self.day:
            self.events.append(self._noticed.pop(0))
        arrives, severity = self.infection_rng.random(), self.infection_rng.random()
        self.infection_hazard = (
            inf.rate_per_year / YEAR * (1 + inf.lymphopenia_gain * self.lymphopenia)
        )
        if arrives >= self.infection_hazard:
            return
        self.stirred_until = max(self.stirred_until, self.day + inf.stir_days - 1)
        detail = "serious" if severity < inf.serious_share else "mild"
        event = Event(self.day + inf.lead_days, "infection", detail)
        if inf.lead_days == 0:
            self.events.append(event)
        else:
            self._noticed.append(event)

    def activation(self) -> None:
        """Priming of naive autoreactive T cells (rare, needs memory B cells' antigen
        presentation, held back by Tregs), memory B cells formed with CD4 help, and recall of
        primed cells now and then, many at once in a wave. The patient's activity sets both
        the background recall and the rate of waves: a quiet patient is quiet between waves
        too."""
        d, t, rng = self.params.disease, self.lymphocytes, self.rng
        # the day's wave, drawn whether or not one comes so every day uses the stream alike;
        # each wave has its own strength: most are mild, a few activate most of the repertoire
        arrives, strength = self.wave_rng.random(), self.wave_rng.exponential()
        factor = self.patient.wave_rate_factor(self.params.patient, self.day / YEAR)
        self.flare_today = bool(arrives < d.flare_rate * factor / YEAR)
        wave = min(1.0, d.flare_activation * strength) if self.flare_today else 0.0
        if self.day <= self.stirred_until:  # an infection's bystander activation
            wave = min(1.0, wave + self.params.infections.activation_boost)
        if self.flare_today:
            self.events.append(Event(self.day, "activation_wave", f"strength {wave:.3f}"))
        help_ = self._b_help()
        blood = self.counts()
        lineage = blood[Kind.CD4] + blood[Kind.TREG]
        share = blood[Kind.TREG] / lineage if lineage else self.treg_share_base
        tregs = (self.treg_share_base / max(share, 1e-9)) ** self.params.memory.treg_priming
        cd4_help = min(1.0, blood[Kind.CD4] / max(self.base[Kind.CD4], 1))
        # residents are recalled in place by the tissue's own antigen-presenting cells, when
        # a wave or an infection stirs the immune system up (at ``resident_recall`` or more);
        # a drug that lowers antigen presentation (interferon beta) holds them back too
        kernels.activate(
            t.alive,
            t.kind,
            t.x,
            t.autoreactive,
            t.memory,
            t.resident,
            t.activated,
            t.aggression,
            self.priming,
            self.params.memory.priming_gain,
            help_,
            min(tregs, 4.0),
            self.b_memory_rate * cd4_help,
            (d.activation_rate * factor + wave) * help_ * self.therapy.activation,
            wave,
            self.params.memory.resident_recall,
            self.therapy.activation,
            d.activated_days,
            int(LAST_ATTACKER),
            int(Kind.B_CELL),
            rng,
        )

    def traffic(self) -> None:
        """Activated cells cross vessel walls; resting cells visit and leave again."""
        d, t = self.params.disease, self.lymphocytes
        mean_infl = mean(self.grid.inflammation.data)
        kernels.cross_vessel_walls(
            t.alive, t.kind, t.x, t.y, t.activated, t.resident, d.entry_rate, d.patrol_rate,
            d.patrol_rate * (1 + d.treg_recruitment * mean_infl),
            self.no_entry_block if self.therapy.entry is None else self.therapy.entry,
            1 / d.patrol_days, int(Kind.TREG), self.vessel_x, self.vessel_y, self.rng,
        )  # fmt: skip

    def migration(self) -> None:
        """Tissue cells step to a Moore neighbour; activated cells and Tregs follow inflammation."""
        t = self.lymphocytes
        kernels.migrate(
            t.alive, t.kind, t.x, t.y, t.activated, self.params.disease.chemotaxis,
            int(Kind.TREG), self.neighbours, self.grid.inflammation.data.ravel(), self.height,
            self.rng,
        )  # fmt: skip

    def macrophage_recruitment(self) -> None:
        """Inflamed tissue draws monocytes from the blood, which become macrophages (0 to 1 of
        a site's room) and leave or die in ``macrophage_days``. Monocytes cross vessel walls on
        alpha-4 integrin as lymphocytes do, so an entry blocker keeps them out too."""
        d, g = self.params.disease, self.grid
        kernels.recruit_macrophages(
            g.macrophages.data,
            g.inflammation.data,
            d.macrophage_recruitment * self.therapy.monocyte_entry,
            1 - 1 / d.macrophage_days,
        )

    def attack(self) -> np.ndarray:
        """Activated autoreactive cells strip myelin where they stand, less so near Tregs."""
        d, t, g = self.params.disease, self.lymphocytes, self.grid
        return kernels.strip_myelin(
            t.alive, t.kind, t.x, t.y, t.autoreactive, t.activated, t.aggression,
            g.integrity.data, g.scar.data, g.inflammation.data, g.macrophages.data,
            d.attack_damage, d.unaided_attack, d.treg_suppression, d.scar_fraction,
            d.inflammation_per_damage, int(LAST_ATTACKER), int(Kind.TREG),
        )  # fmt: skip

    def inflammation_spread(self) -> None:
        d = self.params.disease
        kernels.spread_inflammation(self.grid.inflammation.data, d.diffusion, d.inflammation_decay)

    def remyelination(self) -> None:
        """Repair towards what the scar allows; inflammation holds repair back. After a course,
        trophic support from reconstituted T cells restores part of the scar itself."""
        d, rep, g = self.params.disease, self.params.repopulation, self.grid
        restore = rep.trophic_repair * self.trophic_support() if self.courses_started else 0.0
        kernels.repair_myelin(
            g.integrity.data,
            g.scar.data,
            self.scar_peak,
            g.inflammation.data,
            d.repair_rate,
            restore,
            1.0 - rep.trophic_reach,
            max(d.active_threshold, 1e-9),
        )

    def trophic_support(self) -> float:
        """Neuroprotective autoimmunity (Jones 2010): T cells made after a course, meeting
        myelin, make more neurotrophins (BDNF, CNTF, PDGF) than the cells before them did, and
        these let injured axons recover. The support is the share of CD4 and CD8 cells (all
        but the tissue's residents) made after a course: 0 before the first, near 1 once the
        reconstituted cells have taken over (0.65-0.85 four months after the first infusion)."""
        t = self.lymphocytes
        rows = t.rows()
        conventional = rows[(t.kind[rows] <= Kind.CD8) & ~t.resident[rows]]
        if conventional.size == 0:
            return 0.0
        return np.count_nonzero(t.generation[conventional]) / conventional.size

    def lesions_and_relapses(self, loss: np.ndarray) -> None:
        """Sites crossing the lesion threshold (new lesions, noted for the next scan), and the
        relapse rule: symptoms come from damage where it shows, so a relapse starts on the
        week's new myelin loss at eloquent sites and remits when they are no longer inflamed;
        damage elsewhere makes silent lesions."""
        d = self.params.disease
        lesion = self.grid.integrity.data < d.lesion_threshold
        became = lesion & ~self.lesion_mask
        if became.any():  # most days no site crosses the threshold
            # a new lesion: a patch that touches nothing that became lesion in the last month,
            # whether or not it touches an old lesion
            recent = self.last_became > self.day - RELAPSE_GAP
            fresh = became & ~ndimage.binary_dilation(recent, structure=MOORE)
            labels = ndimage.label(fresh, structure=MOORE)[0]
            for sl in ndimage.find_objects(labels):
                cx = (sl[0].start + sl[0].stop - 1) // 2
                cy = (sl[1].start + sl[1].stop - 1) // 2
                self.events.append(Event(self.day, "new_lesion", f"near site ({cx}, {cy})"))
            self.last_became[became] = self.day
        self.scanner.note(lesion, became, float(loss.sum()) * 1000 / loss.size)
        self.lesion_mask = lesion
        self.lesion_share = np.count_nonzero(lesion) / lesion.size

        self.loss_window[1:] = self.loss_window[:-1]  # the newest day first
        eloquent, inflammation = self.grid.eloquent.data, self.grid.inflammation.data
        self.loss_window[0] = loss[eloquent].sum()
        recent = self.loss_window.sum() * 1000 / self.n_eloquent
        self.mean_inflammation = mean(inflammation)
        if self.relapse is None:
            if recent >= d.relapse_onset and self.day - self.last_onset >= RELAPSE_GAP:
                self.last_onset = self.day
                self.relapse = Relapse(start=self.day)
                self.relapses.append(self.relapse)
                self._consider_retreatment()
                self.scar_at_onset = float(self.grid.scar.data.sum())
                self.events.append(
                    Event(
                        self.day,
                        "relapse_start",
                        f"new myelin loss {recent:.1f} per 1,000 eloquent sites in 7 days",
                    )
                )
        elif inflammation[eloquent].mean() < d.relapse_remission:
            # lasting damage: the myelin this relapse destroyed for good, per 1,000 sites
            scarred = (self.grid.scar.data.sum() - self.scar_at_onset) * 1000 / loss.size
            lasting = bool(scarred >= d.residual_threshold)
            r = self.relapse
            r.end, r.duration = self.day, self.day - r.start
            r.lasting_damage, r.lasting_loss = lasting, round(float(scarred), 3)
            duration = r.duration
            self.events.append(
                Event(
                    self.day,
                    "relapse_end",
                    f"lasted {duration} days; {'lasting damage' if lasting else 'full recovery'}",
                )
            )
            self.relapse = None

    def disability(self) -> None:
        """The EDSS-like score: onset + the relapse part (myelin missing at eloquent sites) +
        the progressive part, which grows in steps, more often with more lesion burden, with
        age and, for its inflammatory share, with the tissue's smouldering inflammation."""
        dis = self.params.disability
        self.smouldering += (self.mean_inflammation - self.smouldering) / dis.smoulder_days
        age = self.patient.age + self.day / YEAR
        speed = max(0.0, 1.0 + dis.age_gain * (age - REFERENCE_AGE) / 10.0)
        burden = self.lesion_share / 0.1
        share = dis.inflammatory_share
        drive = 1.0 - share + share * self.smouldering / dis.reference_inflammation
        pace = dis.progression_rate / YEAR * burden * speed * self.patient.smoulder * drive
        step = dis.progression_step
        # one draw a day whatever the pace, so twins share the days of their steps
        if self.step_rng.random() < (pace / step if step else 0.0):
            self.progressive += step
        elif not step:
            self.progressive += pace
        missing = 1.0 - self.grid.integrity.data[self.grid.eloquent.data]
        relapse_part = dis.relapse_weight * float(missing.sum()) / self.n_eloquent
        self.edss = edss_steps(dis.onset_edss + relapse_part + self.progressive)

    # ------------------------------------------------------------------ observation
    def observe(self) -> dict[str, float]:
        """The day's measurements, one value per :data:`model.records.TIMESERIES` column."""
        t, d = self.lymphocytes, self.params.disease
        effector, tissue, auto, primed, memory_b = kernels.effector_census(
            t.alive, t.kind, t.x, t.autoreactive, t.memory, int(LAST_ATTACKER), int(Kind.B_CELL)
        )
        blood = self.counts()
        integ = self.grid.integrity.data
        infl = self.grid.inflammation.data
        lesion = self.lesion_mask  # today's, from lesions_and_relapses
        active = lesion & (infl > d.active_threshold)
        n_active = patches(active)  # every inflamed lesion, however small
        self.scanner.scan(self.day, lesion, active)
        cd4_lineage = blood[Kind.CD4] + blood[Kind.TREG]
        self.observation = {
            "day": self.day,
            "cd4": blood[Kind.CD4],
            "cd8": blood[Kind.CD8],
            "b_cells": blood[Kind.B_CELL],
            "treg": blood[Kind.TREG],
            "nk": blood[Kind.NK],
            "tissue_cells": float(tissue),
            "antibody": float(self.particles.rows().size),
            "myelin_integrity": mean(integ),
            "lesion_area": float(self.lesion_share),
            "active_lesions": float(n_active),
            "chronic_lesion_area": float(np.count_nonzero(lesion & ~active) / lesion.size),
            "inflammation": self.mean_inflammation,  # today's, from lesions_and_relapses
            "relapse_active": float(self.relapse is not None),
            "mean_aggression": mean(t.aggression[effector]) if effector.size else 0.0,
            "autoreactive_share": auto / effector.size if effector.size else 0.0,
            "primed_cells": float(primed),
            "memory_b_cells": float(memory_b),
            "treg_share": float(blood[Kind.TREG] / cd4_lineage) if cd4_lineage else 0.0,
            "infection_risk": self.infection_hazard,
            "edss": self.edss,
            "edss_read": self.examiner.examine(self.day, self.edss),
            "baff": self.baff,
            "progenitor_output": float(self.progenitor_output),
        }
        assert len(self.observation) == len(TIMESERIES_COLUMNS)  # the declaration and the day
        return self.observation
