"""Test-only runner for ``MSIM_BATCH_RUNNER``: :func:`model.run.simulate`, except that it
raises for the seeds listed in ``MSIM_TEST_FAIL_SEEDS`` and kills its own worker process for
those in ``MSIM_TEST_CRASH_SEEDS`` (comma-separated). It runs inside the batch's worker
processes, so it proves a run failing there is isolated and recorded."""

from __future__ import annotations

import os

from model.run import simulate as real_simulate


def _seeds(name: str) -> set[int]:
    return {int(s) for s in os.environ.get(name, "").split(",") if s}


def simulate(scenario, seed=None, progress=None):
    if seed in _seeds("MSIM_TEST_FAIL_SEEDS"):
        raise RuntimeError(f"injected failure for seed {seed}")
    if seed in _seeds("MSIM_TEST_CRASH_SEEDS"):
        os._exit(1)  # as if the worker were killed (e.g. out of memory)
    return real_simulate(scenario, seed=seed, progress=progress)
