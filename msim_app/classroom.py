"""Serving a class: the optional class password and the limits on scenarios students load.

Both are set when the server starts, through the environment (``make class`` sets them):

* ``MSIM_CLASS_PASSWORD``: when set and not empty, a page shows a password form and builds no
  model until the password is given. The check happens in the server; a browser that gave it
  (Solara's session cookie) is let in again on reload. The password never travels in a URL.
  Wrong guesses are limited: after 5 in a row a browser waits 30 s before the next try, twice
  as long after each further wrong one (at most 10 minutes); and once 60 wrong ones have come
  from anywhere within a minute, browsers not yet let in wait until that minute has passed
  (a guessing script that makes new browser sessions is slowed to one guess a second; students
  already in carry on).
* ``MSIM_CLASS=1`` (``make class``): limits on scenarios uploaded or edited in the app, with the
  defaults below; ``MSIM_CLASS_MAX_GRID``, ``MSIM_CLASS_MAX_CELLS`` and ``MSIM_CLASS_MAX_DAYS``
  set one each (with or without ``MSIM_CLASS``; ``0`` = no limit). The command line keeps the
  scenario schema's full ranges: these limits exist only in the app.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections import deque
from dataclasses import dataclass

from model.scenario import Scenario

ENV_CLASS = "MSIM_CLASS"
ENV_PASSWORD = "MSIM_CLASS_PASSWORD"
ENV_MAX_GRID = "MSIM_CLASS_MAX_GRID"
ENV_MAX_CELLS = "MSIM_CLASS_MAX_CELLS"
ENV_MAX_DAYS = "MSIM_CLASS_MAX_DAYS"

CLASS_MAX_GRID = 100  # sites along the longer side of the tissue grid
CLASS_MAX_CELLS = 5_000  # blood-compartment baseline of any one kind of lymphocyte
CLASS_MAX_DAYS = 20 * 365  # 20 years
KINDS = ("cd4", "cd8", "b_cells", "treg", "nk")


@dataclass(frozen=True)
class Limits:
    """Largest scenario the app accepts; ``None`` = the schema's own range."""

    max_grid: int | None = None
    max_cells: int | None = None
    max_days: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.max_grid, self.max_cells, self.max_days))

    def problems(self, scenario: Scenario) -> list[str]:
        """Why ``scenario`` is over the class limits (empty when it is within them)."""
        out = []
        g = scenario.grid
        if self.max_grid is not None:
            for name, value in (("width", g.width), ("height", g.height)):
                if value > self.max_grid:
                    out.append(
                        f"grid.{name} is {value:,} sites; this class server allows at most "
                        f"{self.max_grid:,} ({ENV_MAX_GRID})"
                    )
        if self.max_cells is not None:
            for kind in KINDS:
                value = getattr(scenario.cells, kind).baseline
                if value > self.max_cells:
                    out.append(
                        f"cells.{kind}.baseline is {value:,} cells; this class server allows at "
                        f"most {self.max_cells:,} cells per kind ({ENV_MAX_CELLS})"
                    )
        if self.max_days is not None and scenario.run.days > self.max_days:
            out.append(
                f"run.days is {scenario.run.days:,} days; this class server allows runs of at "
                f"most {self.max_days:,} days ({ENV_MAX_DAYS})"
            )
        return out


def _limit(name: str, default: int | None) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number (0 = no limit)") from None
    return None if value <= 0 else value


def limits() -> Limits:
    """The limits this server was started with (read from the environment each time)."""
    serving = os.environ.get(ENV_CLASS, "").strip().lower() in {"1", "true", "yes", "on"}
    return Limits(
        max_grid=_limit(ENV_MAX_GRID, CLASS_MAX_GRID if serving else None),
        max_cells=_limit(ENV_MAX_CELLS, CLASS_MAX_CELLS if serving else None),
        max_days=_limit(ENV_MAX_DAYS, CLASS_MAX_DAYS if serving else None),
    )


# ---------------------------------------------------------------------- the class password
_unlocked: set[str] = set()  # Solara session ids (one per browser) that gave the password
_lock = threading.Lock()
MAX_REMEMBERED = 10_000


def password() -> str:
    return os.environ.get(ENV_PASSWORD, "")


def password_required() -> bool:
    return bool(password())


def _session_id() -> str | None:
    try:
        import solara

        return solara.get_session_id()
    except Exception:  # no browser session (a notebook, a test render)
        return None


def is_unlocked() -> bool:
    """True without a class password, or when this browser has already given it."""
    if not password_required():
        return True
    sid = _session_id()
    with _lock:
        return sid is not None and sid in _unlocked


FREE_TRIES = 5  # wrong passwords in a row before a browser has to wait
FIRST_WAIT_S = 30.0  # then doubled after each further wrong one
LONGEST_WAIT_S = 600.0
SERVER_WRONG_PER_MINUTE = 60  # wrong passwords from every browser together


@dataclass
class _Tries:
    wrong: int = 0
    wait_until: float = 0.0


_tries: dict[str, _Tries] = {}
_recent_wrong: deque[float] = deque()


def _clock() -> float:
    return time.monotonic()


def wait_s() -> float:
    """Seconds this browser must wait before its next try (0 = it may try now)."""
    sid = _session_id() or ""
    now = _clock()
    with _lock:
        while _recent_wrong and _recent_wrong[0] <= now - 60:
            _recent_wrong.popleft()
        mine = _tries.get(sid)
        wait = max(0.0, mine.wait_until - now) if mine else 0.0
        if len(_recent_wrong) >= SERVER_WRONG_PER_MINUTE:
            wait = max(wait, _recent_wrong[0] + 60 - now)
        return wait


def unlock(given: str) -> bool:
    """Check ``given`` against the class password (in constant time); remember the browser.
    False for a wrong password, and without checking while this browser must wait
    (:func:`wait_s`)."""
    secret = password()
    if not secret:
        return True
    if wait_s() > 0:
        return False
    sid = _session_id() or ""
    if not hmac.compare_digest(given.encode(), secret.encode()):
        now = _clock()
        with _lock:
            if len(_tries) >= MAX_REMEMBERED:
                _tries.clear()
            mine = _tries.setdefault(sid, _Tries())
            mine.wrong += 1
            if mine.wrong >= FREE_TRIES:
                extra = mine.wrong - FREE_TRIES
                mine.wait_until = now + min(LONGEST_WAIT_S, FIRST_WAIT_S * 2**extra)
            _recent_wrong.append(now)
        return False
    with _lock:
        _tries.pop(sid, None)
        if sid:
            if len(_unlocked) >= MAX_REMEMBERED:
                _unlocked.clear()
            _unlocked.add(sid)
    return True
