"""The class's shared runs, kept in the server process for the teacher's page (``/teacher``).

A student who presses **Share my run** sends the summary of their tab's run
(:mod:`msim_app.runsummary`) with a name they type; the pool keeps it under the tab's own id,
so sharing again replaces the tab's earlier entry (whatever the name). Nothing else about the
student is kept, nothing is written to disk, and everything goes when the server stops. The
pool is bounded: at most :data:`MOST_ENTRIES` runs (a new share past that drops the one shared
longest ago) of at most :data:`MOST_BYTES` each.

The teacher's page is behind a token: ``MSIM_TEACHER_TOKEN`` when the server starts with it
(``make class`` sets one), else a random one made when the server starts; the server prints
the page's address with it. Tokens are compared in constant time.

From the pooled runs this module works out what the page shows: a row per student and arm,
the class's relapse-free curves treated vs untreated (Kaplan-Meier over the shared runs, with
the batch report's own estimator), the spread between the students' patients and a CSV.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.calendar import YEAR

ENV_TOKEN = "MSIM_TEACHER_TOKEN"
MOST_ENTRIES = 200  # shared runs kept (a class or two)
MOST_BYTES = 64_000  # of one run's summary as JSON
NAME_MOST = 40
ROLES = ("treated", "untreated")  # the arms the class curves compare

# ---------------------------------------------------------------------- the teacher's token
_token: str | None = None
_token_lock = threading.Lock()


def token() -> str:
    """The teacher's token: ``MSIM_TEACHER_TOKEN`` when set, else one made once per server."""
    global _token
    given = os.environ.get(ENV_TOKEN, "").strip()
    if given:
        return given
    with _token_lock:
        if _token is None:
            _token = secrets.token_urlsafe(16)
        return _token


def token_ok(given: str | None) -> bool:
    """True when ``given`` is the teacher's token (compared in constant time)."""
    if not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token().encode())


def teacher_address(host: str | None = None, port: int | str | None = None) -> str:
    """The teacher page's address with its token (the server's host and port when known)."""
    host = host or os.environ.get("SERVER_NAME") or "localhost"
    if host in ("0.0.0.0", "::"):  # every interface: this machine's own name for itself
        host = "localhost"
    port = port or os.environ.get("SERVER_PORT") or 8765
    return f"http://{host}:{port}/teacher?token={token()}"


_teachers: set[str] = set()  # Solara session ids (browsers) that gave the token
_teachers_lock = threading.Lock()
MOST_TEACHERS = 1_000


def remember_teacher(browser: str | None) -> None:
    if not browser:
        return
    with _teachers_lock:
        if len(_teachers) >= MOST_TEACHERS:
            _teachers.clear()
        _teachers.add(browser)


def is_teacher(browser: str | None) -> bool:
    with _teachers_lock:
        return bool(browser) and browser in _teachers


# ---------------------------------------------------------------------- names
def clean_name(text: str | None) -> str:
    """The name a student typed, trimmed; ValueError in plain words when it will not do."""
    name = " ".join((text or "").split())  # trimmed, inner runs of spaces made one
    if not name:
        raise ValueError("Type your name first (as your teacher should see it).")
    if len(name) > NAME_MOST:
        raise ValueError(f"Use at most {NAME_MOST} characters for your name ({len(name)} now).")
    if not name.isprintable():
        raise ValueError("Use letters, digits and punctuation only in your name.")
    return name


# ---------------------------------------------------------------------- the pool
@dataclass(frozen=True)
class Entry:
    tab: str  # the sharing tab's id (never shown)
    name: str
    shared_at: float  # time.time() of the share
    run: dict[str, Any]  # the run's summary (msim_app.runsummary)


