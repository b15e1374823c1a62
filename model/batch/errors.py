"""The error a batch raises for input the user can fix."""

from __future__ import annotations

from model.outputs import OutputError


class BatchError(OutputError):
    """Bad batch input (arms, sweeps, output folder, scheduler).

    Derives from :class:`OutputError` so ``msim`` prints the message and exits 2 without a
    traceback, exactly as for a bad scenario or output folder.
    """
