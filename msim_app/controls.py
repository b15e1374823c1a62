"""The side panel: scenario choice, upload, download, seed, side-by-side switch and sliders.

These change rarely, so they are ordinary Solara components. Every change goes through the
session, and bad input (a broken upload, a wrong seed, an out-of-range value) is shown in the
page and leaves the running model as it was.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import solara
from solara.alias import rv

from model.scenario import ScenarioError, load_scenario
from model.text import slug
from msim_app import catalog, classroom, schema
from msim_app.choice import Choice
from msim_app.session import Session
from msim_app.therapies import comparators, drug_label
from msim_app.upload import Upload

log = logging.getLogger(__name__)
SEED_MAX = 2**32 - 1
UPLOADED = "__uploaded__"


@solara.component
def ScenarioControls(session: Session, on_loaded: Callable[[], None], locked: bool = False) -> None:
    entries = solara.use_memo(catalog.entries, [])
    choice = solara.use_reactive(
        session.source if session.source in {e.key for e in entries} else UPLOADED
    )
    problems = solara.use_reactive([])
    uploaded_name = solara.use_reactive("")

    options = [[e.key, e.title] for e in entries]
    if choice.value == UPLOADED:
        options.append([UPLOADED, f"Uploaded: {uploaded_name.value or session.scenario.name}"])

    def pick(key: str) -> None:
        if key == UPLOADED or key == choice.value:
            return
        entry = next((e for e in entries if e.key == key), None)
        if entry is None:
            return
        try:
            scenario = load_scenario(entry.path)
        except ScenarioError as err:
            problems.set(err.problems)
            return
        problems.set([])
        choice.set(key)
        session.load(scenario, source=key)
        on_loaded()

    def got_file(name: str, raw: bytes) -> None:
        try:
            scenario = catalog.read_upload(raw, name)
        except ScenarioError as err:
            problems.set([f"{name} was not loaded; the model is unchanged:", *err.problems])
            return
        over = classroom.limits().problems(scenario)
        if over:
            problems.set(
                [f"{name} is over this class server's limits; the model is unchanged:", *over]
            )
            return
        problems.set([])
        uploaded_name.set(name)
        choice.set(UPLOADED)
        session.load(scenario, source=name)
        on_loaded()

    def refused(name: str, size: int) -> None:
        why = (
            "could not be read"
            if size < 0
            else f"is {size:,} bytes; scenario files are limited to 1 MB"
        )
        problems.set([f"{name} {why}; the model is unchanged."])

    def bind_upload():
        if upload_el is None:
            return
        widget = solara.get_widget(upload_el)
        widget.on_file, widget.on_refused = got_file, refused

    solara.use_effect(bind_upload, [session])

    def download() -> None:
        data = session.scenario_toml().encode()
        name = slug(session.scenario.name, empty="scenario")
        session.send_file(f"{name}.toml", "application/toml", data)

    with solara.Column(gap="10px", classes=["msim-scenario-controls"]):
        if locked:
            _fixed(f"Scenario: {session.scenario.name}", "msim-scenario-fixed")
        else:
            Choice.element(
                label="Scenario",
                options=options,
                value=choice.value,
                css_class="msim-scenario-select",
                on_value=pick,
            )
        upload_el = Upload.element() if not locked else None
        if problems.value:
            with solara.Column(classes=["msim-upload-errors"], gap="2px"):
                solara.Error(problems.value[0], dense=True)
                for p in problems.value[1:]:
                    solara.Text(f"- {p}", classes=["msim-upload-problem"])
        solara.Button(
            "Download settings (.toml)",
            on_click=download,
            outlined=True,
            icon_name="mdi-download",
            classes=["msim-download-scenario"],
        )


@solara.component
def SeedControl(session: Session, on_loaded: Callable[[], None], locked: bool = False) -> None:
    text = solara.use_reactive(str(session.seed))
    error = solara.use_reactive("")

    def apply(value: str) -> None:
        text.set(value)
        try:
            seed = int(value.strip())
            if not 0 <= seed <= SEED_MAX:
                raise ValueError
        except ValueError:
            error.set(
                f"'{value}' is not a seed: give a whole number from 0 to {SEED_MAX:,}. "
                "The model is unchanged."
            )
            return
        error.set("")
        if seed != session.seed:
            session.set_seed(seed)
            on_loaded()

    if locked:
        _fixed(f"Seed (the virtual patient): {session.seed}", "msim-seed-fixed")
        return
    solara.InputText(
        "Seed (the virtual patient)",
        value=text.value,
        on_value=apply,
        continuous_update=False,
        classes=["msim-seed"],
        message="Press Enter to start again with this patient.",
    )
    if error.value:
        solara.Error(error.value, dense=True, classes=["msim-seed-error"])


@solara.component
def CompareSwitch(session: Session, locked: bool = False) -> None:
    on = solara.use_reactive(session.compare)
    drug = solara.use_reactive(session.comparator or "")

    def pick(value: str) -> None:
        drug.set(value)
        session.set_comparator(value or None)
        on.set(session.compare)

    name = "Treated vs untreated, side by side"
    _setting_switch(name, name, on, session.set_compare, "msim-compare", locked, session.compare)
    if locked:
        if session.compare and session.comparator:
            _fixed(f"Also compared with: {drug_label(session.comparator)}", "msim-comparator-fixed")
        return
    Choice.element(
        label="Also compare with (third view)",
        options=[["", "No other drug"], *([n, lab] for n, lab in comparators())],
        value=drug.value,
        css_class="msim-comparator-select",
        on_value=pick,
    )


@solara.component
def PredictSwitch(session: Session, locked: bool = False) -> None:
    on = solara.use_reactive(session.predicting)
    _setting_switch(
        "Predict, then watch",
        "Predict, then watch (asked before the first infusion)",
        on,
        session.set_predicting,
        "msim-predict",
        locked,
        session.predicting,
    )


def _setting_switch(
    name: str,
    label: str,
    on: solara.Reactive[bool],
    apply: Callable[[bool], None],
    css: str,
    locked: bool,
    current: bool,
) -> None:
    """An on/off setting of the session; locked by a class link, it shows its state as text."""
    if locked:
        _fixed(f"{name}: {'on' if current else 'off'}", f"{css}-fixed")
        return

    def toggle(value: bool) -> None:
        on.set(value)
        apply(value)

    solara.Switch(label=label, value=on.value, on_value=toggle, classes=[f"{css}-toggle"])


@solara.component
def SchemaSlider(spec: schema.SliderSpec, value: float, on_change: Callable[[float], None]) -> None:
    """A slider that reports only when the user lets go (or presses a key): each change
    rebuilds the model, so the values passed while dragging are skipped."""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    css = f"msim-slider msim-slider-{spec.key.replace('.', '-')}"
    with solara.Div(classes=css.split()):
        el = rv.Slider(
            v_model=value,
            label=f"{spec.label}: {shown} {spec.unit}".rstrip(),
            min=spec.low,
            max=spec.high,
            step=spec.step,
            thumb_label=True,
            hide_details=True,
        )

        def changed(_widget: object, _event: str, data: float) -> None:
            if data is not None and data != value:
                on_change(int(data) if spec.integer else float(data))

        rv.use_event(el, "change", changed)
        solara.Text(spec.help, classes=["msim-slider-help"])


@solara.component
def Sliders(
    session: Session, version: int, on_loaded: Callable[[], None], locked: bool = False
) -> None:
    error = solara.use_reactive("")
    specs = solara.use_memo(_class_sections, [])

    def setter(key: str) -> Callable[[float], None]:
        def set_value(value: float) -> None:
            try:
                scenario = session.scenario.with_overrides({key: value}, source="slider")
            except ScenarioError as err:
                error.set("; ".join(err.problems) + " The model is unchanged.")
                return
            lim = classroom.limits()  # a shipped scenario may be over them: only new problems
            over = [p for p in lim.problems(scenario) if p not in lim.problems(session.scenario)]
            if over:
                error.set("; ".join(over) + ". The model is unchanged.")
                return
            error.set("")
            seed = session.seed
            session.load(scenario.with_overrides({"run.seed": seed}), source=session.source)
            on_loaded()

        return set_value

    if locked:
        _fixed("The parameters are fixed for this lesson.", "msim-sliders-fixed")
        return
    solara.Text("Changing a value starts the run again from day 0.", classes=["msim-sliders-note"])
    if error.value:
        solara.Error(error.value, dense=True, classes=["msim-slider-error"])
    for title, section in specs.items():
        with rv.Html(tag="details", attributes=_open(title == "Disease"), class_="msim-section"):
            rv.Html(tag="summary", children=[title], class_="msim-section-title")
            for spec in section:
                value = schema.value_of(session.scenario, spec.key)
                SchemaSlider(spec, value, setter(spec.key)).key(f"{spec.key}-{version}")


def _fixed(text: str, css: str) -> None:
    """A control the class link locked: its value, and who set it."""
    with solara.Div(classes=["msim-fixed", css]):
        solara.Text(text)
        solara.Text(" (set by the class link)", classes=["msim-fixed-note"])


def _open(is_open: bool) -> dict:
    """A ``<details>`` element's attributes: open, or closed (no attribute at all)."""
    return {"open": True} if is_open else {}


def _class_sections() -> dict[str, list[schema.SliderSpec]]:
    """The sliders, the run's length capped at the class limit when there is one."""
    most = classroom.limits().max_days
    out = schema.sections()
    if most is None:
        return out
    return {
        title: [
            dataclasses.replace(s, high=min(s.high, float(most))) if s.key == "run.days" else s
            for s in section
        ]
        for title, section in out.items()
    }
