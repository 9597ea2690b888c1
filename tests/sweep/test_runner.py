"""The sweep runner (:mod:`resonant.sweep.runner`) on the local process pool: table, failures, resume."""

import csv
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resonant.sweep import SweepSpec, run_sweep
from resonant.sweep.runner import ID_COLUMNS, execute_run, pending_runs, record_path
from resonant.sweep.targets import carrier_mixing, frequency_groups, stream_metrics

GRID = {"x": [-1.0, 0.5, 2.0], "y": [0.0, 1.5]}


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _spec(**kw):
    d = {"target": "demo.quadratic", "grid": GRID, "seeds": 2, "base": {"noise": 0.3}}
    d.update(kw)
    return SweepSpec.from_dict(d)


def _expected_demo(x, y, noise, seed):
    """Independent evaluation of demo.quadratic: f = (x−1)² + y², noise from numpy's seeded generator."""
    rng = np.random.default_rng(seed)
    f = (x - 1.0) ** 2 + y**2
    return f, f + noise * rng.standard_normal(), rng.random()


@pytest.fixture(scope="module")
def pool_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("pool")
    spec = _spec(points=[{"fail": False}, {"fail": True}, {"unstable": True}])
    table = run_sweep(spec, out, n_workers=2, progress=False)
    return spec, out, table


def test_table_has_hash_seed_params_and_metrics_per_run(pool_sweep):
    spec, out, table = pool_sweep
    rows = _rows(table)
    runs = spec.runs()
    assert table == out / "results.csv"
    assert len(rows) == len(runs) == 3 * 2 * 3 * 2
    assert list(rows[0])[: len(ID_COLUMNS)] == list(ID_COLUMNS)
    assert [(r["config_hash"], int(r["seed"])) for r in rows] == [(r.config_hash, r.seed) for r in runs]
    for r in rows:
        assert {"x", "y", "fail", "unstable", "f", "f_noisy", "draw", "wall_seconds"} <= set(r)
        assert float(r["wall_seconds"]) >= 0


def test_metrics_match_an_independent_computation(pool_sweep):
    _, _, table = pool_sweep
    ok = [r for r in _rows(table) if r["status"] == "ok"]
    assert len(ok) == 12
    for r in ok:
        f, noisy, draw = _expected_demo(float(r["x"]), float(r["y"]), 0.3, int(r["seed"]))
        assert float(r["f"]) == pytest.approx(f, abs=1e-15)
        assert float(r["f_noisy"]) == pytest.approx(noisy, abs=1e-15)
        assert float(r["draw"]) == pytest.approx(draw, abs=1e-15)


def test_failed_runs_are_recorded_not_raised(pool_sweep):
    _, out, table = pool_sweep
    rows = _rows(table)
    errors = [r for r in rows if r["fail"] == "True"]
    unstable = [r for r in rows if r["unstable"] == "True"]
    assert len(errors) == len(unstable) == 12
    assert all(r["status"] == "error" and "failure requested at x=" in r["error"] and r["f"] == "" for r in errors)
    assert all(r["status"] == "unstable" and "instability requested" in r["error"] for r in unstable)
    rec = json.loads(next(p for p in (out / "runs").iterdir() if '"error"' in p.read_text()).read_text())
    assert rec["error_type"] in ("ValueError", "FloatingPointError") and rec["metrics"] == {}
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["n_runs"] == 36 and manifest["n_executed"] == 36 and manifest["n_failed"] == 24
    assert manifest["n_failed_total"] == 24
    assert manifest["complete"] is True


def test_same_seed_gives_identical_metrics(pool_sweep, tmp_path):
    spec, _, table = pool_sweep
    again = run_sweep(spec, tmp_path, n_workers=1, progress=False)

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "wall_seconds"} for r in rows]

    assert strip(_rows(again)) == strip(_rows(table))


