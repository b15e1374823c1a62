"""Arms: named ways of turning the scenario into the scenario one group of runs gets.

A registry rather than an if-chain, so a new arm is one :func:`register_arm` call and nothing
else in the batch code changes. Schedules are compared with :func:`schedule_arm`: an arm that
gives the batch's patients another file's dosing schedule and changes nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from model.batch.errors import BatchError
from model.drugs import DrugRegistryError, registry
from model.scenario import Scenario, load_scenario, validate_data

CONTROL = "untreated"  # the arm every other arm is compared with, patient by patient
ARM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # part of run ids and file names


@dataclass(frozen=True)
class Arm:
    name: str
    description: str
    build: Callable[[Scenario], Scenario]


ARMS: dict[str, Arm] = {}


def register_arm(arm: Arm) -> Arm:
    if not ARM_NAME.match(arm.name):
        raise ValueError(f"arm name {arm.name!r}: letters, digits, _ and - only (used in run ids)")
    ARMS[arm.name] = arm
    return arm


register_arm(Arm("treated", "the scenario as it is, with its own dosing schedule", lambda s: s))
register_arm(
    Arm("untreated", "the same patient with every dosing course removed", Scenario.untreated)
)
register_arm(
    Arm(
        "retreated",
        "the scenario with its retreatment rule switched on: a further course after a relapse "
        "that comes long enough after the last one",
        Scenario.retreated,
    )
)


def drug_arm(name: str) -> Arm:
    """Arm NAME for each drug of the registry: the same patient with every course and treatment
    removed, then the drug's standard regimen (``model/data/drugs.toml``) from the end of the
    run-in, so every therapy meets the same virtual patients."""
    drug = registry().drugs[name]

    def build(scenario: Scenario) -> Scenario:
        start = scenario.run.baseline_days
        data = scenario.untreated().to_dict()
        data["treatments"] = [
            {
                "drug": name,
                "start_day": start + step.offset_days,
                "interval_days": step.interval_days,
                **({"until_end": True} if step.until_end else {"doses": step.doses}),
            }
            for step in drug.regimen
            if start + step.offset_days < scenario.run.days
        ]
        data["name"] = f"{scenario.name} ({name})"
        return validate_data(data, f"--arms {name}")

    regimen = ", ".join(
        f"every {s.interval_days:g} days from day {s.offset_days} "
        + ("until the end" if s.until_end else f"x {s.doses}")
        for s in drug.regimen
    )
    return Arm(
        name,
        f"{drug.label} ({drug.mechanism}) at {drug.standard_dose_mg:g} mg, its standard regimen "
        f"from the end of the run-in ({regimen}); no other treatment",
        build,
    )


def _register_drug_arms() -> str:
    """One arm per registry drug; a broken registry adds none, and says why when asked."""
    try:
        names = registry().names
    except DrugRegistryError as err:
        return f" (no drug arms: {err})"
    for name in names:
        register_arm(drug_arm(name))
    return ""


REGISTRY_PROBLEM = _register_drug_arms()


def schedule_arm(text: str) -> Arm:
    """``NAME=FILE`` -> arm NAME: the batch's scenario with FILE's ``[dosing]`` section (its
    courses and retreatment rule), so schedules are compared on the same virtual patients."""
    name, sep, path = (part.strip() for part in text.partition("="))
    if not sep or not name or not path:
        raise BatchError(
            f"--schedule: '{text}' is not NAME=FILE, e.g. --schedule one=scenarios/one-course.toml"
        )
    if not name.isidentifier():
        raise BatchError(
            f"--schedule {text}: the arm name '{name}' may hold only letters, digits and _ "
            "(it becomes part of every run id)"
        )
    if name in ARMS:
        raise BatchError(f"--schedule {text}: '{name}' is a built-in arm; choose another name")
    dosing = load_scenario(path).dosing.model_dump(mode="json")

    def build(scenario: Scenario) -> Scenario:
        data = {**scenario.to_dict(), "dosing": dosing}
        data["name"] = f"{scenario.name} ({name}: dosing of {Path(path).name})"
        return validate_data(data, f"--schedule {text}")

    return Arm(name, f"the dosing schedule of {path}", build)


def parse_arms(text: str, extra: dict[str, Arm] | None = None) -> list[str]:
    """``"treated,untreated"`` -> names, refusing unknown or repeated arms. Arms in ``extra``
    (from ``--schedule``) are known too, and added at the end when ``text`` leaves them out."""
    extra = extra or {}
    known = {**ARMS, **extra}
    names = [n.strip() for n in text.split(",") if n.strip()]
    names += [n for n in extra if n not in names]
    if not names:
        raise BatchError("--arms: give at least one arm, e.g. --arms treated,untreated")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BatchError(
            f"--arms: unknown arm(s) {', '.join(unknown)}; known arms: "
            + ", ".join(f"{a.name} ({a.description})" for a in known.values())
            + REGISTRY_PROBLEM
        )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise BatchError(f"--arms: {', '.join(dupes)} given more than once")
    return names
