"""The Dask path: a real scheduler and two worker processes on loopback, not a mock.

The same batch sent to the cluster gives byte-identical runs.csv to the local pool."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from tests.batch_helpers import msim, small_scenario

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as c:
        yield c


def test_dask_cluster_gives_the_same_results_as_the_local_pool(tmp_path, cluster):
    scenario = small_scenario(tmp_path)
    args = [
        "batch",
        str(scenario),
        "--replicates",
        "3",
        "--days",
        "120",
        "--seed",
        "9",
        "--sweep",
        "disease.flare_rate=1.3,3",
    ]
    dask = msim(*args, "--scheduler", cluster.scheduler_address, "--out", "dask", cwd=tmp_path)
    assert dask.returncode == 0, dask.stderr
    local = msim(*args, "--workers", "2", "--out", "local", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    a, b = tmp_path / "dask", tmp_path / "local"
    assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes()
    assert (a / "summary.md").read_bytes() == (b / "summary.md").read_bytes()
    for name in ("timeseries.parquet", "events.parquet", "relapses.parquet"):
        assert pq.read_table(a / name).equals(pq.read_table(b / name)), name
    engine = json.loads((a / "manifest.json").read_text())["engine"]
    assert engine["engine"] == "dask" and engine["workers"] == 2
    # every run was computed by the cluster's workers: one task per patient (2 sweep points x
    # 3 replicates), each running both arms
    done = cluster.scheduler.task_prefixes["run_task"].state_counts["memory"]
    assert done == 2 * 3