def test_resume_runs_only_the_missing_runs(tmp_path):
    spec = _spec()
    run_sweep(spec, tmp_path, n_workers=2, progress=False)
    runs = spec.runs()
    deleted = [runs[1], runs[4], runs[9]]
    kept = [r for r in runs if r not in deleted]
    stamps = {r.run_id: (record_path(tmp_path, r).stat().st_mtime_ns, record_path(tmp_path, r).read_bytes())
              for r in kept}
    for r in deleted:
        record_path(tmp_path, r).unlink()
    assert pending_runs(spec, tmp_path) == deleted
    seen = []
    table = run_sweep(spec, tmp_path, n_workers=2, progress=lambda done, total: seen.append((done, total)))
    manifest = json.loads((tmp_path / "sweep.json").read_text())
    assert manifest["n_done_before"] == len(kept) and manifest["n_executed"] == len(deleted)
    assert seen[0] == (len(kept), len(runs)) and seen[-1] == (len(runs), len(runs))
    for r in kept:  # finished runs were not touched
        p = record_path(tmp_path, r)
        assert (p.stat().st_mtime_ns, p.read_bytes()) == stamps[r.run_id]
    assert len(_rows(table)) == len(runs)
    # nothing left: a third call executes nothing
    run_sweep(spec, tmp_path, n_workers=2, progress=False)
    assert json.loads((tmp_path / "sweep.json").read_text())["n_executed"] == 0


def test_failed_runs_are_retried_only_when_asked(tmp_path):
    spec = _spec(grid={"x": [0.0]}, seeds=1, points=[{"fail": True}, {"fail": False}])
    run_sweep(spec, tmp_path, n_workers=1, progress=False)
    run_sweep(spec, tmp_path, n_workers=1, progress=False)
    assert json.loads((tmp_path / "sweep.json").read_text())["n_executed"] == 0
    run_sweep(spec, tmp_path, n_workers=1, progress=False, retry_failed=True)
    assert json.loads((tmp_path / "sweep.json").read_text())["n_executed"] == 1


def test_a_killed_sweep_resumes_without_redoing_finished_runs(tmp_path):
    """Kill a sweep process mid-way (SIGKILL of its process group), then finish it."""
    spec = _spec(grid={"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]}, seeds=1, base={"sleep": 0.3})
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec.to_dict()))
    out = tmp_path / "out"
    code = textwrap.dedent(f"""
        from resonant.sweep import run_sweep
        if __name__ == "__main__":
            run_sweep({str(spec_file)!r}, {str(out)!r}, n_workers=1, progress=False)
    """)
    script = tmp_path / "go.py"
    script.write_text(code)
    proc = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list((out / "runs").glob("*.json"))) < 2:
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    done_before = {p.name for p in (out / "runs").glob("*.json")}
    assert 2 <= len(done_before) < 6
    assert not list((out / "runs").glob(".*.tmp"))  # no half-written record survives the kill
    table = run_sweep(spec, out, n_workers=2, progress=False)
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["n_done_before"] == len(done_before)
    assert manifest["n_executed"] == 6 - len(done_before)
    assert [float(r["f"]) for r in _rows(table)] == [(x - 1.0) ** 2 for x in range(6)]


def test_records_of_other_specs_are_left_out_of_the_table(tmp_path):
    run_sweep(_spec(grid={"x": [7.0]}, seeds=1), tmp_path, n_workers=1, progress=False)
    table = run_sweep(_spec(grid={"x": [8.0]}, seeds=1), tmp_path, n_workers=1, progress=False)
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2
    assert [r["x"] for r in _rows(table)] == ["8.0"]


