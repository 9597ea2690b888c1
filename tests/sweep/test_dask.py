"""The Dask path of :func:`resonant.sweep.run_sweep`: a LocalCluster of 2 worker processes gives the same
table as the local process pool."""

import csv
import json

import pytest

from resonant.sweep import SweepSpec, run_sweep

distributed = pytest.importorskip("dask.distributed")

SPEC = {"target": "demo.quadratic", "grid": {"x": [-1.0, 0.0, 1.5, 3.0]}, "seeds": 3, "base": {"noise": 0.2},
        "points": [{"y": 0.5}, {"y": 1.0, "fail": True}]}


def _strip(path):
    with open(path, newline="") as fh:
        return [{k: v for k, v in r.items() if k != "wall_seconds"} for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def test_dask_cluster_gives_the_process_pool_table(cluster, tmp_path):
    spec = SweepSpec.from_dict(SPEC)
    local = run_sweep(spec, tmp_path / "local", n_workers=2, progress=False)
    remote = run_sweep(spec, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert _strip(remote) == _strip(local)
    rows = _strip(remote)
    assert len(rows) == len(spec.runs()) == 24
    assert {r["status"] for r in rows} == {"ok", "error"}
    # the runs really went to the cluster's worker processes
    workers = {json.loads(p.read_text())["worker"].split(":")[-1] for p in (tmp_path / "dask" / "runs").iterdir()}
    pids = {str(w.pid) for w in cluster.workers.values()}  # Nanny.pid is its worker process
    assert workers and workers <= pids


def test_dask_client_object_and_resume(cluster, tmp_path):
    spec = SweepSpec.from_dict({**SPEC, "seeds": 1})
    with distributed.Client(cluster) as client:
        run_sweep(spec, tmp_path, scheduler=client, progress=False)
        first = json.loads((tmp_path / "sweep.json").read_text())
        victim = next((tmp_path / "runs").iterdir())
        victim.unlink()
        run_sweep(spec, tmp_path, scheduler=client, progress=False)
        second = json.loads((tmp_path / "sweep.json").read_text())
        assert client.status != "closed"  # a client passed in is not closed by the sweep
    assert first["n_executed"] == 8 and second["n_done_before"] == 7 and second["n_executed"] == 1
    assert victim.is_file()
