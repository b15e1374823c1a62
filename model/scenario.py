"""Scenario files: the one validated description of a simulated patient and treatment.

A scenario is a TOML file. Every value is typed and range-checked by pydantic, unknown keys are
refused with a "did you mean" hint, and a file holding only a ``name`` runs on the defaults below
(the standard two-course alemtuzumab schedule). Each field carries a unit and a one-line
description in its JSON Schema, which the app's sliders and ``docs/scenario-reference.md`` read.

Reading a file costs at most a little more than parsing it, whatever it holds: the file is at
most ``MAX_FILE_BYTES``, its nesting is checked by a linear scan before ``tomllib`` (whose parser
recurses once per level) sees it, unknown keys are found by walking the parsed tables against
the schema, and a refusal lists at most ``MAX_PROBLEMS`` problems, each with values and keys cut
to a short excerpt. Settings that are each in range but multiply into more antibody particles
than a run can hold are refused too (``MAX_PARTICLES``).
"""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import itertools
import re
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from model.drugs import REGISTRY_FILE, DrugRegistryError, registry

CD52 = "cd52_particles"  # the drug registry's mechanism for alemtuzumab's particles
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32  # tables, arrays and dotted keys inside one another (a scenario needs 4)
MAX_ARRAY_VALUES = 10_000  # values in arrays and inline tables (a scenario needs 200 at most)
MAX_PROBLEMS = 20  # problems listed in one refusal; the rest are counted
EXCERPT_CHARS = 60  # longest value or key echoed whole in a message
MAX_PARTICLES = 2_000_000  # antibody particles alive at once (about 110 bytes each, measured)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` if it is short, else its start and how long it is."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…({len(text):,} characters)"


def _shown(value: Any) -> str:
    """A value as a message echoes it: its repr, cut to a short excerpt."""
    if isinstance(value, str) and len(value) > EXCERPT_CHARS:
        return f"{value[:EXCERPT_CHARS]!r}…({len(value):,} characters)"
    return excerpt(repr(value))


