"""Arms: named ways of turning the scenario into the scenario one group of runs gets.

A registry rather than an if-chain, so a new arm (e.g. a delayed second course) is one
:func:`register_arm` call and nothing else in the batch code changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from model.batch.errors import BatchError
from model.scenario import Scenario

CONTROL = "untreated"  # the arm every other arm is compared with, patient by patient


@dataclass(frozen=True)
class Arm:
    name: str
    description: str
    build: Callable[[Scenario], Scenario]


ARMS: dict[str, Arm] = {}


def register_arm(arm: Arm) -> Arm:
    if not arm.name.isidentifier():
        raise ValueError(f"arm name {arm.name!r} must be a plain identifier (used in run ids)")
    ARMS[arm.name] = arm
    return arm


register_arm(Arm("treated", "the scenario as it is", lambda s: s))
register_arm(
    Arm("untreated", "the same patient with every dosing course removed", Scenario.untreated)
)


def parse_arms(text: str) -> list[str]:
    """``"treated,untreated"`` -> names, refusing unknown or repeated arms."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise BatchError("--arms: give at least one arm, e.g. --arms treated,untreated")
    unknown = [n for n in names if n not in ARMS]
    if unknown:
        raise BatchError(
            f"--arms: unknown arm(s) {', '.join(unknown)}; known arms: "
            + ", ".join(f"{a.name} ({a.description})" for a in ARMS.values())
        )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise BatchError(f"--arms: {', '.join(dupes)} given more than once")
    return names
