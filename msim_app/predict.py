"""Predict, then watch: before the first infusion the student commits to the CD4 and B-cell
counts (as % of baseline) a few months on and to the relapses of the next two years; the run
then draws over the prediction and the page shows how close it was.

The counts are typed, or read from curves the student sketches on the blood chart; a sketched
curve travels with the prediction (days after its day, % of baseline), is drawn instead of the
straight lines between the points and goes into the CSV.

Everything is read from the recorded chart rows (:class:`~msim_app.history.History`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from model.calendar import YEAR
from model.scenario import Scenario
from msim_app.history import CHART_COLUMNS, History

MONTHS = (3, 6, 12, 24)  # the predicted points, months after the prediction's day
HORIZON = 2 * round(YEAR)  # days the prediction covers
MOST_PCT = 400.0
MOST_RELAPSES = 30
MOST_SKETCH_POINTS = 200  # per curve (the page thins a longer stroke)
CD4, B = CHART_COLUMNS.index("cd4_pct"), CHART_COLUMNS.index("b_cells_pct")
RELAPSES = CHART_COLUMNS.index("relapses")


def offsets() -> list[int]:
    """Days after the prediction's day of each predicted point."""
    return [round(m * YEAR / 12) for m in MONTHS]


def predict_day(scenario: Scenario) -> int | None:
    """The moment to ask: the first scheduled infusion (None without one)."""
    starts = [c.start_day for c in scenario.dosing.courses if c.start_day > 0]
    return min(starts) if starts else None


@dataclass(frozen=True)
class Prediction:
    day: int
    start: tuple[float, float]  # the CD4 and B-cell % on its day (the curves start there)
    cd4: tuple[float, ...]
    b_cells: tuple[float, ...]
    relapses: int
    # sketched curves: (days after ``day``, % of baseline), days increasing; empty when typed
    sketch_cd4: tuple[tuple[int, float], ...] = ()
    sketch_b_cells: tuple[tuple[int, float], ...] = ()

    @classmethod
    def checked(
        cls,
        day: int,
        start: tuple[float, float],
        cd4: list,
        b_cells: list,
        relapses: object,
        sketch: object = None,
    ) -> Prediction:
        """A prediction from the page's inputs; ValueError naming every bad one, in plain words."""
        problems: list[str] = []
        curves = sketch if isinstance(sketch, dict) else {}
        if sketch is not None and not isinstance(sketch, dict):
            problems.append("the sketch could not be read")
        drawn = {key: _sketch(curves.get(key), name, problems) for key, name in SKETCHED}

        def pcts(values: list, what: str) -> tuple[float, ...]:
            try:
                out = tuple(float(v) for v in values)
            except (TypeError, ValueError):
                out = ()
            if len(out) != len(MONTHS) or not all(0 <= v <= MOST_PCT for v in out):
                problems.append(
                    f"give {what} at {', '.join(map(str, MONTHS))} months as numbers from 0 "
                    f"to {MOST_PCT:g} (% of baseline)"
                )
            return out

        cd4_pct, b_pct = pcts(cd4, "the CD4 T cells"), pcts(b_cells, "the B cells")
        text = str(relapses).strip()
        n = int(text) if text.isdigit() else -1
        if not 0 <= n <= MOST_RELAPSES:
            problems.append(f"give the relapses as a whole number from 0 to {MOST_RELAPSES}")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(day, start, cd4_pct, b_pct, n, drawn["cd4"], drawn["b_cells"])

    def to_json(self) -> dict:
        return {**asdict(self), "offsets": offsets(), "months": list(MONTHS)}


SKETCHED = (("cd4", "CD4 T-cell"), ("b_cells", "B-cell"))


def _sketch(points: object, name: str, problems: list[str]) -> tuple[tuple[int, float], ...]:
    """A sketched curve from the page, checked: pairs of (day, %) with days increasing."""
    if points is None or points == []:
        return ()
    try:
        out = tuple((int(d), float(v)) for d, v in points)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        out = ()
    days = [d for d, _ in out]
    ok = 2 <= len(out) <= MOST_SKETCH_POINTS and days == sorted(set(days))
    if not (
        ok and days[0] >= 0 and days[-1] <= HORIZON and all(0 <= v <= MOST_PCT for _, v in out)
    ):
        problems.append(
            f"the {name} sketch must run left to right within the two years, between 0 and "
            f"{MOST_PCT:g}%, in at most {MOST_SKETCH_POINTS} points"
        )
        return ()
    return out


def score(p: Prediction, h: History) -> dict:
    """How close the prediction is so far: mean distance (% points) over the points reached, the
    relapses since its day, and how many of its days have been simulated."""
    rows = h.rows[: h.n]
    days = rows[:, 0] + 1  # a row recorded on day d is the state shown as day d + 1
    reached = [(i, o) for i, o in enumerate(offsets()) if p.day + o <= (days[-1] if h.n else -1)]

    def at(col: int, day: int) -> float:
        return float(rows[int(np.searchsorted(days, day)), col])

    def off(col: int, guess: tuple[float, ...]) -> float | None:
        if not reached:
            return None
        return round(float(np.mean([abs(guess[i] - at(col, p.day + o)) for i, o in reached])), 1)

    start = at(RELAPSES, p.day) if h.n and days[-1] >= p.day else 0.0
    end = min(p.day + HORIZON, int(days[-1])) if h.n else p.day
    relapses = int(at(RELAPSES, end) - start) if h.n and end >= p.day else 0
    return {
        "points": len(reached),
        "cd4_off": off(CD4, p.cd4),
        "b_off": off(B, p.b_cells),
        "relapses": relapses,
        "done": max(0, min(end - p.day, HORIZON)),
    }


def start_of(h: History) -> tuple[float, float]:
    """The CD4 and B-cell % of the last recorded day."""
    if not h.n:
        return (100.0, 100.0)
    return (float(h.rows[h.n - 1, CD4]), float(h.rows[h.n - 1, B]))


def csv_columns(p: Prediction, days: np.ndarray) -> dict[str, np.ndarray]:
    """The prediction beside the run in the CSV, by shown day (``day`` + 1): each curve from its
    day's value through the points (straight lines; empty outside the two years), and the
    relapses predicted."""
    inside = (days >= p.day) & (days <= p.day + HORIZON)
    out = {}
    for name, first, guess, sketch in (
        ("cd4", p.start[0], p.cd4, p.sketch_cd4),
        ("b_cells", p.start[1], p.b_cells, p.sketch_b_cells),
    ):
        points = list(sketch) or list(zip(offsets(), guess, strict=True))
        if points[0][0] > 0:
            points.insert(0, (0, first))  # the curve starts at the day's count
        xs = [p.day + d for d, _ in points]
        within = inside & (days <= xs[-1])
        col = np.full(days.shape, np.nan)
        col[within] = np.interp(days[within], xs, [v for _, v in points])
        out[f"predicted_{name}_pct"] = col
    out["predicted_relapses_2y"] = np.where(inside, float(p.relapses), np.nan)
    return out
