"""One browser tab's simulation: its scenario, seed, the patient(s) and the stage it draws on.

Every tab (every Solara kernel) builds its own :class:`Session`, so classmates never share a
model. The session owns the stepping; the stage widget only asks for frames. In side-by-side mode
it runs a second, untreated arm of the same seed: the model draws the disease and the drug from
separate random streams, so both arms are the same virtual patient until the first infusion.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Protocol

from model.drugs import registry
from model.scenario import DosingCourse, Scenario
from msim_app import memory, predict
from msim_app.arm import Arm
from msim_app.exports import run_csv, settings
from msim_app.inspector import describe_site
from msim_app.runsummary import run_summary
from msim_app.therapies import comparator_scenario, drug_label
from msim_app.timeline import Choice
from msim_app.wire import frame_message, setup_message

COURSE_DAYS, COURSE_MG = 3, 12.0  # "give a course now": the retreatment course
# Most model time one Play message may take (see Session.play_tick); MSIM_FRAME_BUDGET_MS sets
# it when the server starts (0 = no budget: every frame gets all its days, as before).
_BUDGET_MS = float(os.environ.get("MSIM_FRAME_BUDGET_MS", "").strip() or 50)
FRAME_BUDGET_S = _BUDGET_MS / 1000 if _BUDGET_MS > 0 else float("inf")


class StageLike(Protocol):
    playing: bool

    def send(self, content: dict, buffers: list | None = None) -> None: ...


class Session:
    """Scenario, seed and arms of one tab; pushes setup and frames to its stage."""

    def __init__(self, scenario: Scenario, seed: int | None = None, source: str = ""):
        self.scenario = scenario
        self.source = source or scenario.name
        self.seed = scenario.run.seed if seed is None else seed
        self.compare = False
        self.comparator: str | None = None  # a registry drug beside the untreated twin
        self.predicting = False  # predict, then watch: ask before the first infusion
        self.stage: StageLike | None = None
        self.on_inspect: Callable[[dict | None], None] = lambda details: None
        self.arms: list[Arm] = []
        self.frame_budget = FRAME_BUDGET_S
        self.memory_cap = memory.TAB_CAP_BYTES  # most bytes this tab's models may hold
        self._build()

    # ------------------------------------------------------------------ lifecycle
    def _build(self) -> None:
        # A model holds reference cycles, which only a full pass of the cyclic garbage collector
        # frees, and app.py makes those passes rare: a big model dropped here (a switch away
        # from a heavy scenario, a reset) would keep its memory for minutes. Collect it now; the
        # standard patient is left to the collector's own pace (a full pass stalls every tab).
        heavy = bool(self.arms) and memory.session_bytes(self) > memory.HEAVY_BYTES
        self.arms = []
        if heavy:
            memory.give_back()
        self.furthest = 0  # the last day simulated: the timeline reaches back from here
        self.prediction: predict.Prediction | None = None
        self.pause_at: int | None = None  # the day Play stops to ask for a prediction
        self._arm_prediction(0)
        arms = [(self._main_label(), "treated", self.scenario)]
        self.arms = Arm.start_all(arms + (self._twin_arms() if self.compare else []), self.seed)

    def _twin_arms(self) -> list[tuple[str, str, Scenario]]:
        """The arms beside the first: the untreated twin, then the comparator drug if chosen."""
        arms = [("Untreated", "untreated", self.scenario.untreated())]
        if self.comparator:
            scenario = comparator_scenario(self.scenario, self.comparator)
            arms.append((drug_label(self.comparator), "comparator", scenario))
        return arms

    def _branches(self) -> list[Arm]:
        return [arm for arm in self.arms if arm.role == "branch"]

    @property
    def given(self) -> list[DosingCourse]:
        """The courses given with the button (still in the treated arm's timeline)."""
        return [
            DosingCourse(start_day=c.day, days=c.days, dose_mg=c.dose_mg)
            for c in self.arms[0].timeline.choices
            if c.kind == "course"
        ]

    def _twins(self) -> list[Arm]:
        return Arm.start_all(self._twin_arms(), self.seed)

    def _main_label(self) -> str:
        drugs = list(dict.fromkeys(t.drug for t in self.scenario.treatments))
        if drugs:  # [[treatments]] from the drug registry
            return "Treated: " + ", ".join(drugs)
        return "Treated: alemtuzumab" if self.scenario.dosing.courses else "Scenario (no courses)"

    def attach(self, stage: StageLike) -> None:
        self.stage = stage

    def reset(self) -> None:
        """Day 0 again with the same settings and seed."""
        self._stop()
        self._build()
        self.on_inspect(None)
        self.push_setup()

    def load(self, scenario: Scenario, source: str = "") -> None:
        """Switch to another scenario (already validated) and start it at day 0."""
        self.scenario, self.source = scenario, source or scenario.name
        self.seed = scenario.run.seed
        self.reset()

    def set_seed(self, seed: int) -> None:
        self.seed = seed
        self.reset()

    def set_compare(self, on: bool) -> None:
        """Add (or drop) the untreated arm (and the comparator's); new arms catch up to the
        current day."""
        if on == self.compare:
            return
        self.compare = on
        branches = self._branches()
        del self.arms[1:]
        if on:
            self._catch_up(self._twins())
        self.arms += branches
        self.push_setup()

    def set_comparator(self, name: str | None) -> None:
        """Compare with a registry drug too (``None``: only the untreated twin); choosing one
        switches the comparison on. The new arm catches up to the current day."""
        name = name or None
        if name is not None:
            comparator_scenario(self.scenario, name)  # refuses an unknown drug
        if name == self.comparator and (name is None or self.compare):
            return
        self.comparator = name
        if not self.compare:
            self.set_compare(name is not None)
            return
        branches = self._branches()
        del self.arms[2:]
        if name is not None:
            self._catch_up(Arm.start_all(self._twin_arms()[1:], self.seed))
        self.arms += branches
        self.push_setup()

    def _catch_up(self, arms: list[Arm]) -> None:
        for arm in arms:
            self.arms.append(arm)
            arm.advance(self.arms[0].day, guard=self._guard)

    def _stop(self) -> None:
        if self.stage is not None:
            self.stage.playing = False

    # ------------------------------------------------------------------ stepping
    @property
    def day(self) -> int:
        return self.arms[0].day

    @property
    def run_days(self) -> int:
        return self.scenario.run.days

    def advance(self, days: int, deadline: float | None = None) -> int:
        """Step every arm the same number of days: up to ``days``, fewer (at least one) when the
        first arm reaches ``deadline`` (``time.perf_counter()``); the days stepped. Stops with
        :class:`~msim_app.memory.TabMemoryError` once the tab holds more than its memory cap."""
        done = self.arms[0].advance(days, deadline, self._guard)
        for arm in self.arms[1:]:
            arm.advance(done, guard=self._guard)
        self.furthest = max(self.furthest, self.day)
        return done

    def _guard(self) -> None:
        memory.check(self, self.memory_cap)

    def memory_bytes(self) -> int:
        """About how many bytes this tab's models hold (:mod:`msim_app.memory`)."""
        return memory.session_bytes(self)

    def play_tick(self, days: int, count: int = 1) -> None:
        """Play: up to ``count`` frames (at most 4) of up to ``days`` days each, sent together in
        one message (the page shows them one per paint), stopping at the end of the run.

        Bounded in time: once ``frame_budget`` seconds have gone into this message, no further
        day is stepped (a frame keeps the days it has, at least one) and what there is goes out,
        so a heavy scenario plays slower instead of holding the server's event loop, which
        every tab shares, for seconds."""
        frames: list[tuple[dict, list[bytes]]] = []
        deadline = time.perf_counter() + self.frame_budget
        for _ in range(max(1, min(int(count), 4))):
            end = self.run_days if self.pause_at is None else min(self.run_days, self.pause_at)
            if self.day < end:
                self.advance(max(1, min(int(days), 60, end - self.day)), deadline)
            frames.append(self._frame(False))
            if self.day >= end:
                self._stop()
                break
            if time.perf_counter() >= deadline:
                break
        if self.stage is not None:
            self.stage.send(
                {"method": "frames", "args": [[h for h, _ in frames]]},
                [b for _, bufs in frames for b in bufs],
            )

    def step(self, days: int) -> None:
        """Step buttons: always advance (past the scenario's end and the prediction's day too:
        a prediction not made by then is not asked for), then draw."""
        self._stop()
        self.advance(max(1, min(int(days), 365)))
        if self.pause_at is not None and self.day > self.pause_at:
            self.pause_at = None
        self.push_frame()

    # ------------------------------------------------------------------ predict, then watch
    def _arm_prediction(self, day: int) -> None:
        first = predict.predict_day(self.scenario)
        ask = self.predicting and self.prediction is None and first is not None and first >= day
        self.pause_at = first if ask else None

    def set_predicting(self, on: bool) -> None:
        """Predict, then watch on or off (on: asked at the first infusion, if still to come)."""
        self.predicting = bool(on)
        self._arm_prediction(self.day)
        self.push_frame()

    def predict(self, cd4: list, b_cells: list, relapses: object, sketch: object = None) -> None:
        """Commit the student's prediction, with the curves sketched if any (ValueError in plain
        words when it is bad)."""
        arm = self.arms[0]
        self.prediction = predict.Prediction.checked(
            self.day, predict.start_of(arm.history), cd4, b_cells, relapses, sketch
        )
        self.pause_at = None
        self.push_frame()

    def skip_prediction(self) -> None:
        self.pause_at = None
        self.push_frame()

    def _frame(self, full: bool) -> tuple[dict, list[bytes]]:
        header, buffers = frame_message(self.arms, self.day >= self.run_days, full)
        header["furthest"] = self.furthest
        header["ask_prediction"] = self.pause_at is not None and self.day >= self.pause_at
        p = self.prediction
        header["prediction"] = None if p is None else p.to_json()
        header["score"] = None if p is None else predict.score(p, self.arms[0].history)
        return header, buffers

    def give_course(self) -> str:
        """Start a course of alemtuzumab on the next day in the treated arm."""
        arm = self.arms[0]
        planned = [*arm.model.params.dosing.courses, *self.given]
        if any(c.start_day <= arm.day < c.start_day + c.days for c in planned):
            return "A course is already under way."
        arm.choose(Choice(arm.day, "course", days=COURSE_DAYS, dose_mg=COURSE_MG))
        self.furthest = self.day  # the old future is gone (a branch keeps its own)
        return f"A {COURSE_DAYS}-day course of {COURSE_MG:g} mg a day starts on day {arm.day}."

    # ------------------------------------------------------------------ rewind and branch
    def go_to(self, day: int) -> None:
        """Show the run at the start of ``day`` (0 to the last day simulated): back through
        the timeline, or forward again the same way. A branch that began after ``day`` goes."""
        self._stop()
        day = max(0, min(int(day), self.furthest))
        if day > self.day:
            self.advance(day - self.day)
        elif day < self.day:
            self.arms = [a for a in self.arms if a.timeline.first_day <= day]
            for arm in self.arms:
                arm.go_back(day, self._guard)
            if self.prediction is not None and self.prediction.day > day:
                self.prediction = None  # asked again when the run gets there
            self._arm_prediction(day)
        self.push_setup()

    def branch(self, kind: str, drug: str | None = None) -> str:
        """A new view beside the others: the treated patient as they are today, with another
        choice (a course of alemtuzumab now, stop all treatment, switch to a drug of the
        registry). It replaces an earlier branch. The message for the page."""
        self._stop()
        arm, day = self.arms[0], self.day
        if kind == "course":
            what = "a course of alemtuzumab"
        elif kind == "stop":
            what = "all treatment stopped"
        elif kind == "switch" and drug in registry().names:
            what = f"switched to {registry().drugs[drug].label}"
        else:
            raise ValueError(f"cannot branch with {kind!r} {drug or ''}".strip())
        choice = Choice(day, kind, drug or "", days=COURSE_DAYS, dose_mg=COURSE_MG)
        branch = arm.branch(f"Branch, day {day}: {what}", choice)
        self.arms = [a for a in self.arms if a.role != "branch"] + [branch]
        self.push_setup()
        return f"Branch at day {day}: {what}. Play runs both on the same patient."

    # ------------------------------------------------------------------ the browser
    def push_setup(self) -> None:
        """Tell the stage the grid and arms, then resend everything (a fresh or reset view)."""
        if self.stage is None:
            return
        for arm in self.arms:
            arm.sent = arm.sent_doses = arm.sent_scans = 0
            arm.sent_news = len(arm.history.news.items)  # a redrawn view repeats no news
        self.stage.send(
            {"method": "setup", "args": [setup_message(self.scenario, self.arms, self.seed)]}
        )
        self.push_frame(full=True)

    def push_frame(self, full: bool = False) -> None:
        if self.stage is not None:
            header, buffers = self._frame(full)
            self.stage.send({"method": "frame", "args": [header]}, buffers)

    def send_file(self, filename: str, mime: str, data: bytes) -> None:
        if self.stage is not None:
            self.stage.send(
                {"method": "download", "args": [{"filename": filename, "mime": mime}]}, [data]
            )

    # ------------------------------------------------------------------ inspecting, exporting
    def inspect(self, arm_index: int, x: int, y: int) -> dict | None:
        if not 0 <= arm_index < len(self.arms):
            return None
        arm = self.arms[arm_index]
        details = describe_site(arm.model, x, y)
        if details is not None:
            details["arm"] = arm.label
            details["day"] = arm.day
        self.on_inspect(details)
        return details

    def csv_bytes(self) -> bytes:
        return run_csv(self.arms, self.prediction)

    def scenario_toml(self) -> str:
        return settings(self.scenario, self.seed, self.given).to_toml()

    def class_summary(self) -> dict:
        """The run so far for the teacher's class summary (JSON-ready, from the recorded data:
        :mod:`msim_app.runsummary`)."""
        return run_summary(self.scenario, self.seed, self.arms, self.prediction, len(self.given))
