"""Colours shared by the tissue view, the charts and the legend; the page takes them all from
the ``setup`` message, so Python is the one place they are set.

Cell kinds keep their Okabe-Ito colours from :mod:`model.kinds`, which stay distinguishable with
the common forms of colour blindness; the tissue itself is kept to cream (healthy myelin), orange
(active, inflamed lesions) and grey (chronic lesions), so no meaning rests on telling red from
green.
"""

from __future__ import annotations

import numpy as np

HEALTHY = np.array([243, 237, 224], dtype=np.float32)  # intact myelin
THINNED = np.array([214, 203, 183], dtype=np.float32)  # damaged but not (yet) a lesion
INFLAMED = np.array([247, 206, 140], dtype=np.float32)  # tint of inflammation outside lesions
ACTIVE_LIGHT = np.array([240, 170, 60], dtype=np.float32)
ACTIVE_DARK = np.array([150, 72, 0], dtype=np.float32)
CHRONIC_LIGHT = np.array([170, 170, 170], dtype=np.float32)
CHRONIC_DARK = np.array([70, 70, 78], dtype=np.float32)

# What the page draws besides cells and tissue: chart lines, vessels, particles, relapse shading.
COLOURS: dict[str, str] = {
    "vessel": "#7a1f2b",  # vessel wall
    "tract": "#0072B2",  # the eloquent tracts' dashed outline (Okabe-Ito blue)
    "lumen": "#e9b8b8",  # the light centre that tells a vessel from a cell
    "antibody": "#111111",
    "lesions": "#555560",  # all lesions (chart)
    "active": "#d08420",  # active lesions (chart and legend)
    "relapse": "#D55E00",  # relapse periods and counts (Okabe-Ito vermilion)
    "untreated": "#555560",  # the untreated twin's dashed curves
    "comparator": "#CC79A7",  # a comparator drug's dotted curves (Okabe-Ito reddish purple)
    "branch": "#8C6D00",  # a branch's dash-dot curves (dark ochre, between black and orange)
    "infection": "#E69F00",  # infections so far (Okabe-Ito orange, dotted)
    "edss": "#000000",  # disability score (black)
}
LEGEND_TISSUE: list[tuple[str, str]] = [
    ("Healthy myelin", "#f3ede0"),
    ("Damaged myelin", "#d6cbb7"),
    ("Active lesion (inflamed)", COLOURS["active"]),
    ("Chronic lesion", "#8c8c90"),
    ("Blood vessel", COLOURS["vessel"]),
]


def tissue_rgba(
    integrity: np.ndarray,
    inflammation: np.ndarray,
    lesion_threshold: float,
    active_threshold: float,
) -> np.ndarray:
    """RGBA image (height, width, 4) of the tissue; inputs are model layers indexed [x, y].

    Every frame of Play encodes one, so it is written for speed (about 0.2 ms at 60x60, a
    quarter of the plain form): float32, one colour channel at a time on contiguous arrays, and
    the few lesion sites coloured by index instead of blending the whole grid."""
    integ = integrity.astype(np.float32)
    infl = inflammation.astype(np.float32)
    thin = (1.0 - integ) * np.float32(1 / max(1.0 - lesion_threshold, 1e-6))  # damage
    np.clip(thin, 0, 1, out=thin)
    tint = infl * np.float32(1 / max(active_threshold, 1e-6))  # inflammation outside lesions
    np.clip(tint, 0, 1, out=tint)
    tint *= np.float32(0.6)
    width, height = integ.shape
    out = np.empty((height, width, 4), dtype=np.uint8)
    out[..., 3] = 255
    for c in range(3):
        channel = HEALTHY[c] + (THINNED[c] - HEALTHY[c]) * thin
        channel += (INFLAMED[c] - channel) * tint
        out[..., c] = channel.T
    xs, ys = np.nonzero(integ < lesion_threshold)
    if xs.size:  # lesions: chronic grey, or orange while inflamed, darker the deeper
        depth = (lesion_threshold - integ[xs, ys]) * np.float32(1 / max(lesion_threshold, 1e-6))
        depth = np.clip(depth, 0, 1)[:, None]
        active = (infl[xs, ys] > active_threshold)[:, None]
        light = np.where(active, ACTIVE_LIGHT, CHRONIC_LIGHT)
        dark = np.where(active, ACTIVE_DARK, CHRONIC_DARK)
        out[ys, xs, :3] = light + (dark - light) * depth
    return out