class ClassPool:
    """The shared runs, one per tab, in the order they were (last) shared; thread-safe."""

    def __init__(self, most: int = MOST_ENTRIES, most_bytes: int = MOST_BYTES) -> None:
        self.most = most
        self.most_bytes = most_bytes
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def share(self, tab: str, name: str, run: dict[str, Any]) -> Entry:
        """Keep ``run`` under ``tab`` (replacing the tab's earlier share); ValueError for a bad
        name or a summary too big to keep."""
        name = clean_name(name)
        raw = json.dumps(run, allow_nan=False)  # JSON-ready, and measured
        if len(raw) > self.most_bytes:
            raise ValueError(f"This run's summary is too big to share ({len(raw):,} bytes).")
        entry = Entry(tab=tab, name=name, shared_at=time.time(), run=json.loads(raw))
        with self._lock:
            self._entries.pop(tab, None)
            self._entries[tab] = entry
            while len(self._entries) > self.most:
                self._entries.popitem(last=False)
        return entry

    def entries(self) -> list[Entry]:
        """The shared runs, first shared first (a copy: the pool may change meanwhile)."""
        with self._lock:
            return list(self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


_pool = ClassPool()


def pool() -> ClassPool:
    """The server's class pool (one per server process)."""
    return _pool


# ---------------------------------------------------------------------- what the page shows
def arms_of(entry: Entry, role: str) -> list[dict[str, Any]]:
    return [a for a in entry.run.get("arms", []) if a.get("role") == role]


def table_rows(entries: list[Entry]) -> list[dict[str, Any]]:
    """One row per student and arm: the teacher's table and the CSV."""
    rows = []
    for e in entries:
        run, p, s = e.run, e.run.get("prediction"), e.run.get("score")
        for i, arm in enumerate(run.get("arms", [])):
            first = i == 0
            rows.append(
                {
                    "student": e.name,
                    "scenario": run.get("scenario", ""),
                    "seed": run.get("seed"),
                    "day": run.get("day"),
                    "arm": arm["label"],
                    "role": arm["role"],
                    "relapses": arm["relapses"],
                    "relapses_follow_up": arm["relapses_follow_up"],
                    "arr": arm["arr"],
                    "new_lesions": arm["new_lesions"],
                    "lesion_pct": arm["lesion_pct"],
                    "edss": arm["edss"],
                    "disease_activity": run.get("patient", {}).get("activity"),
                    "predicted_relapses_2y": p["relapses"] if first and p else None,
                    "seen_relapses_2y": s["relapses"] if first and s else None,
                    "prediction_cd4_off": s["cd4_off"] if first and s else None,
                    "prediction_b_off": s["b_off"] if first and s else None,
                }
            )
    return rows


CSV_COLUMNS = (
    "student", "scenario", "seed", "day", "arm", "role", "relapses", "relapses_follow_up",
    "arr", "new_lesions", "lesion_pct", "edss", "disease_activity", "predicted_relapses_2y",
    "seen_relapses_2y", "prediction_cd4_off", "prediction_b_off",
)  # fmt: skip


def _cell(value: Any) -> Any:
    """A spreadsheet must not read a typed name as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_bytes(entries: list[Entry]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in table_rows(entries):
        w.writerow({k: _cell(row[k]) for k in CSV_COLUMNS})
    return out.getvalue().encode()


def first_relapse(arm: dict[str, Any], follow_up_start: int) -> int | None:
    """The first relapse onset in follow-up (None: none yet)."""
    after = [d for d in arm["onsets"] if d >= follow_up_start]
    return min(after) if after else None


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier step curve: ``surv[i]`` is the fraction still relapse-free from
    ``days[i]`` (days since the start of follow-up) on; ``longest`` is the latest day a
    patient was seen relapse-free or relapsing (beyond it the estimate is unknown, unless
    every patient has relapsed)."""

    days: np.ndarray
    surv: np.ndarray
    patients: int
    relapsed: int  # patients with a first relapse in follow-up
    longest: int

    def free_at(self, day: float) -> float | None:
        """The fraction relapse-free ``day`` days into follow-up (None: nobody got that far)."""
        if day > self.longest and self.surv[-1] > 0:
            return None
        return float(self.surv[np.searchsorted(self.days, day, side="right") - 1])


def free_curves(entries: list[Entry]) -> dict[str, Curve]:
    """Kaplan-Meier fraction free of relapse from the start of follow-up, treated vs untreated:
    one arm of each role per student (the student's patient), censored at the day they shared.
    The batch report's own loop (:func:`model.batch.tables._free_curves`)."""
    from model.batch.tables import _free_curves

    rows = []
    for e in entries:
        start = int(e.run.get("follow_up_start", 0))
        for role in ROLES:
            mine = arms_of(e, role)
            if mine:
                arm = mine[0]
                rows.append(
                    {
                        "status": "ok",
                        "point": 0,
                        "arm": role,
                        "days": arm["days"],
                        "follow_up_start_day": start,
                        "first": first_relapse(arm, start),
                    }
                )
    curves = _free_curves(rows, lambda r: r["first"])
    out = {}
    for role in ROLES:
        if (0, role) not in curves:
            continue
        days, surv, n = curves[(0, role)]
        mine = [r for r in rows if r["arm"] == role]
        out[role] = Curve(
            days=days,
            surv=surv,
            patients=n,
            relapsed=sum(r["first"] is not None for r in mine),
            longest=max(
                max((r["days"] if r["first"] is None else r["first"]) - r["follow_up_start_day"], 0)
                for r in mine
            ),
        )
    return out


def curves_text(curves: dict[str, Curve]) -> str:
    """The curves in words, for everyone (and for screen readers)."""
    if not curves:
        return "No shared run to draw yet."
    parts = []
    for role in ROLES:
        if role not in curves:
            parts.append(f"{role}: no shared run")
            continue
        c = curves[role]
        at = []
        for y in (1, 2):
            f = c.free_at(y * YEAR)
            years = f"{y} year{'s' if y > 1 else ''}"
            at.append(f"{f:.0%} at {years}" if f is not None else f"no run followed {years} yet")
        parts.append(
            f"{role}: {c.relapsed} of {c.patients} patient{'s' if c.patients != 1 else ''} "
            f"relapsed (relapse-free: {', '.join(at)})"
        )
    return "Relapse-free since the start of follow-up. " + "; ".join(parts) + "."


def curves_png(curves: dict[str, Curve]) -> bytes:
    """The class's relapse-free curves as a PNG (matplotlib, no pyplot: safe in threads)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    styles = {"treated": ("#0072B2", "-"), "untreated": ("#D55E00", "--")}
    end = 1.0
    for role in ROLES:
        if role not in curves:
            continue
        c = curves[role]
        color, dash = styles[role]
        years = np.append(c.days, c.longest) / YEAR  # the last step runs to the longest follow-up
        ax.step(years, np.append(c.surv, c.surv[-1]), where="post", color=color, linestyle=dash,
                linewidth=2, label=f"{role} (n={c.patients})")  # fmt: skip
        end = max(end, float(years[-1]))
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("years since the start of follow-up")
    ax.set_ylabel("fraction relapse-free")
    ax.set_title("The class's patients: relapse-free, treated vs untreated", fontsize=11)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(loc="lower left")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    v = np.asarray(values, float)
    return {"min": float(v.min()), "median": float(np.median(v)), "max": float(v.max())}


def _patient(key: str) -> Callable[[Entry], Any]:
    return lambda e: e.run.get("patient", {}).get(key)


def _arm(role: str, key: str) -> Callable[[Entry], Any]:
    def get(e: Entry) -> Any:
        mine = arms_of(e, role)
        return mine[0][key] if mine else None

    return get


SPREAD = (
    ("disease activity (drawn; population mean 1)", _patient("activity")),
    ("age at day 0 (years)", _patient("age")),
    ("relapses in follow-up, treated", _arm("treated", "relapses_follow_up")),
    ("relapses in follow-up, untreated", _arm("untreated", "relapses_follow_up")),
    ("new lesions, treated", _arm("treated", "new_lesions")),
    ("new lesions, untreated", _arm("untreated", "new_lesions")),
    ("EDSS, treated", _arm("treated", "edss")),
)


def spread(entries: list[Entry]) -> list[tuple[str, int, dict[str, float] | None]]:
    """(what, students, min/median/max) across the students' patients."""
    out = []
    for label, get in SPREAD:
        values = [v for v in (get(e) for e in entries) if v is not None]
        out.append((label, len(values), _spread(values)))
    return out