def test_target_from_an_importable_module(tmp_path, monkeypatch):
    (tmp_path / "my_sweep_target.py").write_text(textwrap.dedent("""
        from resonant.sweep.targets import Target

        def _resolve(p):
            return {"a": float(p.get("a", 1.0))}

        def _run(c, seed):
            return {"twice": 2 * c["a"] + seed}

        T = Target("custom", _resolve, _run, ("twice",))
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = SweepSpec.from_dict({"target": "my_sweep_target:T", "grid": {"a": [1.0, 2.5]}, "seeds": [0, 3]})
    rows = _rows(run_sweep(spec, tmp_path / "out", n_workers=1, progress=False))
    assert [float(r["twice"]) for r in rows] == [2.0, 5.0, 5.0, 8.0]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_workers must be"):
        run_sweep(_spec(), tmp_path, n_workers=0, progress=False)
    with pytest.raises(FileNotFoundError, match=r"missing\.toml"):
        run_sweep(tmp_path / "missing.toml", tmp_path, progress=False)


def test_parquet_needs_an_engine_or_writes_the_same_table(tmp_path):
    import importlib.util

    pd = pytest.importorskip("pandas")
    spec = _spec(grid={"x": [0.0, 2.0]}, seeds=1)
    has_engine = any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet"))
    if not has_engine:
        with pytest.raises(ImportError, match="pyarrow or fastparquet"):
            run_sweep(spec, tmp_path, n_workers=1, progress=False, parquet=True)
        assert not list(tmp_path.glob("runs/*.json"))  # refused before running anything
    else:
        run_sweep(spec, tmp_path, n_workers=1, progress=False, parquet=True)
        a = pd.read_parquet(tmp_path / "results.parquet")
        b = pd.read_csv(tmp_path / "results.csv", dtype={"config_hash": str})
        assert a["config_hash"].tolist() == b["config_hash"].tolist()
        assert np.allclose(a["f"], b["f"])


# ------------------------------------------------------------------ the rcs.stream target
def test_rcs_stream_target_agrees_with_a_direct_engine_run():
    """The target's metrics against the engine run by hand with the stream recorder (independent path)."""
    import torch

    from resonant.rcs import Engine, PaperStream, RCSConfig
    from resonant.rcs.metrics import StreamRecorder

    run = SweepSpec.from_dict({"target": "rcs.stream", "seconds": 4.0, "seeds": [3],
                               "base": {"kappa": 2.0}}).runs()[0]
    body = execute_run(run.target, run.config, run.seed)
    assert body["status"] == "ok", body["error"]
    m = body["metrics"]
    assert execute_run(run.target, run.config, run.seed)["metrics"] == m  # same seed, same numbers
    e = Engine(RCSConfig(kappa=2.0), seed=3)
    rec = StreamRecorder(4.0)
    with torch.inference_mode():
        e.run(PaperStream(3), 4.0, recorder=rec)
    s = rec.series()
    assert m["steps"] == len(s["t"]) == 800
    assert m["arrivals"] == e.counters["arrivals"]
    for k in ("mitoses", "dissolutions", "nucleations", "births", "snaps", "recruitments"):
        assert m[k] == e.counters[k]
    assert m["mean_N"] == pytest.approx(s["N"].mean(), rel=1e-12)
    assert m["mean_M"] == pytest.approx(s["M"].mean(), rel=1e-12)
    assert m["max_R"] == pytest.approx(s["R"].max(), rel=1e-12)
    n3 = s["N"] >= 3
    assert m["mean_R_N3"] == pytest.approx(s["R"][n3].mean(), rel=1e-12)
    assert m["mitoses_per_min"] == pytest.approx(e.counters["mitoses"] * 15.0)
    assert 0.0 <= m["mixed_carrier_fraction"] <= 1.0 and m["mixed_label_fraction"] is None


def test_stream_metrics_on_a_hand_made_series():
    series = {"N": np.array([0, 1, 3, 4, 4.0]), "M": np.array([0, 1, 1, 2, 0.0]),
              "M_active": np.array([0, 1, 0, 2, 0.0]), "nnz": np.array([0, 1, 2, 3, 0.0]),
              "R": np.array([0, 1, 0.5, 0.95, 0.2]),
              "bound_ratio": np.array([0, np.inf, 0.5, 1.5, np.nan]), "births": np.array([0, 1, 1, 2, 2.0]),
              "nucleations": np.array([0, 1, 1, 1, 1.0]), "mitoses": np.array([0, 0, 0, 1, 1.0]),
              "dissolutions": np.array([0, 0, 0, 0, 2.0]), "snaps": np.zeros(5),
              "recruitments": np.array([0, 0, 1, 1, 1.0])}
    obs = np.array([[3, 2, 2, 1, 0, 0], [0, 0, 0, 0, 0, 0], [4, 3, 1, 0, 0, 0]])
    m = stream_metrics(series, obs, seconds=30.0, R_collapse=0.9, arrivals=5)
    assert m["steps"] == 5 and m["arrivals"] == 5 and m["mitoses"] == 1 and m["dissolutions"] == 2
    assert m["mitoses_per_min"] == pytest.approx(2.0)
    assert m["mean_bonds_per_carrier"] == pytest.approx((1 / 1 + 2 / 1 + 3 / 2) / 3)
    assert m["mean_R_N3"] == pytest.approx((0.5 + 0.95 + 0.2) / 3)
    assert m["chance_R_N3"] == pytest.approx(np.mean([math.sqrt(math.pi / 12), math.sqrt(math.pi / 16),
                                                      math.sqrt(math.pi / 16)]))
    assert m["frac_R_above"] == pytest.approx(1 / 3)
    assert m["mean_L_comp_per_osc"] == pytest.approx(np.mean([2 / 1, 2 / 3, 5 / 4, 0 / 4]))
    assert m["mean_density_P"] == pytest.approx(np.mean([1 / 1, 2 / 3, 3 / 8]))
    assert m["median_bound_ratio"] == pytest.approx(0.5)
    assert m["mixed_carrier_fraction"] == pytest.approx(1 / 3) and m["mixed_label_fraction"] is None
    assert m["mean_groups"] == pytest.approx(2.5) and m["carriers_per_group"] == pytest.approx((1 + 1 / 3) / 2)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), max_size=15, unique=True),
       st.lists(st.floats(0.5, 5.0), min_size=6, max_size=6), st.lists(st.integers(-1, 2), min_size=6, max_size=6))
