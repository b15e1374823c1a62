"""Slider specifications read from the scenario's JSON Schema.

Ranges, units and help text are never repeated here: they come from ``Scenario``'s fields, so a
change of bounds in the model shows in the app at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from model.scenario import Scenario

# The parameters a class most wants to play with, by section.
KEY_PARAMETERS: dict[str, list[str]] = {
    "Disease": [
        "disease.flare_rate",
        "disease.attack_damage",
        "disease.treg_suppression",
        "disease.repair_rate",
    ],
    "Drug and repopulation": [
        "antibody.half_life_days",
        "repopulation.treg_boost",
        "memory.lymphopenic_priming",
        "memory.b_cell_help",
    ],
    "Patient": ["patient.activity_mean", "patient.age_mean"],
    "Run": ["run.days"],
}


@dataclass(frozen=True)
class SliderSpec:
    key: str  # dotted key as in the scenario file
    label: str
    help: str
    unit: str
    low: float
    high: float
    step: float
    integer: bool


@cache
def _schema() -> dict[str, Any]:
    return Scenario.model_json_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None and "allOf" in node and len(node["allOf"]) == 1:
        ref = node["allOf"][0].get("$ref")
    if ref:
        return _schema()["$defs"][ref.rsplit("/", 1)[-1]]
    return node


def field_schema(key: str) -> dict[str, Any]:
    """The JSON Schema of one dotted key, e.g. ``disease.flare_rate``."""
    node: dict[str, Any] = _schema()
    for part in key.split("."):
        node = _resolve(node)
        node = node["properties"][part]
    return node


def _nice_step(span: float, integer: bool) -> float:
    if integer:
        return 1.0
    raw = span / 200
    mag = 10 ** math.floor(math.log10(raw))
    return min((m * mag for m in (1, 2, 5, 10) if m * mag >= raw), default=mag)


def slider(key: str) -> SliderSpec:
    f = field_schema(key)
    low = f.get("minimum", f.get("exclusiveMinimum", 0))
    high = f.get("maximum", f.get("exclusiveMaximum", low + 1))
    integer = f.get("type") == "integer"
    step = 1.0 if integer else _nice_step(high - low, integer)
    default = f.get("default")
    if not integer and isinstance(default, int | float) and default > 0:
        step = min(step, 10 ** math.floor(math.log10(default)) / 10)
    if "exclusiveMinimum" in f:
        low = low + step
    label = key.split(".")[-1].removesuffix("_days").replace("_", " ").capitalize()
    return SliderSpec(
        key,
        label,
        f.get("description", ""),
        f.get("unit", ""),
        float(low),
        float(high),
        step,
        integer,
    )


def value_of(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def sections() -> dict[str, list[SliderSpec]]:
    return {title: [slider(k) for k in keys] for title, keys in KEY_PARAMETERS.items()}
