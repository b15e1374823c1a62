"""msim classroom app: watch the immune attack on myelin in MS, give alemtuzumab, compare.

Serve it with ``make run`` (``solara run app.py``, http://localhost:8765). In a Jupyter notebook,
run ``from app import Page; Page()`` in a cell from the repository root.

Every browser tab gets its own :class:`~msim_app.session.Session` (its own model). The tissue
view, charts and run controls are one canvas widget (:mod:`msim_app.stage`) that the browser
drives frame by frame; the side panel and the lesson and inspector panels are plain Solara
components that change only when the user does something.
"""

from __future__ import annotations

import gc
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import solara
import solara.lab

if str(Path(__file__).resolve().parent) not in sys.path:  # `solara run` from another folder
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from solara.alias import rv

from msim_app import classpool, classroom, linkstart, pool
from msim_app.controls import (
    CompareSwitch,
    PredictSwitch,
    ScenarioControls,
    SeedControl,
    Sliders,
)
from msim_app.linkpanel import ClassLinkPanel
from msim_app.pagefix import PageFix
from msim_app.panels import InspectorPanel, LessonPanel
from msim_app.stage import Stage
from msim_app.teacher import ShareSection, TeacherPage

# The server holds every tab's model, millions of Python objects with 30 tabs: one full pass of the
# cyclic garbage collector over them stalls every tab for 0.4-1.7 s (bench/sessions.py). Full
# passes a tenth as often (the oldest generation's threshold 10 -> 100); younger garbage is
# still collected as usual and cyclic garbage that reaches the oldest generation, later.
gc.set_threshold(gc.get_threshold()[0], gc.get_threshold()[1], 100)

# Every tab's model steps in a worker process (msim_app/pool.py; MSIM_WORKERS=0 keeps them in
# this process): started now, so the first tab does not wait for the workers' imports.
pool.pool()

# The teacher's class summary (/teacher) is behind a token: MSIM_TEACHER_TOKEN, else one made
# now; the address with it goes to the server's console.
print(f"msim teacher page (class summary): {classpool.teacher_address()}", flush=True)

CSS = """
.msim-page { display: flex; gap: 16px; align-items: flex-start; padding: 4px; }
.msim-side { flex: 0 0 290px; max-width: 290px; display: flex; flex-direction: column; gap: 6px; }
.msim-side .v-tab { min-width: 0; padding: 0 8px; text-transform: none; letter-spacing: normal;
  font-size: 14px; }
.msim-side .v-window { overflow: visible; }
.msim-main { flex: 1 1 600px; min-width: 0; display: flex; flex-direction: column; gap: 12px; }
.msim-title { font-size: 18px; font-weight: 600; margin: 0; }
.msim-subtitle { font-size: 13px; color: #555; margin: 0; }
.msim-panels { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.msim-panels > * { flex: 1 1 320px; }
.msim-lesson-heading { margin: 8px 0 2px; font-size: 15px; }
.msim-lesson p { margin: 0 0 4px; }
.msim-inspector table { border-collapse: collapse; font-size: 13px; }
.msim-inspector th { text-align: left; font-weight: normal; color: #555; padding: 1px 10px 1px 0; }
.msim-inspector td { font-weight: 600; }
.msim-slider .v-input__slot { flex-wrap: wrap; }
.msim-slider .v-input__slot > .v-label { flex: 0 0 100%; max-width: 100%; height: auto;
  white-space: normal; margin: 0 0 2px; font-size: 14px; color: #222; }
.msim-slider .v-messages { min-height: 0; }
.msim-slider .v-input { margin-top: 0; padding-top: 0; }
.msim-slider .v-input__slot { margin-bottom: 0; }
.msim-slider-help { display: block; font-size: 12px; color: #555; margin: 0 0 10px; }
.msim-download-scenario { text-transform: none; letter-spacing: normal; }
.msim-sliders-note { font-size: 12px; color: #555; }
.msim-upload-problem { display: block; font-size: 13px; color: #8a1c1c; }
.msim-section { margin: 4px 0; border-bottom: 1px solid #ddd; }
.msim-section-title { cursor: pointer; padding: 8px 4px; font-size: 15px; font-weight: 500; }
.msim-section[open] > .msim-section-title { margin-bottom: 6px; }
.msim-page :focus-visible, .msim-password :focus-visible { outline: 3px solid #b35900 !important;
  outline-offset: 2px; }
.msim-share { display: flex; flex-direction: column; gap: 6px; border-top: 1px solid #ddd;
  padding-top: 8px; }
.msim-share-heading { font-size: 15px; font-weight: 500; margin: 0; }
.msim-share-help { font-size: 12px; color: #555; }
.msim-share-problem { display: block; font-size: 13px; color: #8a1c1c; }
.msim-share-done { display: block; font-size: 13px; color: #1b5e20; }
.msim-password { max-width: 340px; margin: 40px auto; display: flex; flex-direction: column;
  gap: 10px; }
"""


TABS = ("Settings", "Lesson", "Inspector")


