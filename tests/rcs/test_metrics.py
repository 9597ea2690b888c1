"""The stream recorder of :mod:`resonant.rcs.metrics` (RCS §10.1), driven by a real engine."""

import numpy as np
import pytest

from resonant.rcs import Engine, PaperStream
from resonant.rcs.engine import SUMMARY_COLUMNS
from resonant.rcs.metrics import StreamRecorder, presence_snapshot
from resonant.rcs.metrics_types import SERIES_COLUMNS, StreamRecord

SECONDS = 6.0
DT = 0.005
COUNTERS = ("births", "nucleations", "mitoses", "dissolutions", "snaps", "recruitments")


@pytest.fixture(scope="module")
def run6():
    """A 6 s run on the paper's stream with a 2 s trace window (engine, recorder, series)."""
    eng = Engine(seed=0)
    rec = StreamRecorder(SECONDS, trace_seconds=2.0)
    eng.run(PaperStream(0), SECONDS, recorder=rec)
    return eng, rec, rec.series()


def test_series_has_every_column_and_one_row_per_step(run6):
    eng, _, s = run6
    n = round(SECONDS / DT)
    assert eng.state.step == n
    assert set(s) == set(SERIES_COLUMNS)
    assert set(SUMMARY_COLUMNS) <= set(s)
    assert all(v.shape == (n,) for v in s.values())


def test_time_increases_by_dt(run6):
    _, _, s = run6
    t = s["t"]
    assert t[0] == pytest.approx(DT)
    assert t[-1] == pytest.approx(SECONDS)
    np.testing.assert_allclose(np.diff(t), DT, rtol=0, atol=1e-12)
    np.testing.assert_allclose(t, DT * np.arange(1, t.size + 1), rtol=0, atol=1e-12)


def test_counts_are_non_negative_integers(run6):
    _, _, s = run6
    for name in ("N", "M", "M_active", "nnz", *COUNTERS):
        x = s[name]
        assert np.all(x >= 0), name
        assert np.all(x == np.round(x)), name
    assert np.all(s["M_active"] <= s["M"])
    assert s["N"].max() > 0 and s["M"].max() > 0 and s["nnz"].max() > 0  # the run is not trivial


def test_description_length_and_mean_degree(run6):
    _, _, s = run6
    np.testing.assert_array_equal(s["L_comp"], s["nnz"] + s["M_active"])  # eq. (49)
    has = s["N"] > 0
    assert has.any() and (~has).any()
    np.testing.assert_allclose(s["mean_degree"][has], s["nnz"][has] / s["N"][has], rtol=1e-15)
    np.testing.assert_array_equal(s["mean_degree"][~has], 0.0)


def test_cumulative_counters_non_decreasing(run6):
    _, _, s = run6
    for name in COUNTERS:
        assert np.all(np.diff(s[name]) >= 0), name
    assert s["births"][-1] >= s["nucleations"][-1] > 0


def test_bounded_scalars(run6):
    _, _, s = run6
    assert np.all((s["R"] >= -1e-12) & (s["R"] <= 1 + 1e-12))
    assert np.all((s["gate_open_fraction"] >= 0) & (s["gate_open_fraction"] <= 1))
    assert np.all(s["max_energy"] >= s["mean_energy"] - 1e-15)
    assert np.all(s["mean_energy"] >= 0)
    no_car = s["M"] == 0
    np.testing.assert_array_equal(s["gate_open_fraction"][no_car], 0.0)
    np.testing.assert_array_equal(s["max_energy"][no_car], 0.0)


def test_gate_trace(run6):
    _, rec, _ = run6
    gt = rec.gate_trace()
    lo, hi = rec.trace_window
    assert (lo, hi) == (2.0, 4.0)
    if gt is None:
        pytest.skip("no carrier lived ≥ 1 s inside the trace window")
    n = gt.t.size
    assert n >= 2 and all(a.shape == (n,) for a in (gt.gate, gt.drive, gt.captured, gt.energy))
    assert set(np.unique(gt.gate).tolist()) <= {0.0, 1.0}
    np.testing.assert_array_equal(gt.captured, gt.gate * gt.drive)
    assert np.all(np.diff(gt.t) > 0)
    assert np.all((gt.t >= lo) & (gt.t < hi))
    assert gt.t[-1] - gt.t[0] >= 1.0
    assert np.all(gt.energy >= 0)


