"""The class summary: students share their runs (Settings > Share with my teacher) and the
teacher's page (``/teacher``, behind the token the server printed) pools them.

The shared runs live in the server process (:mod:`msim_app.classpool`); a tab's run summary
comes from its session (:meth:`~msim_app.session.Session.class_summary`), wherever the tab's
models live. This module only draws.
"""

from __future__ import annotations

import base64
import html
import logging
import time
from typing import Any
from urllib.parse import parse_qs

import solara
from solara.alias import rv

from msim_app import classpool, classroom
from msim_app.pagefix import PageFix

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------- the student's side
@solara.component
def ShareSection(session: Any, tab_id: str) -> None:
    """A name field and **Share my run**: the run so far goes to the teacher's page under the
    name typed; sharing again replaces this tab's earlier share."""
    name = solara.use_reactive("")
    problem = solara.use_reactive("")
    done = solara.use_reactive("")

    def share() -> None:
        try:
            clean = classpool.clean_name(name.value)
            summary = session.class_summary()
            classpool.pool().share(tab_id, clean, summary)
        except ValueError as err:
            problem.set(str(err))
            done.set("")
            return
        except Exception as err:  # a stopped worker: say so, keep the page
            log.exception("sharing a run failed")
            problem.set(f"Could not share the run: {err}")
            done.set("")
            return
        name.set(clean)
        problem.set("")
        done.set(
            f"Shared as {clean} at day {summary['day']} ({time.strftime('%H:%M:%S')}). "
            "Share again to update it."
        )

    with rv.Html(
        tag="section",
        class_="msim-share",
        attributes={"aria-labelledby": "msim-share-heading"},
    ):
        rv.Html(
            tag="h2",
            children=["Share with my teacher"],
            class_="msim-share-heading",
            attributes={"id": "msim-share-heading"},
        )
        solara.Text(
            "Your teacher's page shows your run so far (relapses, lesions, your prediction) "
            "under the name you type here; nothing else about you is kept.",
            classes=["msim-share-help"],
        )
        solara.InputText(
            f"Your name (1-{classpool.NAME_MOST} characters)",
            value=name,
            continuous_update=True,
            classes=["msim-share-name"],
        )
        solara.Button(
            "Share my run",
            on_click=share,
            outlined=True,
            icon_name="mdi-share-variant",
            classes=["msim-share-button"],
        )
        with rv.Html(tag="div", attributes={"role": "status", "aria-live": "polite"}):
            if problem.value:
                solara.Text(problem.value, classes=["msim-share-problem"])
            if done.value:
                solara.Text(done.value, classes=["msim-share-done"])


# ---------------------------------------------------------------------- the teacher's page
TEACHER_CSS = """
.msim-teacher { max-width: 1100px; margin: 0 auto; padding: 8px 16px; display: flex;
  flex-direction: column; gap: 10px; }
.msim-teacher h1 { font-size: 20px; margin: 0; }
.msim-teacher h2 { font-size: 16px; margin: 8px 0 0; }
.msim-teacher table { border-collapse: collapse; font-size: 13px; }
.msim-teacher caption { text-align: left; font-size: 13px; color: #444; padding: 2px 0; }
.msim-teacher th, .msim-teacher td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
.msim-teacher th { background: #f2f2f2; font-weight: 600; }
.msim-teacher td.num { text-align: right; font-variant-numeric: tabular-nums; }
.msim-teacher-curve img { max-width: 100%; height: auto; }
.msim-teacher :focus-visible { outline: 3px solid #b35900 !important; outline-offset: 2px; }
.msim-teacher-form { max-width: 380px; display: flex; flex-direction: column; gap: 8px; }
"""


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return str(value)


def prediction_text(row: dict[str, Any]) -> str:
    if row["predicted_relapses_2y"] is None:
        return "-"
    off = [
        f"{what} off by {_num(v, 1)} points"
        for what, v in (("CD4", row["prediction_cd4_off"]), ("B", row["prediction_b_off"]))
        if v is not None
    ]
    n = row["predicted_relapses_2y"]
    said = f"{n} relapse{'s' if n != 1 else ''} predicted, {row['seen_relapses_2y']} seen"
    return said + (f"; {', '.join(off)}" if off else "")


COLUMNS = (
    ("Student", "student", False),
    ("Scenario", "scenario", False),
    ("Seed", "seed", True),
    ("Day", "day", True),
    ("Arm", "arm", False),
    ("Relapses (follow-up)", "relapses", True),
    ("ARR", "arr", True),
    ("New lesions", "new_lesions", True),
    ("Lesion %", "lesion_pct", True),
    ("EDSS", "edss", True),
    ("Prediction vs outcome", None, False),
)


