"""The drug registry: every therapy a scenario can name, read from ``model/data/drugs.toml``.

Each drug has a mechanism kind (what it does to which cells) and its pharmacology, every number
with a source. The file is validated as strictly as a scenario: pydantic types and ranges,
unknown keys refused, and a refusal names the file, the drug, the field and what is allowed. A
researcher adds a drug by adding a table, without code, when its mechanism kind exists.

The mechanisms themselves live in :mod:`model.therapy`; nothing here sets an effect size on
relapses: those come from what the mechanism does to the cells.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from model.kinds import KINDS

REGISTRY_FILE = "model/data/drugs.toml"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")  # drug names: also batch arm names and run ids
MAX_PROBLEMS = 20


class DrugRegistryError(Exception):
    """The drug registry could not be read or is invalid; ``problems`` lists why."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems[:MAX_PROBLEMS]
        hidden = len(problems) - len(self.problems)
        if hidden:
            self.problems.append(f"... and {hidden} more problem(s), not listed")
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s) in the drug registry"]
        return "\n".join(lines + [f"  - {p}" for p in self.problems])


def _f(description: str, unit: str, ge=None, le=None, gt=None):
    return Field(description=description, ge=ge, le=le, gt=gt, json_schema_extra={"unit": unit})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindWeights(_Strict):
    """One number per kind of lymphocyte (target expression, or sensitivity), 0 to 1."""

    cd4: float = _f("CD4 effector T cells.", "relative", ge=0, le=1)
    cd8: float = _f("CD8 T cells.", "relative", ge=0, le=1)
    b_cells: float = _f("B cells.", "relative", ge=0, le=1)
    treg: float = _f("Regulatory T cells.", "relative", ge=0, le=1)
    nk: float = _f("NK cells.", "relative", ge=0, le=1)

    def array(self) -> Any:
        """A numpy array in :class:`model.kinds.Kind` order (numpy imported here: reading a
        scenario needs no numpy)."""
        import numpy as np

        return np.array([getattr(self, k) for k in KINDS], dtype=float)


class RegimenStep(_Strict):
    """A run of doses in the standard schedule, relative to the day treatment starts."""

    offset_days: int = _f("Day of the first dose, from the start of treatment.", "days", 0, 7305)
    interval_days: float = _f("Time between doses (rounded to whole days).", "days", ge=1, le=3650)
    doses: int | None = Field(None, ge=1, le=10000, description="Number of doses.")
    until_end: bool = Field(False, description="Keep dosing until the end of the run.")

    @model_validator(mode="after")
    def _count(self) -> RegimenStep:
        if (self.doses is None) == (not self.until_end):
            raise ValueError("give either doses = N or until_end = true (exactly one)")
        return self


class DrugBase(_Strict):
    label: str = Field(min_length=1, max_length=60, description="Name shown in outputs.")
    what: str = Field(min_length=1, max_length=1000, description="What the drug is.")
    standard_dose_mg: float = _f("Dose given on each dosing day.", "mg", gt=0, le=5000)
    regimen: list[RegimenStep] = Field(min_length=1, max_length=20)
    sources: dict[str, str] = Field(description="Where each number comes from, by field.")

    @model_validator(mode="after")
    def _every_number_has_a_source(self) -> DrugBase:
        needed = set(type(self).model_fields) - {"label", "what", "mechanism", "sources"}
        missing = sorted(needed - set(self.sources))
        unknown = sorted(set(self.sources) - needed)
        if missing:
            raise ValueError(f"sources: no source for {', '.join(missing)}; add one line each")
        if unknown:
            raise ValueError(
                f"sources: {', '.join(unknown)} is not a parameter of this mechanism "
                f"(its parameters: {', '.join(sorted(needed))})"
            )
        empty = sorted(k for k, v in self.sources.items() if not v.strip())
        if empty:
            raise ValueError(f"sources: empty source for {', '.join(empty)}")
        return self


class CD52Particles(DrugBase):
    """Alemtuzumab: particles bind CD52 and destroy the cells they bind (``[antibody]``)."""

    mechanism: Literal["cd52_particles"]


class DepletingAntibody(DrugBase):
    """An antibody that kills the cells carrying its target while it is in the body."""

    mechanism: Literal["depleting_antibody"]
    half_life_days: float = _f("Elimination half-life.", "days", gt=0, le=365)
    ec50_mg: float = _f("Amount in the body at half the greatest killing.", "mg", gt=0, le=5000)
    max_kill_per_day: float = _f(
        "Daily chance a fully exposed cell of full target expression dies.", "per day", ge=0, le=1
    )
    tissue_reach: float = _f("Exposure in the brain tissue relative to blood.", "fraction", 0, 1)
    first_dose_split_days: int = _f(
        "The first dose is given as two halves this many days apart (0: not split).", "days", 0, 60
    )
    target: KindWeights = Field(description="Target expression by kind, 1 = full.")


class PurineAnalogue(DrugBase):
    """Tablets taken up by lymphocytes, toxic in proportion to each kind's kinase balance."""

    mechanism: Literal["purine_analogue"]
    lethal_load_per_mg: float = _f(
        "Chance per mg a cell of sensitivity 1 takes up a lethal load (as 1 - exp(-rate x mg)).",
        "per mg",
        ge=0,
        le=1,
    )
    death_delay_days: float = _f("Mean time from a lethal load to death.", "days", ge=1, le=365)
    tissue_reach: float = _f("Exposure in the brain tissue relative to blood.", "fraction", 0, 1)
    sensitivity: KindWeights = Field(description="Kinase balance (dCK/5'-NT) by kind, 1 = B cells.")
    marrow_recovery_days: float = _f(
        "Time constant for the marrow and thymus to refill the lymphoid precursors a dose kills "
        "(each kind's output falls by the share of its precursors the dose kills, with the "
        "same kinase balance as the kind, and returns at this pace).",
        "days",
        ge=1,
        le=365,
    )


