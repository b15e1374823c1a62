"""MRI as trials read it: scans on scan days, each counting what changed since the last one.

A new or enlarging lesion is a patch of sites that became lesion since the previous scan and were
not lesion at any time in the interval before it (eight neighbours touching make one patch),
whether or not it touches an old lesion: an old lesion that grows shows as enlarging, while a
lesion edge that wavers about the threshold does not. Patches smaller than the scanner can
resolve (``mri.min_lesion_sites``) are not seen. An enhancing lesion is a lesion still inflamed
on the scan day (the gadolinium sign of a leaky barrier), read at the same resolution: trials
count enhancing lesions, like T2 lesions, from 3 mm. Scans come every ``mri.interval_days`` from
the end of the run-in, as in CARE-MS (baseline, then yearly).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from model.records import Scan

MOORE = np.ones((3, 3), dtype=bool)


def patches(mask: np.ndarray, min_sites: int = 1) -> int:
    """Connected patches of at least ``min_sites`` True sites, eight neighbours touching."""
    if not mask.any():
        return 0
    labels, n = ndimage.label(mask, structure=MOORE)
    if min_sites <= 1:
        return int(n)
    sizes = np.bincount(labels.ravel())[1:]
    return int((sizes >= min_sites).sum())


class Scanner:
    """Keeps what changed in the tissue between scan days, and takes the scans."""

    def __init__(self, shape: tuple[int, int], first_day: int, interval_days: int, min_sites: int):
        self.changed = np.zeros(shape, dtype=bool)  # sites that became lesion since the last scan
        self.was_lesion = np.zeros(shape, dtype=bool)  # lesion at any time since the last scan
        self.before = np.zeros(shape, dtype=bool)  # ... and in the interval before that
        self.min_sites = min_sites
        self.loss = 0.0  # myelin lost since the last scan, per 1,000 sites
        self.next_day = first_day
        self.interval = interval_days
        self.scans: list[Scan] = []

    def restart(self) -> None:
        """Forget what came before (the end of a burn-in)."""
        self.before = self.was_lesion.copy()
        self.changed[:] = False
        self.was_lesion[:] = False
        self.loss = 0.0

    def enhancing(self, active: np.ndarray) -> int:
        """Enhancing lesions as a scan sees them: inflamed patches the scanner can resolve."""
        return patches(active, self.min_sites)

    def note(self, lesion: np.ndarray, became_lesion: np.ndarray, loss_per_1000: float) -> None:
        if became_lesion.any():
            self.changed |= became_lesion
        self.was_lesion |= lesion
        self.loss += loss_per_1000

    def scan(self, day: int, lesion: np.ndarray, active: np.ndarray) -> Scan | None:
        """Take the scan if ``day`` is a scan day; ``active`` marks the inflamed lesion sites."""
        if day != self.next_day:
            return None
        scan = Scan(
            day=day,
            new_or_enlarging_lesions=patches(self.changed & ~self.before, self.min_sites),
            enhancing_lesions=self.enhancing(active),
            lesion_area=round(float(lesion.mean()), 5),
            myelin_loss=round(self.loss, 3),
        )
        self.scans.append(scan)
        self.next_day += self.interval
        self.restart()
        return scan
