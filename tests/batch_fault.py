"""Test-only runner for ``MSIM_BATCH_RUNNER``: :func:`model.run.simulate`, except that it
raises for the seeds listed in ``MSIM_TEST_FAIL_SEEDS`` (comma-separated). It runs inside the
batch's worker processes, so it proves a run failing there is isolated and recorded."""

from __future__ import annotations

import os

from model.run import simulate as real_simulate


def simulate(scenario, seed=None, progress=None):
    fail = {int(s) for s in os.environ.get("MSIM_TEST_FAIL_SEEDS", "").split(",") if s}
    if seed in fail:
        raise RuntimeError(f"injected failure for seed {seed}")
    return real_simulate(scenario, seed=seed, progress=progress)
