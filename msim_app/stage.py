"""The stage: one widget with the tissue view(s), the charts and the run controls.

Why one custom widget: everything that changes every frame lives in the browser's canvases and is
fed by one websocket message of raw bytes per frame, so Play never re-renders Solara's component
tree. The browser drives Play: it asks for the next frame when it has drawn the last one, which
paces the simulation to what the page can show and keeps each tab independent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import ipyvue
import traitlets

from msim_app import fairshare
from msim_app.exports import file_stem

if TYPE_CHECKING:
    from msim_app.session import Session

log = logging.getLogger(__name__)

SPEEDS = [  # (key, label, days per frame, most frames per second (0 = as fast as it can),
    #  frames per message during Play: the page still shows them one by one)
    ("slow", "Slow (5 days/s)", 1, 5, 1),
    ("normal", "Normal (1 day a frame)", 1, 30, 3),
    ("fast", "Fast (as fast as it can)", 1, 0, 3),
    ("faster", "Faster (5 days a frame)", 5, 0, 1),
    ("fastest", "Fastest (20 days a frame)", 20, 0, 1),
]


class Stage(ipyvue.VueTemplate):
    """Canvas widget: Python sends ``setup``/``frame``/``download`` messages, the page calls the
    ``vue_*`` methods below."""

    template_file = (__file__, "stage.vue")

    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Unicode("normal").tag(sync=True)
    speeds = traitlets.List(
        [{"key": k, "label": lab, "days": d, "fps": f, "batch": b} for k, lab, d, f, b in SPEEDS]
    ).tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)  # one-line message under the toolbar
    error = traitlets.Unicode("").tag(sync=True)  # a failed step: an alert above everything
    predict_problem = traitlets.Unicode("").tag(sync=True)  # why a prediction was not taken
    # controls a class link locked (shown, not changeable) or hid: "speed", "course", "timeline"
    locked = traitlets.List([]).tag(sync=True)
    hidden = traitlets.List([]).tag(sync=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.session: Session | None = None
        self._fixed_speed = self.speed

    @traitlets.observe("speed")
    def _keep_locked_speed(self, _change: dict) -> None:
        """A locked speed stays the link's (the page greys the menu out; this makes sure)."""
        fixed = getattr(self, "_fixed_speed", None)
        if fixed and ("speed" in self.locked or "speed" in self.hidden) and self.speed != fixed:
            self.speed = fixed

    def apply_link(self, speed: str, locked: list[str], hidden: list[str]) -> None:
        """A class link's speed, and the controls it locks or hides."""
        self._fixed_speed = None
        self.speed = speed
        self.locked, self.hidden = locked, hidden
        self._fixed_speed = speed

    def bind(self, session: Session) -> None:
        self.session = session
        session.attach(self)
        session.push_setup()

    def _call(self, name: str, *args: Any, parse: Any = None) -> None:
        """Run a session method (its arguments from ``parse()`` when given); a failure, a
        ``MemoryError`` included, stops Play and becomes an alert at the top of the page, never a
        traceback. Reset clears it and starts again."""
        if self.session is None:
            return
        try:
            if parse is not None:
                args = parse()
            getattr(self.session, name)(*args)
        except Exception as err:  # MemoryError is an Exception too
            log.exception("stage action %s failed", name)
            self.playing = False
            what = "ran out of memory" if isinstance(err, MemoryError) else "went wrong"
            detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            self.error = f"The simulation {what} ({detail}). Press Reset to start again."

    # called from the browser ---------------------------------------------------------------
    def vue_ready(self, _data: Any = None) -> None:
        self._call("push_setup")

    def send(self, content: dict, buffers: list | None = None) -> None:
        """Play answers carry the class's fair pace (:mod:`msim_app.fairshare`) in their last
        frame's header."""
        if content.get("method") == "frames" and content["args"][0]:
            content["args"][0][-1]["fair_ms"] = fairshare.BOARD.fair_ms()
        super().send(content, buffers)

    def vue_want_frame(self, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        pace = data.get("pace")
        if isinstance(pace, int | float):  # a client that does not say its pace is left out
            fairshare.BOARD.report(id(self), float(pace))
        self._call("play_tick", parse=lambda: (int(data.get("days", 1)), int(data.get("count", 1))))

    def vue_step(self, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        self.notice = ""
        self._call("step", parse=lambda: (int(data.get("days", 1)),))

    def vue_reset(self, _data: Any = None) -> None:
        self.notice = self.error = ""
        self._call("reset")

    def vue_give_course(self, _data: Any = None) -> None:
        if "course" in self.locked or "course" in self.hidden:
            self.notice = "The class link does not let this page give a course."
            return
        if self.session is not None:
            try:
                self.notice = self.session.give_course()
            except Exception as err:
                log.exception("give_course failed")
                self.notice = f"Could not give a course: {err}"

    def vue_go_to(self, data: Any = None) -> None:
        """The timeline slider let go: the run as it was (or will be again) on that day."""
        if isinstance(data, dict) and "timeline" not in self.locked + self.hidden:
            self.notice = ""
            self._call("go_to", parse=lambda: (int(data.get("day", 0)),))

    def vue_branch(self, data: Any = None) -> None:
        """Branch here: the treated patient from today under another choice, beside the rest."""
        if not isinstance(data, dict) or self.session is None:
            return
        if "timeline" in self.locked + self.hidden:
            self.notice = "The class link does not let this page branch."
            return
        try:
            self.notice = self.session.branch(str(data.get("kind", "")), data.get("drug"))
        except Exception as err:
            log.exception("branch failed")
            self.notice = f"Could not branch: {err}"

    def vue_predict(self, data: Any = None) -> None:
        """The student's prediction; a bad one is explained in the prediction panel."""
        data = data if isinstance(data, dict) else {}
        if self.session is None:
            return
        try:
            self.session.predict(
                data.get("cd4"), data.get("b_cells"), data.get("relapses"), data.get("sketch")
            )
        except ValueError as err:
            self.predict_problem = f"Not yet: {err}."
            return
        except Exception as err:  # the worker went, or anything else: as for a failed step
            self._call("push_frame")
            self.predict_problem = f"The prediction could not be kept ({err})."
            return
        self.predict_problem = ""

    def vue_skip_prediction(self, _data: Any = None) -> None:
        self.predict_problem = ""
        self._call("skip_prediction")

    def vue_inspect(self, data: Any = None) -> None:
        if isinstance(data, dict):
            self._call(
                "inspect", parse=lambda: (int(data.get("arm", 0)), int(data["x"]), int(data["y"]))
            )

    def vue_export_csv(self, _data: Any = None) -> None:
        s = self.session
        if s is not None:
            name = f"{file_stem(s.scenario.name, s.seed)}-day{s.day}.csv"
            s.send_file(name, "text/csv", s.csv_bytes())