def table_html(rows: list[dict[str, Any]]) -> str:
    """The per-student table (every value escaped: names are typed by students)."""
    head = "".join(f'<th scope="col">{html.escape(t)}</th>' for t, _, _ in COLUMNS)
    body = []
    for r in rows:
        cells = []
        for _, key, num in COLUMNS:
            if key is None:
                text = prediction_text(r)
            elif key == "relapses":
                text = f"{r['relapses']} ({r['relapses_follow_up']})"
            else:
                text = _num(r[key])
            tag = 'th scope="row"' if key == "student" else "td"
            cls = ' class="num"' if num else ""
            cells.append(f"<{tag}{cls}>{html.escape(text)}</{tag.split()[0]}>")
        body.append(f'<tr class="msim-teacher-row">{"".join(cells)}</tr>')
    return (
        '<table class="msim-teacher-table"><caption>Each student\'s patient, one row per arm: '
        "relapses since the run began, those since the start of follow-up in brackets; ARR "
        "over the follow-up, as <code>msim run</code> counts it.</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def spread_html(entries: list[classpool.Entry]) -> str:
    rows = []
    for label, n, s in classpool.spread(entries):
        vals = ["-", "-", "-"] if s is None else [_num(s[k]) for k in ("min", "median", "max")]
        cells = "".join(f'<td class="num">{html.escape(v)}</td>' for v in [str(n), *vals])
        rows.append(f'<tr><th scope="row">{html.escape(label)}</th>{cells}</tr>')
    head = "".join(
        f'<th scope="col">{t}</th>' for t in ("", "Students", "Lowest", "Median", "Highest")
    )
    return (
        '<table class="msim-teacher-spread"><caption>How the students\' patients differ (one '
        "patient per student).</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


@solara.component
def TeacherSummary() -> None:
    refreshed = solara.use_reactive(0)
    entries = solara.use_memo(classpool.pool().entries, [refreshed.value])
    curves = solara.use_memo(lambda: classpool.free_curves(entries), [refreshed.value])
    png = solara.use_memo(lambda: classpool.curves_png(curves), [refreshed.value])
    text = classpool.curves_text(curves)
    n = len(entries)
    solara.HTML(tag="h1", unsafe_innerHTML="msim: class summary")
    with solara.Row(gap="8px", style={"align-items": "center"}):
        solara.Text(
            f"{n} student{'s have' if n != 1 else ' has'} shared a run "
            f"(as of {time.strftime('%H:%M:%S')}).",
            classes=["msim-teacher-count"],
        )
        solara.Button(
            "Refresh",
            on_click=lambda: refreshed.set(refreshed.value + 1),
            outlined=True,
            icon_name="mdi-refresh",
            classes=["msim-teacher-refresh"],
        )
        solara.FileDownload(
            lambda: classpool.csv_bytes(entries),
            filename="msim-class-summary.csv",
            label="Table as CSV",
            mime_type="text/csv",
        )
    if not entries:
        solara.Text(
            "No student has shared a run yet: students press Share my run in Settings.",
            classes=["msim-teacher-empty"],
        )
        return
    solara.HTML(tag="h2", unsafe_innerHTML="Students' runs")
    solara.HTML(tag="div", unsafe_innerHTML=table_html(classpool.table_rows(entries)))
    solara.HTML(tag="h2", unsafe_innerHTML="Relapse-free, treated vs untreated")
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img src="{src}" alt="{html.escape(text)}">',
        classes=["msim-teacher-curve"],
    )
    solara.Text(text, classes=["msim-teacher-curve-text"])
    solara.HTML(tag="h2", unsafe_innerHTML="Spread between the patients")
    solara.HTML(tag="div", unsafe_innerHTML=spread_html(entries))


@solara.component
def TeacherPage() -> None:
    """``/teacher``: the token form until the right token is given, then the summary."""
    solara.Title("msim: class summary")
    solara.Style(TEACHER_CSS)
    PageFix.element()  # <html lang>, zooming allowed
    search = solara.use_router().search or ""
    from_address = (parse_qs(search.lstrip("?")).get("token") or [""])[0]
    browser = classroom._session_id()
    unlocked = solara.use_reactive(
        classpool.is_teacher(browser) or classpool.token_ok(from_address)
    )
    typed = solara.use_reactive("")
    wrong = solara.use_reactive("")

    def submit() -> None:
        if classpool.token_ok(typed.value):
            classpool.remember_teacher(browser)
            wrong.set("")
            unlocked.set(True)
        else:
            wrong.set("That is not the teacher token. It was printed when the server started.")

    if unlocked.value:
        classpool.remember_teacher(browser)
    with rv.Html(tag="main", class_="msim-teacher"):
        if unlocked.value:
            TeacherSummary()
            return
        with solara.Div(classes=["msim-teacher-form"]):
            solara.HTML(tag="h1", unsafe_innerHTML="msim: class summary")
            solara.Text(
                "This page is for the teacher: type the token the server printed when it "
                "started (or open the address it printed)."
            )
            solara.InputText(
                "Teacher token",
                value=typed,
                password=True,
                continuous_update=True,
                classes=["msim-teacher-token"],
            )
            solara.Button(
                "Open the class summary",
                on_click=submit,
                color="primary",
                classes=["msim-teacher-submit"],
            )
            if wrong.value:
                solara.Error(wrong.value, classes=["msim-teacher-wrong"])
