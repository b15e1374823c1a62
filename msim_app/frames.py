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