def test_presence_snapshot_matches_engine_state_at_its_time(run6):
    eng6, rec, _ = run6
    snap = rec.record(eng6, 1.0).presence
    assert snap is not None
    N, M = snap.P.shape
    assert (N, M) == (snap.osc_ids.size, snap.car_ids.size) == (snap.osc_freq_hz.size, snap.car_freq_hz.size)
    assert snap.osc_label.shape == (N,)
    assert np.all((snap.P >= 0) & (snap.P <= 1))
    # the recorder is a pure consumer (§7.1): a fresh engine without a recorder, observed every second,
    # is in the state the snapshot shows at its time, and the snapshot kept is the first densest one
    eng = Engine(seed=0)
    src = PaperStream(0)
    nnz_at = {}
    for _ in range(round(SECONDS)):
        eng.run(src, 1.0)
        obs = eng.observe()
        nnz_at[round(eng.t)] = obs.nnz
        if abs(eng.t - snap.t) < 1e-9:
            assert (obs.N, obs.M) == (N, M)
            assert obs.nnz == np.count_nonzero(snap.P)
            np.testing.assert_array_equal(presence_snapshot(obs).P, snap.P)
            np.testing.assert_array_equal(obs.car_id.numpy(), snap.car_ids)
            np.testing.assert_array_equal(obs.osc_id.numpy(), snap.osc_ids)
    best = max(nnz_at.values())
    assert best > 0
    assert snap.t == pytest.approx(min(t for t, n in nnz_at.items() if n == best))


def test_record_fields(run6):
    eng, rec, s = run6
    r = rec.record(eng, wall_seconds=1.25, extra={"note": "x"})
    assert isinstance(r, StreamRecord)
    assert r.config == eng.config.to_dict()
    assert (r.seed, r.dt, r.seconds, r.wall_seconds) == (0, DT, pytest.approx(SECONDS), 1.25)
    assert np.all(r.lifetimes > 0)
    assert r.lifetimes.size == eng.counters["dissolutions"]
    assert r.censored_lifetimes.shape == (eng.state.M,)
    assert np.all(r.censored_lifetimes >= 0) and np.all(r.censored_lifetimes <= SECONDS + 1e-9)
    assert r.extra["counters"] == eng.counters and r.extra["note"] == "x"
    assert r.mitosis_log == eng.mitosis_log
    for k in s:
        np.testing.assert_array_equal(r.series[k], s[k])


def test_record_lifetimes_after_dissolutions():
    """A longer run has dissolved carriers: every completed lifetime is positive and ends by the end time."""
    eng = Engine(seed=0)
    rec = StreamRecorder(12.0)
    eng.run(PaperStream(0), 12.0, recorder=rec)
    r = rec.record(eng, 0.0)
    assert eng.counters["dissolutions"] > 0
    assert r.lifetimes.size == eng.counters["dissolutions"] == len(eng.lifetimes)
    assert np.all(r.lifetimes > 0)
    assert all(0 <= b < d <= eng.t + 1e-9 for _, b, d in eng.lifetimes)
    assert rec.series()["dissolutions"][-1] <= eng.counters["dissolutions"]


def test_empty_recorder():
    rec = StreamRecorder(1.0)
    s = rec.series()
    assert set(s) == set(SERIES_COLUMNS) and all(v.size == 0 for v in s.values())
    assert rec.gate_trace() is None


def test_recorder_series_identical_for_torch_and_numba():
    series = {}
    for backend in ("torch", "numba"):
        eng = Engine(seed=0, backend=backend)
        assert eng.backend == backend
        rec = StreamRecorder(2.0)
        eng.run(PaperStream(0), 2.0, recorder=rec)
        series[backend] = rec.series()
    a, b = series["torch"], series["numba"]
    assert a.keys() == b.keys()
    assert a["t"].size == 400
    assert a["N"].max() > 0
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=0, atol=1e-9, err_msg=k)  # inf == inf (N = 1) allowed
