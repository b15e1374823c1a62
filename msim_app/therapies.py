"""The comparator drugs the page offers beside alemtuzumab, from the model's drug registry."""

from __future__ import annotations

from model.batch.arms import drug_arm
from model.drugs import registry
from model.scenario import Scenario

MAIN_DRUG = "alemtuzumab"  # the first arm's drug: not offered as a comparator


def comparators() -> list[tuple[str, str]]:
    """(registry name, label) of every drug that can be the third arm."""
    return [(n, d.label) for n, d in registry().drugs.items() if n != MAIN_DRUG]


def drug_label(name: str) -> str:
    label = registry().drugs[name].label
    return label[:1].upper() + label[1:]


def comparator_scenario(scenario: Scenario, name: str) -> Scenario:
    """The same patient untreated, then the drug's standard regimen from the end of the run-in
    (the batch's arm of that name); ValueError for a drug that is not a comparator."""
    if name not in dict(comparators()):
        raise ValueError(f"unknown comparator drug {name!r}")
    return drug_arm(name).build(scenario)