class EntryBlocker(DrugBase):
    """An antibody that keeps lymphocytes from crossing vessel walls while it is bound."""

    mechanism: Literal["entry_blocker"]
    half_life_days: float = _f("Elimination half-life.", "days", gt=0, le=365)
    ec50_mg: float = _f("Amount in the body at half saturation.", "mg", gt=0, le=5000)
    max_block: float = _f(
        "Greatest share of entry blocked (what other adhesion routes leave open).",
        "fraction",
        ge=0,
        le=1,
    )
    bonds: int = _f(
        "Free integrins a cell needs at once to hold on to the vessel wall: a share "
        "(1 - target x saturation)^bonds of cells still can (1 = entry falls in step with "
        "saturation).",
        "integrins",
        ge=1,
        le=20,
    )
    target: KindWeights = Field(description="Integrin expression by kind, 1 = full.")
    monocytes: float = _f(
        "Integrin expression of blood monocytes (the macrophages' source), 1 = full.",
        "fraction",
        ge=0,
        le=1,
    )


class Immunomodulator(DrugBase):
    """While its effect lasts, lowers the recall (activation) of primed cells, in the blood and
    in the tissue, and the alpha-4 integrin that lets lymphocytes hold on to vessel walls."""

    mechanism: Literal["immunomodulator"]
    half_life_days: float = _f("Half-life of the biological response.", "days", gt=0, le=365)
    ec50_mg: float = _f("Amount at half the greatest effect.", "mg", gt=0, le=5000)
    activation_reduction: float = _f(
        "Greatest fall in the recall rate of primed cells.", "fraction", ge=0, le=1
    )
    integrin_reduction: float = _f(
        "Greatest fall in the alpha-4 integrin (VLA-4) lymphocytes carry.", "fraction", ge=0, le=1
    )
    bonds: int = _f(
        "Integrins a cell needs at once to hold on to the vessel wall: entry is multiplied by "
        "(1 - integrin_reduction x saturation)^bonds (1 = entry falls in step with the "
        "integrin).",
        "integrins",
        ge=1,
        le=20,
    )


Drug = Annotated[
    CD52Particles | DepletingAntibody | PurineAnalogue | EntryBlocker | Immunomodulator,
    Field(discriminator="mechanism"),
]
MECHANISMS = {
    cls.model_fields["mechanism"].annotation.__args__[0]: cls
    for cls in (CD52Particles, DepletingAntibody, PurineAnalogue, EntryBlocker, Immunomodulator)
}


class Registry(_Strict):
    drugs: dict[str, Drug] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self) -> Registry:
        bad = [n for n in self.drugs if not NAME.match(n)]
        if bad:
            raise ValueError(
                f"drug name(s) {', '.join(map(repr, bad))}: use lower-case letters, digits "
                "and '-', starting with a letter, at most 40 characters"
            )
        return self

    @property
    def names(self) -> list[str]:
        return list(self.drugs)

    def index(self, name: str) -> int:
        return self.names.index(name)


def _loc(loc: tuple) -> str:
    """Dotted location, without pydantic's union tags."""
    parts: list[str] = []
    for part in loc:
        if part in MECHANISMS:
            continue
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
            continue
        parts.append(str(part))
    return ".".join(parts)


def _allowed(model: Any, field: str) -> str:
    info = getattr(model, "model_fields", {}).get(field)
    if info is None:
        return ""
    if field == "mechanism":
        return f" (allowed: {', '.join(MECHANISMS)})"
    lo = hi = None
    for m in info.metadata:
        if getattr(m, "ge", None) is not None:
            lo = f"from {m.ge}"
        if getattr(m, "gt", None) is not None:
            lo = f"more than {m.gt}"
        if getattr(m, "le", None) is not None:
            hi = m.le
    extra = info.json_schema_extra or {}
    unit = extra.get("unit", "") if isinstance(extra, dict) else ""
    if lo is not None and hi is not None:
        return f" (allowed: {lo} up to {hi} {unit}".rstrip() + ")"
    return ""


def _problems(err: ValidationError) -> list[str]:
    out = []
    for e in err.errors(include_url=False):
        where = _loc(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        model = next((MECHANISMS[p] for p in e["loc"] if p in MECHANISMS), Registry)
        leaf = str(e["loc"][-1]) if e["loc"] else ""
        owner = KindWeights if leaf in KINDS else RegimenStep if "regimen" in where else model
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        got = e.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f"; got {got!r}"
        out.append(f"field '{where}': {msg}{shown}{_allowed(owner, leaf)}")
    return out


def parse_registry(text: str, source: str = REGISTRY_FILE) -> Registry:
    """Validate a registry's TOML text; raise :class:`DrugRegistryError` naming the fields."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DrugRegistryError(source, [f"not valid TOML: {err}"]) from None
    try:
        return Registry.model_validate(data)
    except ValidationError as err:
        raise DrugRegistryError(source, _problems(err)) from None


@functools.cache
def registry() -> Registry:
    """The package's registry (read and validated once per process)."""
    text = resources.files("model").joinpath("data/drugs.toml").read_text("utf-8")
    return parse_registry(text, REGISTRY_FILE)


def drug(name: str) -> Any:
    return registry().drugs[name]
