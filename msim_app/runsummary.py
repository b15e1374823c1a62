"""What a student shares with the teacher: a JSON-ready summary of the tab's run, built from the
recorded data only (each arm's :class:`~msim_app.history.History`: relapse onsets, new
lesions, lesion area and EDSS from the recorded rows and events; the patient's drawn values;
the student's prediction and its score). It is made where the tab's models live (a worker
process, or the server with ``MSIM_WORKERS=0``) and travels to the server's class pool
(:mod:`msim_app.classpool`) as plain data.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from msim_app import predict

if TYPE_CHECKING:
    from model.scenario import Scenario
    from msim_app.arm import Arm

VERSION = 1
MOST_ONSETS = 500  # relapse onsets kept per arm (a 20-year run of a very active patient: ~100)


def role(arm: Arm, treated: bool) -> str:
    """What an arm is in the class's curves: its own role (``treated``, ``untreated``,
    ``comparator``, ``branch``), except that a first arm whose scenario gives no drug is
    ``untreated``."""
    if arm.role == "treated" and not treated:
        return "untreated"
    return arm.role


SHARED = ("label", "relapses", "arr", "new_lesions", "lesion_pct", "edss", "dose_days")


def arm_summary(arm: Arm, treated: bool) -> dict[str, Any]:
    """The arm's status-line counters (:meth:`Arm.summary`), its role and relapse onsets."""
    counters, h = arm.summary(), arm.history
    return {
        **{key: counters[key] for key in SHARED},
        "role": role(arm, treated),
        "days": counters["day"],
        "relapses_follow_up": sum(1 for d in h.onsets if d >= h.baseline_days),
        "onsets": [int(d) for d in h.onsets[:MOST_ONSETS]],
    }


def run_summary(
    scenario: Scenario,
    seed: int,
    arms: list[Arm],
    prediction: predict.Prediction | None,
    given_courses: int = 0,
) -> dict[str, Any]:
    """The tab's run as the teacher's page pools it (JSON-ready)."""
    treated = bool(scenario.dosing.courses or scenario.treatments or given_courses)
    first = arms[0]
    # the patient's drawn traits are not in the recorded rows: the model keeps them, as drawn
    patient = {k.removeprefix("patient_"): v for k, v in first.model.patient_record().items()}
    summary = {
        "version": VERSION,
        "scenario": scenario.name,
        "seed": int(seed),
        "day": first.day,
        "run_days": scenario.run.days,
        "follow_up_start": scenario.run.baseline_days,
        "patient": patient,
        "arms": [arm_summary(a, treated) for a in arms],
        "prediction": None if prediction is None else prediction.to_json(),
        "score": None if prediction is None else predict.score(prediction, first.history),
    }
    return json.loads(json.dumps(summary, allow_nan=False))  # plain JSON types only
