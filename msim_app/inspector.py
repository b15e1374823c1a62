"""What a click on the tissue view shows: the cell there (or nearest) and the myelin site.

The site is the Mesa agent on that grid cell; the cell is a view of its row in the lymphocyte
table. Both ``describe()`` themselves from the state the simulation uses, so the app shows
exactly that.
"""

from __future__ import annotations

import numpy as np

from model.agents import BLOOD
from model.model import MSModel

REACH = 1  # a click finds a cell up to one site away: dots are small


def nearest_cell(model: MSModel, x: int, y: int) -> int | None:
    """Row of the tissue lymphocyte closest to site (x, y) within REACH, or None."""
    t = model.lymphocytes
    rows = np.flatnonzero(t.alive & (t.x != BLOOD))
    if rows.size == 0:
        return None
    dx = t.x[rows].astype(np.int64) - x
    dy = t.y[rows].astype(np.int64) - y
    dist = np.maximum(np.abs(dx), np.abs(dy))
    near = dist <= REACH
    if not near.any():
        return None
    order = np.lexsort((-t.activated[rows][near], dist[near]))  # closest, activated first
    return int(rows[near][order[0]])


def describe_site(model: MSModel, x: int, y: int) -> dict | None:
    """The cell (if any) and the myelin site at (x, y); None outside the grid."""
    if not (0 <= x < model.width and 0 <= y < model.height):
        return None
    site = model.site(x, y)
    row = nearest_cell(model, x, y)
    cell = None
    if row is not None:
        view = model.lymphocyte(row)
        cell = {**view.describe(), "site": list(view.site)}
    t = model.lymphocytes
    here = int((t.alive & (t.x == x) & (t.y == y)).sum())
    p = model.particles
    antibody = int((p.alive & (p.x == x) & (p.y == y)).sum())
    pat = model.patient
    patient = {
        "age": round(pat.age, 1),
        "activity": round(pat.activity, 2),
        "drive": round(pat.drive, 2),
        "thymic_share": round(pat.thymic_share, 3),
        **model.history,
        "screened": model.candidate + 1,
    }
    return {
        "site": site.describe(),
        "cell": cell,
        "cells_here": here,
        "antibody_here": antibody,
        "patient": patient,
    }