class ScenarioError(Exception):
    """A scenario could not be read or is invalid.

    ``problems`` lists the first :data:`MAX_PROBLEMS` reasons (each at most a few lines long),
    then one line saying how many more there are; ``total`` counts them all.
    """

    def __init__(self, source: str, problems: list[str], total: int | None = None, note: str = ""):
        self.source = source
        self.total = max(total or 0, len(problems))
        shown = [excerpt(p, 2000) for p in problems[:MAX_PROBLEMS]]
        hidden = self.total - len(shown)
        if hidden:
            shown.append(f"... and {hidden:,} more problem(s), not listed{note}")
        self.problems = shown
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = [f"{self.source}: {self.total:,} problem(s) in this scenario"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _f(default, description: str, unit: str, ge=None, le=None, gt=None, lt=None):
    """A numeric field with its unit and range recorded in the JSON Schema."""
    return Field(
        default,
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        json_schema_extra={"unit": unit},
    )


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Lesson(Section):
    """Text shown to the class beside the model (NetLogo Info-tab style)."""

    what_it_is: str = Field(
        "An agent-based model of the immune attack on myelin in relapsing-remitting MS and of "
        "the antibody alemtuzumab, which depletes CD52-carrying lymphocytes.",
        description="What the scenario shows, in one or two sentences.",
        max_length=4000,
    )
    how_it_works: str = Field(
        "Myelin-primed (memory) lymphocytes are activated in the blood, now and then many at "
        "once, cross vessel walls and attack myelin; a few live in the tissue. Damage inflames "
        "the tissue and forms lesions, most of them silent; a burst of new damage in eloquent "
        "tracts (where damage shows) is a relapse and raises the disability score (EDSS). "
        "Infections come at random and stir the immune system up. Alemtuzumab particles bind "
        "CD52 and destroy the cells they bind, memory cells included; new cells come back naive "
        "and must be primed again.",
        description="How the model works, for students.",
        max_length=4000,
    )
    things_to_notice: str = Field(
        "How fast each kind of cell falls after the first infusion and in which order they "
        "come back; B cells overshoot their baseline; relapses, new lesions and disability "
        "worsening become rarer after treatment, while infections become more common for a "
        "year.",
        description="What to watch for while the model runs.",
        max_length=4000,
    )
    things_to_try: str = Field(
        "Run the same patient untreated and treated; delay the second course; try another "
        "seed (another patient).",
        description="Experiments for the class.",
        max_length=4000,
    )


class RunSettings(Section):
    """How long to simulate and what counts as the pre-treatment baseline."""

    days: int = _f(1885, "Length of the run (one step is one day).", "days", ge=1, le=7305)
    baseline_days: int = _f(
        60,
        "Run-in before treatment; blood counts over these days are the baseline, and relapse "
        "rates are counted from the end of it.",
        "days",
        ge=1,
        le=365,
    )
    burn_in_years: float = _f(
        2.0,
        "Untreated disease simulated before day 0, so the patient starts with a history "
        "(lesions, scars, disability) like a trial entrant. Nothing of it is recorded.",
        "years",
        ge=0,
        le=20,
    )
    seed: int = _f(
        1, "Default random seed (the command line's --seed overrides it).", "", ge=0, le=2**32 - 1
    )


class GridSettings(Section):
    """The slice of white matter the class watches."""

    width: int = _f(60, "Sites across the tissue grid.", "sites", ge=10, le=200)
    height: int = _f(60, "Sites down the tissue grid.", "sites", ge=10, le=200)
    vessels: int = _f(
        14, "Blood vessels where cells and antibody enter the tissue.", "vessels", ge=1, le=400
    )


class CellKind(Section):
    """Blood-compartment parameters of one kind of lymphocyte."""

    baseline: int = _f(
        300, "Cells of this kind in the blood compartment at the start.", "cells", ge=0, le=20000
    )
    lifespan_days: float = _f(365.0, "Mean lifespan of one cell.", "days", ge=1, le=20000)
    cd52: float = _f(
        1.0,
        "CD52 density relative to T cells (chance a meeting antibody binds).",
        "fraction",
        ge=0,
        le=1,
    )
    kill_efficiency: float = _f(0.9, "Chance a bound cell is destroyed.", "probability", ge=0, le=1)
    homeostatic_rate: float = _f(
        0.0,
        "Division rate of a cell when its kind is nearly absent; falls to zero at baseline.",
        "per day",
        ge=0,
        le=1,
    )
    autoreactive_fraction: float = _f(
        0.0, "Share of new cells that recognise myelin.", "fraction", ge=0, le=1
    )
    aggression: float = _f(
        1.0, "How hard an activated cell of this kind attacks myelin.", "relative", ge=0, le=5
    )


def _kind(**values: Any) -> Any:
    return Field(default_factory=lambda: CellKind(**values))


class Cells(Section):
    """The five kinds of lymphocyte. Only CD4 and CD8 T cells attack myelin (their
    ``autoreactive_fraction`` and ``aggression`` matter); B cells help them by presenting
    antigen (see ``[memory]``), Tregs suppress them and NK cells are bystanders, so those three
    kinds' ``autoreactive_fraction`` and ``aggression`` are not used."""

    cd4: CellKind = _kind(
        baseline=600,
        lifespan_days=1300,
        cd52=1.0,
        kill_efficiency=0.85,
        homeostatic_rate=0.0055,
        autoreactive_fraction=0.10,
        aggression=1.0,
    )
    cd8: CellKind = _kind(
        baseline=280,
        lifespan_days=560,
        cd52=1.0,
        kill_efficiency=0.85,
        homeostatic_rate=0.008,
        autoreactive_fraction=0.08,
        aggression=1.2,
    )
    b_cells: CellKind = _kind(
        baseline=240,
        lifespan_days=160,
        cd52=0.9,
        kill_efficiency=0.95,
        homeostatic_rate=0.0,
        autoreactive_fraction=0.0,
        aggression=0.0,
    )
    treg: CellKind = _kind(
        baseline=60,
        lifespan_days=600,
        cd52=1.0,
        kill_efficiency=0.9,
        homeostatic_rate=0.012,
        autoreactive_fraction=0.0,
        aggression=0.0,
    )
    nk: CellKind = _kind(
        baseline=160,
        lifespan_days=20,
        cd52=0.2,
        kill_efficiency=0.12,
        homeostatic_rate=0.02,
        autoreactive_fraction=0.0,
        aggression=0.0,
    )


class Disease(Section):
    """Activation, attack, inflammation, repair and what makes a relapse."""

    activation_rate: float = _f(
        0.0008,
        "Daily chance a primed autoreactive cell is recalled outside a flare, for a patient "
        "of activity 1 (it scales with the patient's activity, as the rate of waves does).",
        "per day",
        ge=0,
        le=1,
    )
    flare_rate: float = _f(
        2.2,
        "Mean number of activation waves (e.g. after an infection) a year; they arrive at random.",
        "per year",
        ge=0,
        le=50,
    )
    flare_activation: float = _f(
        0.3,
        "Mean chance each autoreactive blood cell is activated "
        "by a wave (wave strengths vary at random).",
        "probability",
        ge=0,
        le=1,
    )
    activated_days: float = _f(9.0, "Mean time a cell stays activated.", "days", ge=0.5, le=365)
    entry_rate: float = _f(
        0.35,
        "Daily chance an activated cell crosses a vessel into the tissue.",
        "per day",
        ge=0,
        le=1,
    )
    patrol_rate: float = _f(
        0.03, "Daily chance a resting blood cell visits the tissue.", "per day", ge=0, le=1
    )
    patrol_days: float = _f(
        4.0, "Mean stay of a resting visitor in the tissue.", "days", ge=0.5, le=365
    )
    treg_recruitment: float = _f(
        50.0,
        "How much tissue inflammation draws Tregs in: their daily visiting chance is "
        "patrol_rate x (1 + this x the tissue's mean inflammation).",
        "per unit of mean inflammation",
        ge=0,
        le=1000,
    )
    aggression_spread: float = _f(
        0.25,
        "Spread of aggression between cells of one kind: each new cell's aggression is its "
        "kind's value times a lognormal factor with median 1 and this log-standard deviation.",
        "log-sd",
        ge=0,
        le=2,
    )
    attack_damage: float = _f(
        0.27,
        "Myelin integrity an activated cell of aggression 1 removes a day.",
        "integrity per day",
        ge=0,
        le=1,
    )
    unaided_attack: float = _f(
        0.5,
        "Share of its myelin damage an activated T cell does with no macrophages beside it: "
        "T cells direct the attack, while macrophages from blood monocytes strip most of the "
        "myelin.",
        "fraction",
        ge=0,
        le=1,
    )
    macrophage_recruitment: float = _f(
        5.0,
        "How fast inflamed tissue draws monocytes from the blood: each day a site's free room for "
        "macrophages fills by 1 - exp(-this x its inflammation x the drugs' monocyte entry).",
        "per unit of inflammation per day",
        ge=0,
        le=100,
    )
    macrophage_days: float = _f(
        10.0, "Mean time a macrophage stays in the tissue.", "days", ge=0.5, le=365
    )
    treg_suppression: float = _f(
        0.35, "Attack reduction per Treg in the 3x3 neighbourhood.", "fraction per Treg", ge=0, le=1
    )
    inflammation_per_damage: float = _f(
        2.0, "Inflammation released per unit of myelin lost.", "per integrity", ge=0, le=100
    )
    inflammation_decay: float = _f(
        0.07, "Share of inflammation cleared each day.", "per day", ge=0, le=1
    )
    diffusion: float = _f(
        0.12, "Share of inflammation that spreads to neighbours each day.", "per day", ge=0, le=0.25
    )
    chemotaxis: float = _f(
        0.7,
        "Chance an activated cell steps up the inflammation gradient instead of at random.",
        "probability",
        ge=0,
        le=1,
    )
    repair_rate: float = _f(
        0.012, "Daily remyelination as a share of the repairable loss.", "per day", ge=0, le=1
    )
    scar_fraction: float = _f(
        0.35, "Share of the deepest loss that can never be repaired.", "fraction", ge=0, le=1
    )
    lesion_threshold: float = _f(
        0.75, "Integrity below which a site belongs to a lesion.", "integrity", ge=0.05, le=0.99
    )
    active_threshold: float = _f(
        0.05, "Inflammation above which a lesion site is active.", "inflammation", ge=0, le=100
    )
    relapse_onset: float = _f(
        5.0,
        "New myelin loss over 7 days at eloquent sites (per 1,000 eloquent sites) that starts "
        "a relapse: symptoms come from damage where it shows.",
        "integrity per 1,000 eloquent sites",
        gt=0,
        le=1000,
    )
    residual_threshold: float = _f(
        0.6,
        "Myelin lost for good during a relapse (per 1,000 sites) that counts as incomplete "
        "recovery.",
        "integrity per 1,000 sites",
        gt=0,
        le=1000,
    )
    relapse_remission: float = _f(
        0.004,
        "Mean inflammation at the eloquent sites below which a relapse remits.",
        "inflammation",
        gt=0,
        le=100,
    )


class Antibody(Section):
    """Alemtuzumab particles: how many an infusion releases, how they bind and clear.

    These settings multiply. Each infusion day releases `dose_mg` × `particles_per_mg` particles
    and unbound ones halve only every `half_life_days`, so courses that are long, close together
    and large pile them up. A scenario in which more than 2,000,000 particles could be alive at
    once is refused, counting every planned course and the most retreatment courses the rule
    allows, as early as it allows them, and assuming none is bound. That keeps the particles of a
    run within about 250 MB of memory.
    """

    particles_per_mg: float = _f(
        100.0, "Particles released per mg infused.", "particles per mg", ge=0, le=2000
    )
    half_life_days: float = _f(4.5, "Half-life of unbound antibody.", "days", gt=0, le=100)
    encounter_rate: float = _f(
        0.6, "Daily chance a circulating particle meets a lymphocyte.", "per day", ge=0, le=1
    )
    tissue_share: float = _f(
        0.05, "Share of each infusion that enters the tissue at vessels.", "fraction", ge=0, le=1
    )
    lymphoid_shelter: float = _f(
        0.05,
        "Share of naive lymphocytes parked deep in lymph nodes, spleen and marrow while the "
        "antibody is about, where it kills poorly (each cell is sheltered or not from birth; "
        "primed effector memory cells circulate and are not). The survivors seed the "
        "repopulation.",
        "fraction",
        ge=0,
        le=0.5,
    )


class Repopulation(Section):
    """How cells made after a course differ: the immune "reset"."""

    aggression_factor: float = _f(
        1.0,
        "Teaching dial, off (1) by default: multiplies the aggression of cells made after a "
        "course (compounds per course). The model's reset comes from the emptied memory pool, "
        "not from this.",
        "factor",
        ge=0,
        le=2,
    )
    autoreactive_factor: float = _f(
        1.0,
        "Teaching dial, off (1) by default: multiplies the autoreactive share of cells made "
        "after a course (compounds per course).",
        "factor",
        ge=0,
        le=2,
    )
    treg_boost: float = _f(
        1.4, "Treg production after a course, relative to before.", "factor", ge=0, le=10
    )
    baff_gain: float = _f(
        1.25,
        "How strongly the B-cell survival factor (BAFF) boosts B-cell "
        "production when B cells are scarce.",
        "factor",
        ge=0,
        le=10,
    )
    baff_days: float = _f(
        120.0, "Time the B-cell survival factor takes to settle.", "days", ge=1, le=1000
    )
    baff_min: float = _f(
        0.2,
        "Lowest level of the B-cell survival factor, relative to the untreated steady state.",
        "relative",
        ge=0,
        le=1,
    )
    baff_max: float = _f(
        6.0,
        "Highest level of the B-cell survival factor (it cannot build up for ever while B "
        "cells are absent), relative to the untreated steady state.",
        "relative",
        ge=1,
        le=100,
    )
    trophic_repair: float = _f(
        0.012,
        "Daily restoration of the restorable part of lasting damage when every T cell is one "
        "made after a course: reconstituted T cells meeting myelin make neurotrophins (BDNF, "
        "CNTF, PDGF), which let injured axons recover (neuroprotective autoimmunity). Scales "
        "with the share of T cells made after a course; held back by inflammation like repair.",
        "per day",
        ge=0,
        le=1,
    )
    trophic_reach: float = _f(
        0.25,
        "Share of a site's lasting damage that trophic support can restore (axons that are "
        "injured and demyelinated but alive); the rest is axons lost for good.",
        "fraction",
        ge=0,
        le=1,
    )
    thyroid_rate: float = _f(
        0.004,
        "Daily rise of the thyroid autoantibody titre per unit of help from T cells expanded "
        "in lymphopenia (their share of the T-cell baseline times the patient's drive); thyroid "
        "disease starts when the titre reaches 1.",
        "titre per day",
        ge=0,
        le=1,
    )
    itp_rate: float = _f(
        0.0021,
        "As thyroid_rate, for the platelet autoantibody of immune thrombocytopenia (ITP).",
        "titre per day",
        ge=0,
        le=1,
    )
    autoantibody_days: float = _f(
        1500.0,
        "Mean time an autoantibody titre takes to fall away once the help behind it is gone.",
        "days",
        ge=1,
        le=10000,
    )
    thyroid_damage_days: float = _f(
        450.0,
        "Days at a titre of 1 that destroy enough of the thyroid for disease to show (in the "
        "average patient: patient.thyroid_sd spreads it); the gland "
        "is harmed only while the titre is at least 1. Thyroid autoantibodies come months to "
        "years before the disease (platelets, in ITP, are destroyed at once, so ITP starts "
        "when its titre reaches 1).",
        "days",
        ge=1,
        le=10000,
    )


class Memory(Section):
    """Naive and memory lymphocytes: what the immune "reset" is made of.

    Waves recall only autoreactive T cells already primed against myelin; a naive one must be
    primed first, which needs antigen presentation by memory B cells and is held back by a
    larger regulatory share. Depletion empties the primed pool; it refills slowly."""

    primed_share: float = _f(
        0.5,
        "Share of autoreactive T cells primed against myelin (memory) before treatment; the "
        "daily priming chance is derived from it so the untreated patient stays steady.",
        "fraction",
        ge=0,
        le=0.95,
    )
    priming_gain: float = _f(
        1.5,
        "Aggression of a primed (effector memory) cell relative to the naive cell it was.",
        "factor",
        ge=1,
        le=5,
    )
    b_memory_share: float = _f(
        0.3,
        "Share of blood B cells that are memory B cells before treatment.",
        "fraction",
        ge=0,
        le=0.9,
    )
    b_memory_lifespan_days: float = _f(
        1000.0, "Mean lifespan of a memory B cell.", "days", ge=30, le=20000
    )
    b_cell_help: float = _f(
        0.95,
        "Share of T-cell priming and recall that needs memory B cells to present antigen (the "
        "rest is done by other antigen-presenting cells).",
        "fraction",
        ge=0,
        le=1,
    )
    treg_priming: float = _f(
        1.0,
        "How strongly a larger regulatory share holds priming back: priming is multiplied by "
        "(Treg share before treatment / Treg share now) to this power.",
        "exponent",
        ge=0,
        le=5,
    )
    lymphopenic_priming: float = _f(
        0.015,
        "Chance that a naive self-reactive T cell born by lymphopenia-driven division comes out "
        "memory-like (primed), as homeostatic proliferation converts naive cells.",
        "probability",
        ge=0,
        le=1,
    )
    resident_cells: int = _f(
        12,
        "Myelin-primed CD8 T cells that live in the brain tissue near the vessels (tissue-"
        "resident memory). They never leave, are recalled only by waves and infections (without "
        "needing B cells), divide to keep their niche full, and the antibody barely reaches "
        "them.",
        "cells",
        ge=0,
        le=2000,
    )
    resident_recall: float = _f(
        0.375,
        "The least stimulus (the day's wave strength plus any infection's stir) that recalls "
        "resident cells: their tissue's antigen-presenting cells must be strongly stirred, so a "
        "mild systemic stir passes them by. Above it each resident is recalled with the "
        "stimulus as its chance.",
        "wave strength",
        ge=0,
        le=1,
    )
    self_bias: float = _f(
        1.0,
        "How much more often a myelin-reactive T cell divides than another in lymphopenia (1 = "
        "no preference; the self-reactive clones that expand are mostly not myelin-reactive).",
        "factor",
        ge=1,
        le=20,
    )


class PatientSettings(Section):
    """What differs between people: each seed draws one patient from these distributions."""

    age_mean: float = _f(
        34.0,
        "Mean age of the patients at day 0 (after the burn-in); they age through the run.",
        "years",
        ge=18,
        le=55,
    )
    age_sd: float = _f(
        8.0, "Spread of age (drawn from a normal, kept within 18-55).", "years", ge=0, le=30
    )
    activity_mean: float = _f(
        1.0,
        "Mean disease activity: multiplies the rate of activation waves (disease.flare_rate) "
        "and the background recall between them (disease.activation_rate).",
        "factor",
        gt=0,
        le=10,
    )
    activity_cv: float = _f(
        1.0,
        "Spread of disease activity between patients (coefficient of variation of a gamma "
        "distribution; 0 = every patient alike). Gives negative-binomial relapse counts.",
        "fraction",
        ge=0,
        le=3,
    )
    age_activity_decline: float = _f(
        0.17,
        "How much the rate of activation waves falls per 5 years of age (relative to age 34), "
        "between patients and as each patient ages through the run.",
        "fraction per 5 years",
        ge=0,
        le=0.9,
    )
    drive_sd: float = _f(
        0.5,
        "Spread of the homeostatic (IL-21-like) drive of lymphopenia-driven T-cell expansion "
        "(log-standard deviation of a lognormal with median 1).",
        "log-sd",
        ge=0,
        le=2,
    )
    progression_sd: float = _f(
        0.7,
        "Spread of the pace of relapse-independent (smouldering) worsening between patients "
        "(log-standard deviation of a lognormal with mean 1; 0 = every patient alike).",
        "log-sd",
        ge=0,
        le=2,
    )
    thyroid_sd: float = _f(
        0.8,
        "Spread between patients of how fast a thyroid autoantibody harms the gland (log-sd of "
        "a lognormal with mean 1 on repopulation.thyroid_damage_days' pace; 0 = alike), so the "
        "years from antibody to disease differ.",
        "log-sd",
        ge=0,
        le=2,
    )
    thymic_share: float = _f(
        0.2,
        "Share of T-cell renewal that comes from the thymus (naive cells) at age 25; the rest "
        "is division of the T cells already there.",
        "fraction",
        ge=0,
        le=1,
    )
    thymic_decline: float = _f(
        0.03,
        "Yearly fall of thymic output with age after 25.",
        "fraction per year",
        ge=0,
        le=0.2,
    )
    entry_relapses_prior_year: int = _f(
        0,
        "Entry criterion, as a trial screens: at least this many relapses in the year before "
        "day 0 (the last year of the burn-in). With any criterion a seed screens candidates, "
        "each living their own burn-in, and its patient is the first who meets them all.",
        "relapses",
        ge=0,
        le=10,
    )
    entry_enhancing_lesions: int = _f(
        0,
        "Entry criterion: at least this many enhancing (inflamed) lesions at day 0.",
        "lesions",
        ge=0,
        le=20,
    )
    max_screened: int = _f(
        100,
        "Candidates a seed screens before it gives up (each costs a burn-in of model time).",
        "candidates",
        ge=1,
        le=200,
    )

    def screens(self) -> bool:
        """True when there are entry criteria to meet."""
        return self.entry_relapses_prior_year > 0 or self.entry_enhancing_lesions > 0


class MRISettings(Section):
    """When scans are taken."""

    interval_days: int = _f(
        365,
        "Days between scans; the first is at the end of the run-in (run.baseline_days).",
        "days",
        ge=7,
        le=7305,
    )
    min_lesion_sites: int = _f(
        3,
        "Smallest patch of sites a scan can see as a lesion, new or enhancing (the scanner's "
        "resolution).",
        "sites",
        ge=1,
        le=100,
    )


class Disability(Section):
    """An EDSS-like score (0-10 in steps of 0.5): a relapse part from myelin missing at
    eloquent sites, and a progressive part that grows with the lesion burden and age."""

    eloquent_share: float = _f(
        0.05,
        "Share of sites where damage shows as signs or symptoms (the rest are clinically silent).",
        "fraction",
        ge=0,
        le=1,
    )
    tract_width: float = _f(
        2.0,
        "Spatial scale of the eloquent tracts: wider tracts are fewer, so patients differ "
        "more in where their lesions fall.",
        "sites",
        ge=0.5,
        le=20,
    )
    relapse_weight: float = _f(
        50.0,
        "EDSS points for myelin missing at eloquent sites, per unit of mean loss there.",
        "points",
        ge=0,
        le=100,
    )
    progression_rate: float = _f(
        0.3,
        "EDSS points a year of worsening independent of relapses when 10% of the tissue is in "
        "lesions, at age 34.",
        "points per year",
        ge=0,
        le=5,
    )
    progression_step: float = _f(
        1.0,
        "Relapse-independent worsening comes as steps of this size, at a rate that gives the "
        "mean pace above (0 = a smooth drift).",
        "EDSS points",
        ge=0,
        le=2,
    )
    inflammatory_share: float = _f(
        0.25,
        "Share of the progressive part's pace that the tissue's smouldering inflammation "
        "drives; the rest (axons lost in chronically demyelinated lesions) goes on whatever "
        "the immune system does.",
        "fraction",
        ge=0,
        le=1,
    )
    reference_inflammation: float = _f(
        0.0009,
        "Smouldering level (the tissue's mean inflammation, averaged over smoulder_days) at "
        "which the inflammatory share runs at its full pace: an untreated patient's typical "
        "level.",
        "inflammation",
        gt=0,
        le=1,
    )
    smoulder_days: float = _f(
        90.0,
        "Time scale of the smouldering level, a running mean of the tissue's inflammation.",
        "days",
        ge=1,
        le=3650,
    )
    age_gain: float = _f(
        0.3,
        "How much faster the progressive part grows per 10 years of age over 34.",
        "fraction per 10 years",
        ge=0,
        le=5,
    )
    onset_edss: float = _f(
        1.0,
        "Score at the start of the burn-in (the first signs, at diagnosis).",
        "points",
        ge=0,
        le=9,
    )
    visit_interval_days: int = _f(
        91,
        "Days between clinic visits that read the score, from the end of the run-in; "
        "confirmed worsening and improvement are judged on these readings.",
        "days",
        ge=1,
        le=730,
    )
    rater_error: float = _f(
        0.18,
        "Chance that a visit's reading is off by one step (0.5 points), up or down alike.",
        "probability",
        ge=0,
        le=1,
    )


class Infections(Section):
    """Infections as events: they come at random, more often while lymphocytes are scarce, and
    for a few weeks stir the immune system up so relapses are more likely around them.

    Each day's chance is ``rate_per_year / 365 × (1 + lymphopenia_gain × T-cell shortfall)``;
    the shortfall is 0 at baseline and 1 with no T cells. Draws come from a stream of their own
    with common random numbers, so a treated and an untreated run of one seed share every
    infection the drug does not cause."""

    rate_per_year: float = _f(
        0.5,
        "Infections a year that a patient reports at normal lymphocyte counts.",
        "per year",
        ge=0,
        le=20,
    )
    lymphopenia_gain: float = _f(
        1.0,
        "How much more often infections come when T cells are gone (added to 1, scaled by the "
        "T-cell shortfall).",
        "factor",
        ge=0,
        le=20,
    )
    serious_share: float = _f(
        0.04,
        "Share of infections that are serious (need a hospital stay or are life-threatening).",
        "fraction",
        ge=0,
        le=1,
    )
    lead_days: int = _f(
        14,
        "Days from the start of an infection's immune response to the day it is noticed (the "
        "infection event's day).",
        "days",
        ge=0,
        le=60,
    )
    stir_days: int = _f(
        49,
        "Days the immune system stays stirred up, from the start of the response.",
        "days",
        ge=0,
        le=180,
    )
    activation_boost: float = _f(
        0.008,
        "Added daily chance that a primed autoreactive cell is activated while the immune "
        "system is stirred up by an infection (bystander activation).",
        "per day",
        ge=0,
        le=1,
    )


class DosingCourse(Section):
    """One course of alemtuzumab: daily infusions on consecutive days."""

    start_day: int = _f(
        60, "Day of the first infusion (day 0 is the start of the run).", "day", ge=0, le=7305
    )
    days: int = _f(5, "Number of consecutive infusion days.", "days", ge=1, le=30)
    dose_mg: float = _f(12.0, "Dose given on each infusion day.", "mg per day", gt=0, le=100)


class Retreatment(Section):
    """Extra courses given when disease returns, as clinicians do after the first two."""

    enabled: bool = Field(
        False,
        description="Give another course after a relapse that comes "
        "long enough after the last course.",
    )
    min_gap_days: int = _f(
        365, "Least time from the start of the last course to the relapse.", "days", ge=30, le=7305
    )
    delay_days: int = _f(30, "Time from the relapse to the first infusion.", "days", ge=1, le=365)
    days: int = _f(3, "Infusion days of each extra course.", "days", ge=1, le=30)
    dose_mg: float = _f(12.0, "Dose on each infusion day.", "mg per day", gt=0, le=100)
    max_courses: int = _f(1, "Most extra courses to give.", "courses", ge=0, le=10)


def _standard_courses() -> list[DosingCourse]:
    return [DosingCourse(start_day=60, days=5), DosingCourse(start_day=425, days=3)]


class Dosing(Section):
    """The treatment schedule as data: a list of courses."""

    courses: list[DosingCourse] = Field(
        default_factory=_standard_courses,
        description="Courses in day order; none for an untreated patient.",
        max_length=50,
    )
    retreatment: Retreatment = Field(default_factory=Retreatment)

    @model_validator(mode="after")
    def _no_overlap(self) -> Dosing:
        ordered = sorted(self.courses, key=lambda c: c.start_day)
        for a, b in itertools.pairwise(ordered):
            if b.start_day < a.start_day + a.days:
                raise ValueError(
                    f"courses overlap: the course starting on day {a.start_day} lasts {a.days} "
                    f"days, so the next cannot start on day {b.start_day}"
                )
        return self


class Treatment(Section):
    """One drug from the registry (``model/data/drugs.toml``) on a schedule: a dose every
    ``interval_days`` from ``start_day``, ``doses`` times or until the end of the run."""

    drug: str = Field(
        description="A drug of the registry (model/data/drugs.toml), e.g. ocrelizumab, "
        "cladribine, interferon-beta-1a, natalizumab or alemtuzumab.",
        min_length=1,
        max_length=40,
    )
    start_day: int = _f(
        60, "Day of the first dose (day 0 is the start of the run).", "day", ge=0, le=7305
    )
    interval_days: float = _f(
        1.0,
        "Time between doses, at least a day (dose days are rounded to whole days).",
        "days",
        ge=1,
        le=3650,
    )
    doses: int = _f(1, "Number of doses (ignored with until_end).", "doses", ge=1, le=10000)
    until_end: bool = Field(False, description="Keep dosing until the end of the run.")
    dose_mg: float | None = Field(
        None,
        gt=0,
        le=5000,
        description="Dose on each dosing day, in mg; leave out for the drug's standard dose.",
        json_schema_extra={"unit": "mg"},
    )

    @model_validator(mode="after")
    def _known_drug(self) -> Treatment:
        try:
            registry()
        except DrugRegistryError as err:
            raise ValueError(f"the drug registry cannot be used: {err}") from None
        if self.drug not in registry().drugs:
            raise ValueError(
                f"unknown drug '{excerpt(self.drug)}'; the registry ({REGISTRY_FILE}) has: "
                + ", ".join(registry().names)
            )
        return self

    @property
    def dose(self) -> float:
        standard = registry().drugs[self.drug].standard_dose_mg
        return standard if self.dose_mg is None else self.dose_mg

    def dose_days(self, run_days: int) -> list[tuple[int, float]]:
        """(day, mg) of every dose before the end of a run of ``run_days`` days."""
        count = 10**9 if self.until_end else self.doses
        out: list[tuple[int, float]] = []
        i = 0
        while i < count:
            day = self.start_day + round(i * self.interval_days)
            if day >= run_days:
                break
            out.append((day, self.dose))
            i += 1
        return out


# what a scenario gives from day 0 on: the history before it does not depend on them
DAY_0_CHOICES = frozenset({"name", "lesson", "dosing", "treatments"})


class Scenario(Section):
    """A complete, validated scenario. Build it with :func:`load_scenario` or ``Scenario()``."""

    name: Annotated[str, Field(min_length=1, max_length=120)] = Field(
        "custom", description="Short name shown in the app and in outputs."
    )
    lesson: Lesson = Field(default_factory=Lesson)
    run: RunSettings = Field(default_factory=RunSettings)
    grid: GridSettings = Field(default_factory=GridSettings)
    cells: Cells = Field(default_factory=Cells)
    disease: Disease = Field(default_factory=Disease)
    antibody: Antibody = Field(default_factory=Antibody)
    repopulation: Repopulation = Field(default_factory=Repopulation)
    memory: Memory = Field(default_factory=Memory)
    patient: PatientSettings = Field(default_factory=PatientSettings)
    infections: Infections = Field(default_factory=Infections)
    mri: MRISettings = Field(default_factory=MRISettings)
    disability: Disability = Field(default_factory=Disability)
    dosing: Dosing = Field(default_factory=Dosing)
    treatments: list[Treatment] = Field(
        default_factory=list,
        description="Drugs from the registry (model/data/drugs.toml), each on its own schedule; "
        "beside the alemtuzumab courses of [dosing].",
        max_length=50,
    )

    @model_validator(mode="after")
    def _history_to_screen(self) -> Scenario:
        if self.patient.screens() and self.run.burn_in_years < 1:
            raise ValueError(
                "patient.entry_relapses_prior_year and patient.entry_enhancing_lesions screen "
                "patients on their history before day 0, which needs run.burn_in_years of at "
                f"least 1 (it is {self.run.burn_in_years:g}); raise it or set both criteria to 0"
            )
        return self

    @model_validator(mode="after")
    def _schedule_fits(self) -> Scenario:
        for i, t in enumerate(self.treatments):
            if t.start_day < self.run.baseline_days:
                raise ValueError(
                    f"treatments[{i}]: {t.drug} starts on day {t.start_day}, inside the "
                    f"{self.run.baseline_days}-day baseline (run.baseline_days); start it on day "
                    f"{self.run.baseline_days} or later"
                )
        for c in self.dosing.courses:
            if c.start_day < self.run.baseline_days:
                raise ValueError(
                    f"dosing.courses: a course starts on day {c.start_day}, inside the "
                    f"{self.run.baseline_days}-day baseline (run.baseline_days); start it on day "
                    f"{self.run.baseline_days} or later"
                )
        return self

    def infusion_days(self) -> list[tuple[int, int]]:
        """(day, particles released) for every planned infusion and the most retreatment allows.

        Extra courses are placed as early as the retreatment rule could give them: each starts
        ``min_gap_days + delay_days`` after the start of the course before it.
        """
        ppm = self.antibody.particles_per_mg
        out = [
            (c.start_day + d, round(c.dose_mg * ppm))
            for c in self.dosing.courses
            for d in range(c.days)
        ]
        out += [
            (day, round(mg * ppm))
            for t in self.treatments
            if registry().drugs[t.drug].mechanism == CD52
            for day, mg in t.dose_days(self.run.days)
        ]
        rule = self.dosing.retreatment
        if rule.enabled and self.dosing.courses:
            start = max(c.start_day for c in self.dosing.courses)
            for _ in range(rule.max_courses):
                start += rule.min_gap_days + rule.delay_days
                out += [(start + d, round(rule.dose_mg * ppm)) for d in range(rule.days)]
        return sorted(out)

    def particle_peak(self) -> tuple[float, int]:
        """The most antibody particles alive at once, and the day: an upper bound.

        Every particle is assumed to stay unbound, clearing only with the half-life, so the count
        just after each infusion is the previous count decayed over the gap plus the new dose.
        """
        keep = 0.5 ** (1 / self.antibody.half_life_days)  # share left after one day
        alive, last, peak, peak_day = 0.0, None, 0.0, 0
        for day, released in self.infusion_days():
            alive = (alive * keep ** (day - last) if last is not None else 0.0) + released
            last = day
            if alive > peak:
                peak, peak_day = alive, day
        return peak, peak_day

    @model_validator(mode="after")
    def _particles_fit(self) -> Scenario:
        peak, day = self.particle_peak()
        if peak <= MAX_PARTICLES:
            return self
        ab, rule = self.antibody, self.dosing.retreatment
        ppm = ab.particles_per_mg

        def span(values: list[float]) -> str:
            lo, hi = min(values), max(values)
            return f"{lo:,.10g}" if lo == hi else f"{lo:,.10g} to {hi:,.10g}"

        given = []
        if self.dosing.courses:
            doses = [c.dose_mg for c in self.dosing.courses]
            given.append(
                f"dosing.courses give {sum(c.days for c in self.dosing.courses):,} infusion "
                f"day(s) of {span(doses)} mg ({span([round(d * ppm) for d in doses])} "
                "particles a day)"
            )
        cd52 = [t for t in self.treatments if registry().drugs[t.drug].mechanism == CD52]
        if cd52:
            given.append(
                f"treatments give {sum(len(t.dose_days(self.run.days)) for t in cd52):,} "
                "alemtuzumab infusion day(s)"
            )
        if rule.enabled and rule.max_courses and self.dosing.courses:
            given.append(
                f"dosing.retreatment may add {rule.max_courses} course(s) of {rule.days} "
                f"day(s) of {rule.dose_mg:,.10g} mg ({round(rule.dose_mg * ppm):,} particles a "
                "day), counted as early as its rule allows"
            )
        raise ValueError(
            "antibody particles: these settings multiply into more particles than a run can "
            f"hold. Each mg infused releases antibody.particles_per_mg = {ppm:,.10g} particles; "
            f"{'; '.join(given)}; unbound particles halve only every antibody.half_life_days "
            f"= {ab.half_life_days:,.10g} days. Together that is about {peak:,.0f} particles "
            f"alive at once (on day {day}), and at most {MAX_PARTICLES:,} are allowed (about "
            "250 MB of memory). Lower the dose, antibody.particles_per_mg or "
            "antibody.half_life_days, or give fewer, shorter or more widely spaced courses"
        )

    def to_dict(self) -> dict[str, Any]:
        # a treatment's dose left out (None) stays out: TOML has no null
        return self.model_dump(mode="json", exclude_none=True)

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def sha256(self) -> str:
        return hashlib.sha256(self.to_toml().encode()).hexdigest()

    def untreated(self) -> Scenario:
        """The same virtual patient with every course removed."""
        data = self.to_dict()
        data["dosing"]["courses"] = []
        data["dosing"]["retreatment"]["enabled"] = False
        data["treatments"] = []
        data["name"] = f"{self.name} (untreated)"
        return Scenario.model_validate(data)

    def retreated(self) -> Scenario:
        """The same virtual patient, given another course when disease returns (the
        scenario's ``dosing.retreatment`` rule, switched on)."""
        data = self.to_dict()
        data["dosing"]["retreatment"]["enabled"] = True
        data["name"] = f"{self.name} (retreated)"
        return Scenario.model_validate(data)

    def with_overrides(self, overrides: dict[str, Any], source: str = "--set") -> Scenario:
        return validate_data(apply_overrides(self.to_dict(), overrides, source), source)

    def same_patient_before_day_0(self, other: Scenario) -> bool:
        """True when the two differ only in what is given from day 0 on (and in name and
        lesson): then one seed lives the same history before day 0 under both."""
        mine, theirs = self.to_dict(), other.to_dict()
        return all(mine[k] == theirs[k] for k in mine if k not in DAY_0_CHOICES)


def prepare(scenario: Scenario, days: int | None = None, untreated: bool = False) -> Scenario:
    """The scenario as it will run: ``days`` and ``untreated`` folded in and validated."""
    if days is not None:
        scenario = scenario.with_overrides({"run.days": days}, source="--days")
    return scenario.untreated() if untreated else scenario


# ----------------------------------------------------------------------------- reading


def _known_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        keys.append(prefix + name)
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys += _known_keys(ann, f"{prefix}{name}.")
    return keys


KNOWN_KEYS = _known_keys(Scenario)
_KNOWN_LEAVES = sorted({k.rsplit(".", 1)[-1] for k in KNOWN_KEYS})
_HINT_CHARS = 2 * max(map(len, KNOWN_KEYS))  # longer keys are not a typo of a known one


@functools.lru_cache(maxsize=256)
def _hint(key: str) -> str:
    """The "did you mean" tip for a key close to a known one (worked out once per key)."""
    if len(key) > _HINT_CHARS:
        return ""
    hint = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.6)
    if not hint:
        leaf = key.rsplit(".", 1)[-1]
        hint = difflib.get_close_matches(leaf, _KNOWN_LEAVES, n=1, cutoff=0.6)
    return f"; did you mean '{hint[0]}'?" if hint else ""


