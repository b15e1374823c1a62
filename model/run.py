"""The one way to run the model: scenario in, recorded data out.

:class:`Simulation` steps an :class:`MSModel` day by day and records every day's observation,
its events, relapses and MRI scans; ``simulate`` runs one to the end and returns a
:class:`RunResult`.
``msim run`` and the batch call ``simulate``; the app advances a ``Simulation`` a few days per
frame and draws from the same recorded rows. Nothing here writes files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from model.metrics import summarise
from model.model import MSModel
from model.records import Recorder, events_frame, relapses_frame, scans_frame
from model.scenario import Scenario


@dataclass
class RunResult:
    """One finished run: the scenario as run, its seed and every recorded table."""

    scenario: Scenario
    seed: int
    days: int
    timeseries: pd.DataFrame
    events: pd.DataFrame
    relapses: pd.DataFrame
    mri: pd.DataFrame
    patient: dict
    summary: dict


class Simulation:
    """One virtual patient being simulated, and what has been recorded of it so far."""

    def __init__(self, scenario: Scenario, seed: int | None = None, model: MSModel | None = None):
        self.scenario = scenario
        self.seed = scenario.run.seed if seed is None else seed
        self.model = MSModel.enrol(scenario, self.seed) if model is None else model
        self.recorder = Recorder(scenario.run.days)

    @property
    def day(self) -> int:
        """Days simulated so far (the next day to simulate)."""
        return self.model.day

    @property
    def events(self):
        return self.model.events

    @property
    def scans(self):
        """The MRI scans taken so far (:class:`model.records.Scan`), in day order."""
        return self.model.scanner.scans

    def advance(self, days: int) -> None:
        for _ in range(days):
            self.model.step()
            self.recorder.append(self.model.observation)

    def result(self) -> RunResult:
        ts = self.recorder.frame()
        ev, rel = events_frame(self.model.events), relapses_frame(self.model.relapses)
        mri = scans_frame(self.model.scanner.scans)
        patient = self.model.patient_record()
        summary = summarise(self.scenario, self.seed, ts, ev, rel, mri, patient)
        return RunResult(self.scenario, self.seed, len(ts), ts, ev, rel, mri, patient, summary)


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run one virtual patient for ``scenario.run.days`` days."""
    return _to_the_end(Simulation(scenario, seed), progress)


def simulate_twins(scenarios: Sequence[Scenario], seed: int) -> list[RunResult]:
    """The same virtual patient under each scenario (the arms of one replicate): the same
    results as ``simulate`` for each, with the history before day 0 lived once when the
    scenarios share it (:meth:`MSModel.twins`)."""
    models = MSModel.twins(scenarios, seed)
    return [
        _to_the_end(Simulation(sc, seed, model), None)
        for sc, model in zip(scenarios, models, strict=True)
    ]


def _to_the_end(sim: Simulation, progress: Callable[[int, int], None] | None) -> RunResult:
    days = sim.scenario.run.days
    for day in range(days):
        sim.advance(1)
        if progress is not None:
            progress(day + 1, days)
    return sim.result()
