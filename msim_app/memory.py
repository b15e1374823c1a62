"""How much memory one tab's session holds, and the most it may hold.

A tab's memory is its models: the agent tables (numpy columns, one row per lymphocyte or
antibody particle, grown by doubling), the tissue grid (a Mesa cell and a myelin-site agent per
site, about 1.5 kB each), the recorded days and events, the chart rows and the timeline's
compressed snapshots. The estimate below adds those up from the live objects (cheap enough to
take after every simulated day) and was checked against the process's resident memory
(``bench/class_light.py --memory``).

A scenario within the schema's ranges stays far below the cap at any run length, but the
"Give a course now" button can pile antibody up without end (each course adds particles the
scenario's own antibody check never saw), so the session checks the estimate after every day it
steps and stops with :class:`TabMemoryError` before the next growth of a table could take it
past ``MSIM_TAB_MAX_MB`` (default 250 MB, ``0`` = no cap): the page shows its alert, and Reset
starts again.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.agents import AgentTable
    from msim_app.arm import Arm
    from msim_app.session import Session

MB = 1024 * 1024
SITE_BYTES = 1_600  # a Mesa grid cell and its MyelinSite agent, with their dicts (measured)
FREE_ROW_BYTES = 36  # a row number on a table's free list: a list slot and an int object
EVENT_BYTES = 250  # one recorded event: a dataclass with a day and two short strings
WORK_ROW_BYTES = 64  # a day's temporary arrays per table row, at their peak (measured)
HEAVY_BYTES = 50 * MB  # a session above this is collected at once when it is dropped

_CAP_MB = float(os.environ.get("MSIM_TAB_MAX_MB", "").strip() or 250)
TAB_CAP_BYTES = int(_CAP_MB * MB) if _CAP_MB > 0 else None


class TabMemoryError(MemoryError):
    """A tab's run needs more memory than one tab may hold on this server."""


def table_bytes(table: AgentTable) -> int:
    """An agent table's numpy columns, its alive mask and its free list."""
    total = sum(getattr(table, name).nbytes for name in table.columns) + table.alive.nbytes
    return total + FREE_ROW_BYTES * len(getattr(table, "_free", ()))


def arm_bytes(arm: Arm) -> int:
    model = arm.model
    grid = model.params.grid
    total = grid.width * grid.height * SITE_BYTES
    for name in ("lymphocytes", "particles"):
        table = getattr(model, name, None)
        if table is not None:
            total += table_bytes(table)
    recorder = arm.sim.recorder
    total += recorder._rows.nbytes + arm.history.rows.nbytes + arm.timeline.nbytes()
    return total + EVENT_BYTES * len(model.events)


def session_bytes(session: Session) -> int:
    """Every arm of a tab's session."""
    return sum(arm_bytes(arm) for arm in session.arms)


def growth_bytes(session: Session) -> int:
    """What a day could add on top of what the session holds, at its peak: the day's temporary
    arrays (a few numbers per table row: a tab full of antibody peaks at about twice what it
    holds), and a table three-quarters full doubles soon, holding its old and new columns at
    once for a moment. Counted ahead, so a tab stops before it passes its cap."""
    work = doubling = 0
    for arm in session.arms:
        for name in ("lymphocytes", "particles"):
            table = getattr(arm.model, name, None)
            if table is None:
                continue
            work += WORK_ROW_BYTES * table.alive.size
            if len(getattr(table, "_free", ())) < table.alive.size // 4:
                doubling = max(doubling, 2 * table_bytes(table))
    return work + doubling


def check(session: Session, cap: int | None = TAB_CAP_BYTES) -> None:
    """Raise :class:`TabMemoryError` when ``session`` holds, or with the next growth of one of
    its tables could hold, more than ``cap`` bytes."""
    if cap is None:
        return
    used = session_bytes(session)
    if used + growth_bytes(session) > cap:
        raise TabMemoryError(
            f"this run holds about {used / MB:,.0f} MB and would soon need more than the "
            f"{cap / MB:,.0f} MB a tab may use on this server (MSIM_TAB_MAX_MB); give fewer "
            "courses, or pick a lighter scenario"
        )


def give_back() -> None:
    """Collect dropped models now (a model holds reference cycles, and the app makes full
    collections rare) and hand the freed heap back to the system (glibc's ``malloc_trim``), so
    the memory shows as free at once."""
    gc.collect()
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def rss_bytes() -> int:
    """This process's resident memory (Linux), 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