def _unknown_key(key: str) -> str:
    return f"unknown key '{excerpt(key)}'{_hint(key)}"


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """The section a field holds: its model, or the model of its list's items."""
    inner = getattr(annotation, "__args__", None)
    ann = inner[0] if inner else annotation
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _unknown_keys(
    data: dict, model: type[BaseModel], prefix: str, found: list[str], limit: int
) -> int:
    """Count the keys in ``data`` the schema does not know; keep the first ``limit`` in ``found``.

    Walks only into known sections (at most four levels), so it costs one look per key.
    """
    count = 0
    for key, value in data.items():
        info = model.model_fields.get(key)
        if info is None:
            count += 1
            if len(found) < limit:
                found.append(prefix + key)
            continue
        sub = _section_model(info.annotation)
        if sub is None:
            continue
        if isinstance(value, dict):
            count += _unknown_keys(value, sub, f"{prefix}{key}.", found, limit)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    count += _unknown_keys(item, sub, f"{prefix}{key}[{i}].", found, limit)
    return count


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _field_info(loc: tuple):
    """The pydantic FieldInfo at a location, to print the allowed range."""
    model: Any = Scenario
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        ann = info.annotation
        args = getattr(ann, "__args__", ())
        model = args[0] if args else ann
    return info


def _allowed(info) -> str:
    if info is None:
        return ""
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        lo = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
    unit = (info.json_schema_extra or {}).get("unit", "") if info.json_schema_extra else ""
    kind = info.annotation.__name__ if isinstance(info.annotation, type) else ""
    if lo is not None and hi is not None:
        return f" (allowed: {kind} from {lo} to {hi} {unit}".rstrip() + ")"
    return f" (allowed: {kind})" if kind else ""


