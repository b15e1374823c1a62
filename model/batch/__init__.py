"""Headless batch experiments: many virtual patients, paired arms, sweeps, in parallel.

``msim batch`` (:mod:`model.batch.cli`) plans runs (:mod:`.plan`) over arms (:mod:`.arms`),
executes :func:`model.run.simulate` for each on a local pool or a Dask cluster
(:mod:`.engines`, :mod:`.worker`), writes every finished run at once (:mod:`.store`) and ends
with tables and figures (:mod:`.report`). The model itself is never re-implemented here.
"""
