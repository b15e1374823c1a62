"""The blood panel's scale: circulating lymphocytes drawn as a sample of dots, each dot standing
for the same number of cells of any kind, so the dots of a kind follow its blood count; antibody
as crosses, each for a fixed number of particles.

The page counts the dots from the chart rows it already receives (each kind's count as % of its
baseline), so the panel costs Python nothing per frame.
"""

from __future__ import annotations

import math

import numpy as np

BASELINE_DOTS = 250  # about this many dots for the baseline blood of every kind together
PARTICLES_PER_CROSS = 40  # one cross for this many antibody particles
MOST_DOTS = 600  # drawn at most per kind (an overshoot past this is not drawn)
MOST_CROSSES = 80


def blood_setup(base: np.ndarray) -> dict:
    """What the page needs to draw the panel: each kind's baseline count and the scale."""
    total = float(np.sum(base))
    return {
        "base": [float(b) for b in base],
        "cells_per_dot": max(1, math.ceil(total / BASELINE_DOTS)),
        "particles_per_cross": PARTICLES_PER_CROSS,
        "most_dots": MOST_DOTS,
        "most_crosses": MOST_CROSSES,
    }