def _problems(err: ValidationError) -> list[str]:
    """The first MAX_PROBLEMS errors as sentences (the rest are only counted)."""
    problems = []
    for e in err.errors(include_url=False)[:MAX_PROBLEMS]:
        loc = excerpt(_loc(e["loc"]))
        if e["type"] == "extra_forbidden":
            problems.append(_unknown_key(_loc(e["loc"])))
            continue
        msg = e["msg"].removeprefix("Value error, ")
        got = e.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f"; got {_shown(got)}"
        where = f"field '{loc}': " if loc else ""
        problems.append(f"{where}{msg}{shown}{_allowed(_field_info(e['loc']))}")
    return problems


def validate_data(data: Any, source: str) -> Scenario:
    """Validate an already-parsed dict; raise ScenarioError listing the problems.

    Unknown keys are found first by walking the tables against the schema; when there are more
    than can be listed, the values are not checked at all (the refusal costs one look per key).
    """
    if not isinstance(data, dict) or not data:
        raise ScenarioError(source, ['the scenario is empty: give at least name = "..."'])
    found: list[str] = []
    count = _unknown_keys(data, Scenario, "", found, MAX_PROBLEMS)
    if count > MAX_PROBLEMS:
        raise ScenarioError(
            source,
            [_unknown_key(k) for k in found],
            total=count,
            note=" (all unknown keys; values are checked once the keys are right)",
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(source, _problems(err), total=err.error_count()) from None
    except RecursionError:
        raise ScenarioError(source, [_TOO_DEEP]) from None


# Nesting. tomllib's parser recurses once per level of arrays and inline tables, so a file of a
# few thousand "[" ends in a RecursionError; a linear scan refuses deep nesting before it parses.
_TOO_DEEP = (
    f"tables, arrays and dotted keys nest more than {MAX_DEPTH} levels deep; a scenario needs "
    "at most 4 (dosing.courses[0].dose_mg)"
)
_KEY_TOKENS = re.compile(r"""[\[\]{}"'#\n=.]""")
_VALUE_TOKENS = re.compile(r"""[\[\]{}"'#\n]""")
_TABLE_VALUE_TOKENS = re.compile(r"""[\[\]{}"'#\n,]""")
_HEADER_TOKENS = re.compile(r"""[\].\n"']""")
_BASIC = r'"(?:[^"\\\n]++|\\.)*+"(?!")'  # a one-line "string" (not the start of a """)
_LITERAL = r"'[^'\n]*+'(?!')"
_BASIC_STRING = re.compile(_BASIC)
_LITERAL_STRING = re.compile(_LITERAL)
_GAP = r"(?:[ \t\r\n]++|#[^\n]*+)*+"  # spaces, newlines and comments
_SCALAR = rf"""(?:{_BASIC}|{_LITERAL}|[^\[\]{{}}"'#\n]*+)"""  # a value that holds no table
_END = r"[ \t]*+(?:#[^\n]*+)?(?=\n|\Z)"  # the rest of a line
_SIMPLE_HEADER = re.compile(r"\[\[?[ \t]*+[\w-]++(?:[ \t]*+\.[ \t]*+[\w-]++)*+[ \t]*+\]\]?")
_SIMPLE_LINE = re.compile(rf"([\w-]++(?:[ \t]*+\.[ \t]*+[\w-]++)*+)[ \t]*+=[ \t]*+{_SCALAR}{_END}")
# A run of lines that are each a [header] or a key = scalar, keys and headers of at most 8 parts:
# nothing in it nests more than 24 levels (8 under a header of 16 at most), and the run is taken
# in one go. Group 1 is the run's last header.
_KEY8 = r"[\w-]++(?:[ \t]*+\.[ \t]*+[\w-]++){0,7}+"
_SHORT_HEADER = rf"\[\[?[ \t]*+{_KEY8}[ \t]*+\]\]?"
_RUN = re.compile(  # greedy, not possessive: Python 3.12.1 mis-tracks groups in "*+"
    rf"(?:{_GAP}(?:({_SHORT_HEADER}){_END}|{_KEY8}[ \t]*+=[ \t]*+{_SCALAR}{_END}))*"
)
_GAP_RE = re.compile(_GAP)
_ITEM = rf"""[^\[\]{{}}"'#]++|{_BASIC}|{_LITERAL}|#[^\n]*+"""
_FLAT_TABLE = r"""\{[^\[\]{}"'#\n.]*+\}"""  # {a = 1, b = true}: one level, no dotted keys


@functools.cache
def _items(levels: int) -> re.Pattern:
    """Array items nested at most ``levels`` deeper: scalars, one-line strings, comments,
    arrays of those and flat inline tables, taken in one go."""
    if levels == 0:
        return re.compile(rf"(?:{_ITEM})*+")
    return re.compile(rf"(?:{_ITEM}|{_FLAT_TABLE}|\[{_items(levels - 1).pattern}\])*+")


def _string_end(text: str, i: int) -> int:
    """Where the TOML string starting at ``text[i]`` ends (the line's end if it is not closed)."""
    q = text[i]
    if text.startswith(q * 3, i):  # multi-line
        j = i + 3
        while (j := text.find(q * 3, j)) >= 0:
            b = j
            while q == '"' and b > i + 3 and text[b - 1] == "\\":
                b -= 1
            if (j - b) % 2:  # an escaped quote
                j += 1
                continue
            end = j + 3
            while end < len(text) and end - j < 5 and text[end] == q:  # "" more are content
                end += 1
            return end
        return len(text)
    m = (_BASIC_STRING if q == '"' else _LITERAL_STRING).match(text, i)
    if m:
        return m.end()
    nl = text.find("\n", i)
    return len(text) if nl < 0 else nl


def _header_end(text: str, i: int) -> tuple[int, int, bool]:
    """The end of the ``[table]`` or ``[[array]]`` header at ``text[i]``, its number of parts,
    and whether it is an array of tables."""
    aot = text.startswith("[[", i)
    m = _SIMPLE_HEADER.match(text, i)
    if m:
        return m.end(), m.group().count(".") + 1, aot
    j, parts = i + 1 + aot, 1
    while m := _HEADER_TOKENS.search(text, j):
        c, j = m.group(), m.start()
        if c == "\n":
            break
        if c == "]":
            return j + 1 + aot, parts, aot
        if c == ".":
            parts, j = parts + 1, j + 1
        else:
            j = _string_end(text, j)
    return (j if m else len(text)), parts, aot


def _header_depth(parts: int, aot: bool, after_aot: bool) -> int:
    """How deep a header's table is: one level a part, one more for an array of tables, and,
    once the file has had an ``[[array]]``, one more for each earlier part (any of them may be
    an array of tables, whose last element the header opens)."""
    return parts + aot + (parts - 1 if after_aot else 0)


def structure_problem(text: str) -> str | None:
    """Why TOML ``text`` is refused before it is parsed, naming the line; None if it may be.

    Two limits keep parsing cheap and safe: nesting (:data:`MAX_DEPTH`; depth counts the keys
    and indices on the way to a value, so ``a.b = [[1]]`` reaches 4, and 6 under an ``[x.y]``
    header) and values in arrays and inline tables (:data:`MAX_ARRAY_VALUES`; the only list in a
    scenario is ``dosing.courses``). Strings and comments are skipped as TOML reads them, so
    brackets in a lesson text do not count. One pass with no recursion; runs of plain lines and
    of array items are taken whole by regular expressions, so it costs less than parsing.
    """
    n, pos, header, values, after_aot = len(text), 0, 0, 0, False
    stack: list[tuple[bool, int]] = []  # open "[" and "{": (is a table, depth of its contents)
    start, in_key, parts, depth = True, True, 1, 0

    def too_deep(i: int) -> str:
        return f"line {text.count(chr(10), 0, i) + 1}: {_TOO_DEEP}"

    def too_many(i: int) -> str:
        return (
            f"line {text.count(chr(10), 0, i) + 1}: arrays and inline tables hold more than "
            f"{MAX_ARRAY_VALUES:,} values by here; the only list in a scenario is dosing.courses "
            "(at most 50 courses)"
        )

    while True:
        if start:  # a new top-level statement: a [header], a plain line, or anything else
            if header <= MAX_DEPTH - 8:
                m = _RUN.match(text, pos)
                if last := m.group(1):
                    after_aot = after_aot or text.find("[[", pos, m.end()) >= 0
                    header = _header_depth(last.count(".") + 1, last[1] == "[", after_aot)
                pos = m.end()
            start, pos = False, _GAP_RE.match(text, pos).end()
            if pos >= n:
                return None
            if text[pos] == "[":
                at = pos
                pos, n_parts, aot = _header_end(text, pos)
                header = _header_depth(n_parts, aot, after_aot)
                after_aot = after_aot or aot
                if header > MAX_DEPTH:
                    return too_deep(at)
                continue
            m = _SIMPLE_LINE.match(text, pos)
            if m:
                if header + m.group(1).count(".") + 1 > MAX_DEPTH:
                    return too_deep(pos)
                start, pos = True, m.end()
                continue
        if in_key:
            tokens = _KEY_TOKENS
        elif stack and stack[-1][0]:
            tokens = _TABLE_VALUE_TOKENS
        else:
            if stack:  # inside an array: skip what cannot go too deep, counting the values
                skipped = pos
                pos = _items(min(8, MAX_DEPTH - depth)).match(text, pos).end()
                values += text.count(",", skipped, pos)
                if values > MAX_ARRAY_VALUES:
                    return too_many(pos)
            tokens = _VALUE_TOKENS
        m = tokens.search(text, pos)
        if m is None:
            return None
        i, c = m.start(), m.group()
        pos = i + 1
        if c == "\n":
            if not stack:
                start, in_key, parts = True, True, 1
            continue
        if c == "#":
            nl = text.find("\n", i)
            pos = n if nl < 0 else nl
            continue
        if c in "\"'":
            pos = _string_end(text, i)
            continue
        if in_key:
            if c == ".":
                parts += 1
            elif c == "=":
                depth = (stack[-1][1] if stack else header) + parts
                if depth > MAX_DEPTH:
                    return too_deep(i)
                in_key = False
            elif c == "}" and stack:  # "{}": an empty inline table
                stack.pop()
                in_key = False
            continue
        if c in "[{,":
            values += 1
            if values > MAX_ARRAY_VALUES:
                return too_many(i)
        if c == "[":
            depth += 1
            if depth > MAX_DEPTH:
                return too_deep(i)
            stack.append((False, depth))
        elif c == "{":
            stack.append((True, depth))
            in_key, parts = True, 1
        elif c == ",":  # only looked for inside an inline table: a key comes next
            in_key, parts = True, 1
        elif stack:  # "]" or "}"
            stack.pop()
            if stack and not stack[-1][0]:
                depth = stack[-1][1]  # the next item of the array around it


def _decode_problem(err: tomllib.TOMLDecodeError) -> str:
    """tomllib's message, with any key or value it quotes cut to an excerpt."""
    text = str(err)
    m = re.fullmatch(r"(.*) (\((?:at line \d+, column \d+|at end of document)\))", text, re.S)
    what, where = (m.group(1), m.group(2)) if m else (text, "")
    return f"not valid TOML: {excerpt(what, 200)} {where}".rstrip()


def parse_toml(text: str, source: str) -> dict[str, Any]:
    problem = structure_problem(text)
    if problem is not None:
        raise ScenarioError(source, [problem])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, [_decode_problem(err)]) from None
    except ValueError as err:  # an integer longer than Python will convert
        digits = sys.get_int_max_str_digits()
        m = re.search(rf"[0-9_]{{{digits + 1},}}", text)
        if m is None:
            raise ScenarioError(source, [f"not valid TOML: {excerpt(str(err), 200)}"]) from None
        raise ScenarioError(
            source,
            [
                f"line {text.count(chr(10), 0, m.start()) + 1}: a number of "
                f"{len(m.group()):,} digits; numbers are limited to {digits:,} digits"
            ],
        ) from None
    except RecursionError:  # the scan above should make this unreachable
        raise ScenarioError(source, [_TOO_DEEP]) from None


