"""Compact binary encodings of what one frame of the tissue view needs.

A frame is sent to the browser as a few raw byte buffers (no JSON number lists, no images to
decode): the tissue colours as RGBA bytes, one triple per tissue cell and one pair per antibody
particle in the tissue. At 60x60 sites that is about 15 kB a frame, cheap enough for 60 frames a
second over the page's websocket.
"""

from __future__ import annotations

import numpy as np

from model.agents import BLOOD
from model.model import MSModel
from msim_app.palette import tissue_rgba

ACTIVATED = 1 << 3  # the page reads flags & 7 as the kind and this bit as "activated"


def site_bytes(model: MSModel) -> bytes:
    """Tissue colours, row-major (y, x), 4 bytes a site."""
    d = model.params.disease
    layers = model.grid
    return tissue_rgba(
        layers.integrity.data, layers.inflammation.data, d.lesion_threshold, d.active_threshold
    ).tobytes()


def cell_bytes(model: MSModel) -> bytes:
    """(x, y, flags) per lymphocyte in the tissue; flags = kind | activated."""
    t = model.lymphocytes
    rows = np.flatnonzero(t.alive & (t.x != BLOOD))
    flags = t.kind[rows].astype(np.uint8)
    flags |= np.where(t.activated[rows] > 0, ACTIVATED, 0).astype(np.uint8)
    out = np.empty((rows.size, 3), dtype=np.uint8)
    out[:, 0] = t.x[rows]
    out[:, 1] = t.y[rows]
    out[:, 2] = flags
    return out.tobytes()


def particle_bytes(model: MSModel) -> bytes:
    """(x, y) per antibody particle in the tissue."""
    p = model.particles
    rows = np.flatnonzero(p.alive & (p.x != BLOOD))
    out = np.empty((rows.size, 2), dtype=np.uint8)
    out[:, 0] = p.x[rows]
    out[:, 1] = p.y[rows]
    return out.tobytes()


def vessel_sites(model: MSModel) -> list[list[int]]:
    return [[int(x), int(y)] for x, y in model.vessel_xy]


def tract_outline(model: MSModel) -> list[list[int]]:
    """The eloquent tracts' outline as unit segments ``[x0, y0, x1, y1]`` in site corners:
    every side of an eloquent site that borders a silent site or the edge (damage inside shows
    as symptoms: a relapse)."""
    tract = np.pad(model.grid.eloquent.data, 1)  # (x, y), with a silent border
    inside = tract[1:-1, 1:-1]
    segments: list[list[int]] = []
    for dx, dy, (ax, ay, bx, by) in ((-1, 0, (0, 0, 0, 1)), (1, 0, (1, 0, 1, 1)),
                                     (0, -1, (0, 0, 1, 0)), (0, 1, (0, 1, 1, 1))):  # fmt: skip
        neighbour = tract[1 + dx : tract.shape[0] - 1 + dx, 1 + dy : tract.shape[1] - 1 + dy]
        for x, y in zip(*np.nonzero(inside & ~neighbour), strict=True):
            segments.append([int(x) + ax, int(y) + ay, int(x) + bx, int(y) + by])
    return segments
