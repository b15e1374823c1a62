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
    "lumen": "#e9b8b8",  # the light centre that tells a vessel from a cell
    "antibody": "#111111",
    "lesions": "#555560",  # all lesions (chart)
    "active": "#d08420",  # active lesions (chart and legend)
    "relapse": "#D55E00",  # relapse periods and counts (Okabe-Ito vermilion)
    "untreated": "#555560",  # the untreated twin's dashed curves
}
LEGEND_TISSUE: list[tuple[str, str]] = [
    ("Healthy myelin", "#f3ede0"),
    ("Damaged myelin", "#d6cbb7"),
    ("Active lesion (inflamed)", COLOURS["active"]),
    ("Chronic lesion", "#8c8c90"),
    ("Blood vessel", COLOURS["vessel"]),
]


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return a + (b - a) * t[..., None]


def tissue_rgba(
    integrity: np.ndarray,
    inflammation: np.ndarray,
    lesion_threshold: float,
    active_threshold: float,
) -> np.ndarray:
    """RGBA image (height, width, 4) of the tissue; inputs are model layers indexed [x, y]."""
    integ = integrity.T
    infl = inflammation.T
    lesion = integ < lesion_threshold
    active = lesion & (infl > active_threshold)
    thin = np.clip((1.0 - integ) / max(1.0 - lesion_threshold, 1e-6), 0, 1)
    tint = np.clip(infl / max(active_threshold, 1e-6), 0, 1) * 0.6
    rgb = _mix(_mix(HEALTHY, THINNED, thin), INFLAMED, tint)
    depth = np.clip((lesion_threshold - integ) / max(lesion_threshold, 1e-6), 0, 1)
    rgb = np.where(lesion[..., None], _mix(CHRONIC_LIGHT, CHRONIC_DARK, depth), rgb)
    rgb = np.where(active[..., None], _mix(ACTIVE_LIGHT, ACTIVE_DARK, depth), rgb)
    out = np.empty((*integ.shape, 4), dtype=np.uint8)
    out[..., :3] = rgb
    out[..., 3] = 255
    return out