def load_bytes(raw: bytes, source: str) -> Scenario:
    """Validate the bytes of a scenario file (used for uploads as well as files)."""
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            source,
            [
                f"the file is {len(raw):,} bytes; scenario files are "
                f"limited to {MAX_FILE_BYTES:,} bytes"
            ],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            source,
            [
                f"not UTF-8 text (byte {err.start} is 0x{raw[err.start]:02x}); save the "
                "file as UTF-8"
            ],
        ) from None
    if not text.strip():
        raise ScenarioError(source, ['the file is empty: give at least name = "..."'])
    try:
        return validate_data(parse_toml(text, source), source)
    except RecursionError:  # last resort: never a traceback
        raise ScenarioError(source, [_TOO_DEEP]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise ScenarioError naming the file on any problem."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError(str(p), ["no such file"])
    if p.is_dir():
        raise ScenarioError(str(p), ["this is a folder, not a scenario file (*.toml)"])
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                str(p),
                [
                    f"the file is {p.stat().st_size:,} bytes; scenario "
                    f"files are limited to {MAX_FILE_BYTES:,} bytes"
                ],
            )
        raw = p.read_bytes()
    except OSError as err:
        raise ScenarioError(str(p), [f"cannot be read: {err.strerror}"]) from None
    return load_bytes(raw, str(p))


# ----------------------------------------------------------------------------- overrides


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE``; VALUE is read as a TOML value, else kept as a string."""
    if "=" not in text:
        raise ScenarioError("--set", [f"'{excerpt(text)}' is not KEY=VALUE (e.g. grid.width=80)"])
    key, _, value = text.partition("=")
    key, value = key.strip(), value.strip()
    problem = structure_problem(f"v = {value}")
    if problem is not None:
        raise ScenarioError("--set", [f"{excerpt(key)}: {problem.removeprefix('line 1: ')}"])
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        parsed = value
    return key, parsed


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str) -> dict:
    """Set dotted keys (as they appear in the file) in a copy of ``data``."""
    out = copy.deepcopy(data)
    problems = []
    for key, value in overrides.items():
        if key not in KNOWN_KEYS:
            problems.append(_unknown_key(key))
            continue
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    if problems:
        raise ScenarioError(source, problems)
    return out


def json_schema() -> dict[str, Any]:
    return Scenario.model_json_schema()