def test_carrier_mixing_matches_a_loop(edges, freq, labels):
    osc = np.array([e[0] for e in edges], dtype=np.int64)
    car = np.array([e[1] for e in edges], dtype=np.int64)
    f, lab = np.array(freq), np.array(labels)
    bonded = mixed = lmixed = 0
    for k in range(4):
        members = [o for o, c in edges if c == k]
        if not members:
            continue
        bonded += 1
        fk = [f[o] for o in members]
        mixed += max(fk) - min(fk) >= 0.25
        lmixed += len({lab[o] for o in members if lab[o] >= 0}) >= 2
    assert carrier_mixing(osc, car, f, lab, 4, 0.25) == (bonded, mixed, lmixed)


@given(st.lists(st.floats(0.1, 10.0), max_size=12), st.floats(0.05, 2.0))
def test_frequency_groups_matches_a_loop(freq, gap):
    groups = 0
    last = None
    for x in sorted(freq):
        if last is None or x - last >= gap:
            groups += 1
        last = x
    assert frequency_groups(np.array(freq), gap) == groups


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    from resonant.sweep.runner import atomic_write

    target = tmp_path / "r.json"
    atomic_write(target, lambda tmp: tmp.write_text("old"))

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_mixing_recorder_counts_labelled_groups_and_mixed_carriers():
    from types import SimpleNamespace

    import torch

    from resonant.sweep.targets import MixingRecorder

    rec = MixingRecorder(obs_every=0.5, mixed_hz=0.25)
    assert rec.next_observation_step(0, 0.005) == 100  # the first observation at 0.5 s
    hz = torch.tensor([1.0, 1.1, 3.0, 3.05]) * 2 * math.pi
    obs = SimpleNamespace(t=0.5, N=4, M=3, omega=hz, label=torch.tensor([0, 0, 1, 1]),
                          osc=torch.tensor([0, 1, 2, 3, 0]), car=torch.tensor([0, 0, 1, 1, 1]))
    rec.add_observation(obs)
    # carrier 0 holds 1.0 + 1.1 Hz (one label, span 0.1 Hz: pure); carrier 1 holds 3.0, 3.05 and 1.0 Hz (mixed both
    # ways); carrier 2 has no bond. Groups = 2 labels.
    assert rec.observations().tolist() == [[4, 2, 2, 1, 1, 1]]
    rec.add_observation(SimpleNamespace(**{**obs.__dict__, "t": 0.7}))  # before the next due time: ignored
    assert len(rec.observations()) == 1
    unlabelled = SimpleNamespace(**{**obs.__dict__, "t": 1.0, "label": torch.tensor([-1, -1, -1, -1])})
    rec.add_observation(unlabelled)
    assert rec.observations().tolist()[1] == [4, 2, 2, 1, 0, 0]  # frequency groups: {1.0, 1.1} and {3.0, 3.05}
