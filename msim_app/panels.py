"""Read-only panels: the lesson text and the inspector.

Each takes its data as arguments (or a reactive value), so only it re-renders when that changes.
"""

from __future__ import annotations

import solara
from solara.alias import rv

from model.scenario import Lesson

LESSON_PARTS = (
    ("what_it_is", "What it is"),
    ("how_it_works", "How it works"),
    ("things_to_notice", "Things to notice"),
    ("things_to_try", "Things to try"),
)

CELL_FIELDS = (
    ("kind", "Kind"),
    ("cd52", "CD52 (relative)"),
    ("aggression", "Aggression"),
    ("autoreactive", "Autoreactive"),
    ("state", "Naive or memory"),
    ("activated", "Activated"),
    ("origin", "Original or repopulated"),
    ("generation", "Generation"),
    ("age_days", "Age (days)"),
    ("site", "Site (x, y)"),
)
SITE_FIELDS = (
    ("site", "Site (x, y)"),
    ("integrity", "Myelin integrity (0-1)"),
    ("lesion", "Lesion state"),
    ("inflammation", "Inflammation"),
    ("macrophages", "Macrophages (0-1 of the site's room)"),
    ("lasting_damage", "Lasting damage (scar)"),
    ("vessel", "Blood vessel"),
)
PATIENT_FIELDS = (
    ("age", "Age (years)"),
    ("activity", "Disease activity (1 = average)"),
    ("drive", "Homeostatic drive (1 = average)"),
    ("thymic_share", "Thymic share of T-cell renewal"),
    ("relapses_prior_year", "Relapses in the year before day 0"),
    ("enhancing_lesions", "Enhancing lesions at day 0"),
    ("screened", "Candidates screened to enrol them"),
)


def _text(tag: str, text: str, css: str = "") -> None:
    rv.Html(tag=tag, children=[text], class_=css)


@solara.component
def LessonPanel(lesson: Lesson, title: str) -> None:
    with solara.Card(f"Lesson: {title}", classes=["msim-lesson"], margin=0):
        for key, heading in LESSON_PARTS:
            _text("h4", heading, "msim-lesson-heading")
            _text("p", getattr(lesson, key), f"msim-lesson-{key.replace('_', '-')}")


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _table(details: dict, fields: tuple[tuple[str, str], ...], css: str) -> None:
    rows = [
        rv.Html(tag="tr", children=[
            rv.Html(tag="th", children=[label], attributes={"scope": "row"}),
            rv.Html(tag="td", children=[_fmt(details[key])], class_=f"msim-inspect-field-{key}"),
        ])
        for key, label in fields
        if key in details
    ]  # fmt: skip
    rv.Html(tag="table", children=[rv.Html(tag="tbody", children=rows)], class_=css)


@solara.component
def InspectorPanel(details: solara.Reactive[dict | None]) -> None:
    info = details.value
    with solara.Card("Inspector", classes=["msim-inspector"], margin=0):
        if not info:
            _text(
                "p",
                "Click a cell or a site in the tissue view (or focus the view, move with "
                "the arrow keys and press Enter) to see its state here.",
                "msim-inspect-hint",
            )
            return
        _text("p", f"{info.get('arm', '')} patient, day {info.get('day', '')}", "msim-inspect-when")
        cell = info.get("cell")
        if cell:
            _text("h4", f"Lymphocyte: {cell['kind']}", "msim-inspect-cell-title")
            _table(cell, CELL_FIELDS, "msim-inspect-cell")
        else:
            _text("p", "No lymphocyte at or next to this site.", "msim-inspect-nocell")
        _text("h4", "Myelin site", "msim-inspect-site-title")
        _table(info["site"], SITE_FIELDS, "msim-inspect-site")
        _text(
            "p",
            f"Lymphocytes on this site: {info['cells_here']}; antibody particles: "
            f"{info['antibody_here']}",
            "msim-inspect-counts",
        )
        if info.get("patient"):
            _text("h4", "This patient (drawn from the seed)", "msim-inspect-patient-title")
            _table(info["patient"], PATIENT_FIELDS, "msim-inspect-patient")
