"""One simulated patient shown in the page: a simulation, its chart history and what the browser
has seen."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from model.model import MSModel
from model.run import Simulation
from model.scenario import Scenario
from msim_app.history import History
from msim_app.timeline import Choice, Timeline, pack, unpack


@dataclass
class Arm:
    """A simulation plus its chart rows and its timeline (for going back); ``role`` is
    "treated", "untreated", "comparator" or "branch"; ``sent`` counts the rows already sent to
    the browser."""

    label: str
    sim: Simulation
    history: History
    role: str = "treated"
    timeline: Timeline = field(init=False)
    sent: int = 0
    sent_doses: int = 0
    sent_news: int = 0
    sent_scans: int = 0

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.sim)

    @classmethod
    def start_all(cls, arms: list[tuple[str, str, Scenario]], seed: int) -> list[Arm]:
        """The same patient at day 0 in each (label, role, scenario): the history before day 0
        is lived once for all of them (:meth:`MSModel.twins`), so a Reset with the comparison
        on costs one burn-in, not one per view."""
        models = MSModel.twins([scenario for _, _, scenario in arms], seed)
        out = []
        for (label, role, scenario), model in zip(arms, models, strict=True):
            sim = Simulation(scenario, seed, model)
            out.append(cls(label=label, sim=sim, history=History(sim), role=role))
        return out

    def branch(self, label: str, choice: Choice) -> Arm:
        """A copy of this arm as it is now, with ``choice`` made in it: the same patient and
        the same later triggers (waves, infections), another treatment from today."""
        sim = unpack(pack(self.sim))  # a whole copy
        arm = Arm(label=label, sim=sim, history=History(sim), role="branch")
        arm.timeline.choose(sim, choice)
        arm.history.sync()
        return arm

    def choose(self, choice: Choice) -> None:
        """Make ``choice`` in this arm now (it replaces any choice of the old future)."""
        self.timeline.choose(self.sim, choice)

    def go_back(self, day: int, guard: Callable[[], None] | None = None) -> None:
        """The arm as it was at the start of ``day`` (not before its timeline's first day)."""
        self.sim = self.timeline.restore(max(day, self.timeline.first_day), guard)
        self.history = History(self.sim)
        self.history.sync()
        self.sent = self.sent_doses = self.sent_news = self.sent_scans = 0

    @property
    def model(self) -> MSModel:
        """The live model, for what only a picture needs (the tissue, the inspector)."""
        return self.sim.model

    @property
    def day(self) -> int:
        return self.sim.day

    def advance(
        self, days: int, deadline: float | None = None, guard: Callable[[], None] | None = None
    ) -> int:
        """Step up to ``days`` days, stopping early (after at least one) once
        ``time.perf_counter()`` passes ``deadline``; ``guard()`` after every day may stop it by
        raising (a tab over its memory cap). The number of days stepped."""
        done = 0
        try:
            while done < days:
                self.timeline.before_day(self.sim)
                self.sim.advance(1)
                self.timeline.after_day(self.sim)
                done += 1
                if guard is not None:
                    guard()
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        finally:
            self.history.sync()
        return done

    def infusion_day(self) -> int:
        """Which day of a course the last simulated day was (1, 2, ...), 0 when none."""
        doses, k = self.history.doses, 0
        last = self.day - 1
        while doses and k < len(doses) and doses[-1 - k] == last - k:
            k += 1
        return k

    def summary(self) -> dict:
        """Counters for the status line (JSON-ready)."""
        h, day = self.history, self.day
        arr = h.arr(day)
        return {
            "label": self.label,
            "day": day,
            "relapses": h.relapses,
            "arr": None if arr is None else round(arr, 2),
            "lesion_pct": round(h.lesion_pct(), 2),
            "new_lesions": h.new_lesions,
            "edss": h.edss(),
            "infections": len(h.infections),
            "dose_days": len(h.doses),  # days a drug was given (an infusion, a shot, tablets)
            "infusing": self.infusion_day(),
            "courses": int(self.model.courses_started),
        }