@solara.component
def PasswordForm(on_unlocked: Callable[[], None]) -> None:
    """The class password (``MSIM_CLASS_PASSWORD``), checked in the server; no model is built
    until it is given."""
    text = solara.use_reactive("")
    wrong = solara.use_reactive("")  # why the last try did not let the page in

    def submit(value: str | None = None) -> None:
        given = text.value if value is None else (value or "")
        text.set(given)
        if not given:
            return
        if classroom.unlock(given):
            wrong.set("")
            on_unlocked()
            return
        wait = classroom.wait_s()
        if wait > 0:
            wrong.set(
                f"Too many wrong passwords: try again in {int(wait) + 1} s "
                "(ask your teacher for the password)."
            )
        else:
            wrong.set("That is not the class password.")

    with solara.Div(classes=["msim-password"]):
        solara.HTML(tag="h1", unsafe_innerHTML="msim", classes=["msim-title"])
        solara.Text("This class server asks for the password your teacher gave.")
        solara.InputText(
            "Class password",
            value=text.value,
            on_value=submit,
            password=True,
            update_events=["focusout", "keyup.enter"],
            classes=["msim-password-input"],
        )
        solara.Button(
            "Enter",
            on_click=lambda: submit(None),
            color="primary",
            classes=["msim-password-submit"],
        )
        if wrong.value:
            solara.Error(wrong.value, classes=["msim-password-error"])


def _speed(stage: Stage | None) -> str:
    return stage.speed if stage is not None else "normal"


@solara.component
def LinkProblems(problems: list[str]) -> None:
    """Why the class link in the address was not used (the page shows the default instead)."""
    with solara.Column(classes=["msim-link-error"], gap="2px"):
        solara.Error(
            "This class link could not be used, so the page shows the default scenario. "
            "Ask your teacher for the link again.",
            dense=True,
        )
        for p in problems:
            solara.Text(f"- {p}", classes=["msim-upload-problem"])


@solara.component
def Page() -> None:
    solara.Title("msim: MS and alemtuzumab")
    solara.Style(CSS)
    PageFix.element()
    unlocked = solara.use_reactive(classroom.is_unlocked())
    if not unlocked.value:
        PasswordForm(lambda: unlocked.set(True))
    else:
        Classroom()


@solara.component
def Classroom() -> None:
    query = solara.use_router().search
    session, link, link_problems = solara.use_memo(lambda: linkstart.open_session(query), [])
    tab_id = solara.use_memo(lambda: uuid.uuid4().hex, [])  # this tab's share, for the teacher
    stage = solara.use_ref(None)  # the Stage widget, once bound
    locked = link.locked if link else frozenset()
    hidden = link.hidden if link else frozenset()
    # the tab closed (or its grace period ran out): its models go at once
    solara.use_effect(lambda: getattr(session, "close", None), [])
    version = solara.use_reactive(0)  # bumped when the scenario changes: panels re-read it
    inspected = solara.use_reactive(None)
    tab = solara.use_reactive(0)

    def show_details(details: dict | None) -> None:
        inspected.set(details)
        if details is not None:
            tab.set(TABS.index("Inspector"))

    session.on_inspect = show_details

    def loaded() -> None:
        version.set(version.value + 1)

    with solara.Div(classes=["msim-page"]):
        with rv.Html(tag="section", class_="msim-side", attributes={"aria-label": "Settings"}):
            solara.HTML(tag="h1", unsafe_innerHTML="msim", classes=["msim-title"])
            solara.Text(
                "The immune system in multiple sclerosis, and the drug alemtuzumab.",
                classes=["msim-subtitle"],
            )
            with solara.lab.Tabs(value=tab, grow=True, lazy=False):
                with (
                    solara.lab.Tab(TABS[0], classes=["msim-tab-settings"]),
                    solara.Column(gap="10px", style={"padding-top": "8px"}),
                ):
                    if link_problems:
                        LinkProblems(link_problems)
                    if "scenario" not in hidden:
                        ScenarioControls(session, loaded, "scenario" in locked)
                    if "seed" not in hidden:
                        SeedControl(session, loaded, "seed" in locked).key(f"seed-{version.value}")
                    if "compare" not in hidden:
                        CompareSwitch(session, "compare" in locked).key(f"compare-{version.value}")
                    if "predict" not in hidden:
                        PredictSwitch(session, "predict" in locked).key(f"predict-{version.value}")
                    if "sliders" not in hidden:
                        Sliders(session, version.value, loaded, "sliders" in locked)
                    if not (locked or hidden):
                        with rv.Html(tag="details", class_="msim-section msim-link-section"):
                            rv.Html(
                                tag="summary",
                                children=["Class link (for teachers)"],
                                class_="msim-section-title",
                            )
                            ClassLinkPanel(session, lambda: _speed(stage.current))
                    ShareSection(session, tab_id)
                with solara.lab.Tab(TABS[1], classes=["msim-tab-lesson"]):
                    LessonPanel(session.scenario.lesson, session.scenario.name)
                with solara.lab.Tab(TABS[2], classes=["msim-tab-inspector"]):
                    InspectorPanel(inspected)
        with rv.Html(tag="section", class_="msim-main", attributes={"aria-label": "Simulation"}):
            stage_el = Stage.element()

    def bind() -> None:
        stage.current = widget = solara.get_widget(stage_el)
        if link is not None:  # set once, here: as element props a re-render would reset them
            widget.apply_link(link.speed, sorted(locked), sorted(hidden))
        widget.bind(session)

    solara.use_effect(bind, [])


@solara.component
def Layout(children: list | None = None) -> None:
    """Solara's own layout without its route tabs: students see no link to /teacher."""
    solara.AppLayout(children=children or [], navigation=False)


routes = [
    solara.Route(path="/", component=Page, layout=Layout),
    solara.Route(path="teacher", component=TeacherPage),
]
