"""The teacher's side of class links: what each control does for students (free, locked or
hidden) and the "Copy class link" button, which captures the page as it is now."""

from __future__ import annotations

from collections.abc import Callable

import solara

from model.scenario import load_scenario
from msim_app import catalog
from msim_app.choice import Choice
from msim_app.classlink import CONTROLS, LinkState, encode
from msim_app.exports import settings
from msim_app.linkbox import LinkBox
from msim_app.session import Session

MODES = [["free", "free"], ["locked", "locked (shown)"], ["hidden", "hidden"]]


def link_state(session: Session, speed: str, modes: dict[str, str]) -> LinkState:
    """The link for the page as it is: a shipped scenario by name when it is unchanged (no
    slider moved, no course given), else the whole scenario embedded."""
    now = session.scenario_toml()
    entry = next((e for e in catalog.entries() if e.key == session.source), None)
    by_name = entry is not None and (
        settings(load_scenario(entry.path), session.seed, []).to_toml() == now
    )
    return LinkState(
        scenario=entry.key if by_name and entry else None,
        toml=None if by_name else now,
        seed=session.seed,
        day=session.day,
        speed=speed,
        compare=session.compare,
        drug=session.comparator if session.compare else None,
        predict=session.predicting,
        locked=frozenset(k for k, m in modes.items() if m == "locked"),
        hidden=frozenset(k for k, m in modes.items() if m == "hidden"),
    )


@solara.component
def ClassLinkPanel(session: Session, speed: Callable[[], str]) -> None:
    modes = solara.use_reactive({name: "free" for name in CONTROLS})

    def setter(name: str) -> Callable[[str], None]:
        return lambda value: modes.set({**modes.value, name: value})

    with solara.Column(gap="6px", classes=["msim-linkpanel"]):
        solara.Text(
            "A link that opens this page for your students as it is now: scenario, seed, day, "
            "speed, side-by-side view and predict-then-watch. Choose what students may change:",
            classes=["msim-linkpanel-help"],
        )
        for name, label in CONTROLS.items():
            Choice.element(
                label=label,
                options=MODES,
                value=modes.value[name],
                css_class=f"msim-link-mode-{name}",
                on_value=setter(name),
            )
        box = LinkBox.element()

    def bind() -> None:
        widget = solara.get_widget(box)
        widget.on_make = lambda: encode(link_state(session, speed(), modes.value))

    solara.use_effect(bind, [session, modes.value])
