"""Tests for the stream report writer (RCS §10.2: Table 1, Figures 1–4)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from resonant.rcs.metrics_types import SERIES_COLUMNS, GateTrace, PresenceSnapshot, StreamRecord
from resonant.reports import write_stream_report
from resonant.reports.stream_report import compute_stream_metrics

N_STEPS = 2000
DT = 0.005
PNG_NAMES = ("fig1_metrics.png", "fig2_gate_capture.png", "fig3_presence.png", "fig4_lifetimes.png")
TABLE1_KEYS = (
    "mean_N",
    "mean_M",
    "mean_M_active",
    "mean_nnz",
    "mean_L_comp",
    "mitoses",
    "dissolutions",
    "births",
    "mean_R",
    "max_R",
    "mean_bonds_per_carrier",
)
PAPER = {"mean_N": 4.7, "mean_M": 0.9, "mean_nnz": 6.9, "mean_L_comp": 7.8, "mitoses": 1, "dissolutions": 22}

#: gate square wave used in the trace: 0,0,1,1,1,0,0,1,1,0,1 repeated pattern -> known reopenings
GATE_PATTERN = np.array([0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1], dtype=float)  # 3 closed→open per period
GATE_PERIODS = 50


def _make_series(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(N_STEPS) * DT
    # N: first quarter 2 oscillators (N<3), rest 5; M: first tenth 0 carriers, rest alternate 1/2
    N = np.where(np.arange(N_STEPS) < N_STEPS // 4, 2.0, 5.0)
    M = np.where(np.arange(N_STEPS) < N_STEPS // 10, 0.0, 1.0 + (np.arange(N_STEPS) % 2))
    M_active = np.minimum(M, 1.0)
    nnz = np.where(M > 0, 3.0 * M, 0.0)  # exactly 3 bonds per carrier when M > 0
    R = rng.uniform(0.1, 0.6, N_STEPS)
    R[10] = 0.99  # the global max sits in an N<3 step
    R[N_STEPS // 2] = 0.8  # the max over N≥3 steps
    births = np.floor(np.linspace(0, 7, N_STEPS))
    mitoses = np.floor(np.linspace(0, 2, N_STEPS))
    dissolutions = np.floor(np.linspace(0, 5, N_STEPS))
    gate_open_fraction = np.where(M > 0, 0.4, 0.0)
    max_energy = rng.uniform(0, 1, N_STEPS)
    max_energy[123] = 3.5
    return {
        "t": t,
        "N": N,
        "M": M,
        "M_active": M_active,
        "nnz": nnz,
        "mean_degree": np.where(N > 0, nnz / N, 0.0),
        "L_comp": nnz + M_active,
        "R": R,
        "births": births,
        "nucleations": births - mitoses,
        "mitoses": mitoses,
        "dissolutions": dissolutions,
        "snaps": np.floor(np.linspace(0, 11, N_STEPS)),
        "recruitments": np.floor(np.linspace(0, 4, N_STEPS)),
        "gate_open_fraction": gate_open_fraction,
        "mean_energy": 0.5 * max_energy,
        "max_energy": max_energy,
        "bound_ratio": rng.uniform(0, 0.9, N_STEPS),
    }


def _make_record(seed: int = 0) -> StreamRecord:
    series = _make_series(seed)
    gate = np.tile(GATE_PATTERN, GATE_PERIODS)
    tg = 1.0 + np.arange(gate.size) * DT * 4  # 600 samples spanning 12 s
    drive = np.cos(2 * np.pi * 1.5 * tg)
    trace = GateTrace(
        carrier_id=3, t=tg, gate=gate, drive=drive, captured=gate * drive, energy=0.5 + 0.1 * np.sin(tg)
    )
    P = np.array([[0.8, 0.0, 0.1], [0.0, 0.5, 0.0], [0.3, 0.0, 0.0], [0.0, 0.0, 0.9]])
    presence = PresenceSnapshot(
        t=7.25,
        P=P,
        osc_freq_hz=np.array([2.0, 1.0, 3.5, 0.7]),
        car_freq_hz=np.array([1.9, 1.1, 3.3]),
        osc_label=np.array([0, 1, -1, 2]),
        osc_ids=np.arange(4),
        car_ids=np.array([10, 11, 12]),
    )
    mitosis_log = [
        {"t": 3.2, "parent": 1, "children": [4, 5], "D": 0.81},
        {"t": 8.9, "parent": 4, "children": [6, 7], "D": 0.77, "note": "a|b"},
    ]
    return StreamRecord(
        series=series,
        lifetimes=np.array([0.5, 1.0, 1.5, 2.0, 4.0]) + 0.1 * seed,
        censored_lifetimes=np.array([3.0, 6.5]),
        gate_trace=trace,
        presence=presence,
        config={"kappa": 0.3, "stream": {"rate_hz": 0.9}, "nan_value": float("nan")},
        seed=seed,
        dt=DT,
        seconds=N_STEPS * DT,
        wall_seconds=2.5,
        mitosis_log=mitosis_log,
    )


@pytest.fixture(scope="module")
def record() -> StreamRecord:
    return _make_record(0)


@pytest.fixture(scope="module")
def report_dir(
    record: StreamRecord, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Path]]:
    out = tmp_path_factory.mktemp("single") / "nested" / "report"
    paths = write_stream_report(record, out, paper_reference=PAPER)
    return out, paths


@pytest.fixture(scope="module")
def metrics(report_dir: tuple[Path, dict[str, Path]]) -> dict:
    return json.loads((report_dir[0] / "metrics.json").read_text())


def _assert_png(path: Path) -> None:
    assert path.exists(), path
    assert path.stat().st_size > 5_000, path
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200


def test_all_files_written(report_dir: tuple[Path, dict[str, Path]]) -> None:
    out, paths = report_dir
    expected = {"metrics.json", "timeseries.csv", "report.md", *PNG_NAMES}
    assert {p.name for p in paths.values()} == expected
    for p in paths.values():
        assert p.parent == out and p.exists()
    assert not [p for p in out.iterdir() if p.name not in expected]  # no temp files left behind


def test_pngs_valid(report_dir: tuple[Path, dict[str, Path]]) -> None:
    for name in PNG_NAMES:
        _assert_png(report_dir[0] / name)


def test_metrics_keys_present(metrics: dict) -> None:
    required = {
        "mean_N",
        "mean_M",
        "mean_M_active",
        "mean_nnz",
        "mean_L_comp",
        "births",
        "nucleations",
        "mitoses",
        "dissolutions",
        "snaps",
        "recruitments",
        "mean_R",
        "max_R",
        "max_R_N_ge_3",
        "chance_R",
        "mean_bonds_per_carrier",
        "mean_degree",
        "gate_open_fraction",
        "gate_reopenings",
        "mean_lifetime_s",
        "median_lifetime_s",
        "n_lifetimes",
        "max_energy",
        "max_bound_ratio",
        "steps",
        "seconds",
        "dt",
        "seed",
        "wall_seconds",
        "steps_per_second",
        "config",
        "mitosis_log",
    }
    assert required <= set(metrics)
    assert metrics["config"]["kappa"] == 0.3 and metrics["config"]["nan_value"] is None
    assert len(metrics["mitosis_log"]) == 2


def test_time_averages(record: StreamRecord, metrics: dict) -> None:
    s = record.series
    assert metrics["mean_N"] == pytest.approx(float(np.mean(s["N"])))
    assert metrics["mean_M"] == pytest.approx(float(np.mean(s["M"])))
    assert metrics["mean_nnz"] == pytest.approx(float(np.mean(s["nnz"])))
    assert metrics["mean_L_comp"] == pytest.approx(float(np.mean(s["L_comp"])))
    assert metrics["mean_R"] == pytest.approx(float(np.mean(s["R"])))
    assert metrics["steps"] == N_STEPS
    assert metrics["steps_per_second"] == pytest.approx(N_STEPS / 2.5)


def test_final_counts(metrics: dict) -> None:
    assert (metrics["births"], metrics["mitoses"], metrics["dissolutions"]) == (7, 2, 5)
    assert (metrics["snaps"], metrics["recruitments"], metrics["nucleations"]) == (11, 4, 5)
    assert all(isinstance(metrics[k], int) for k in ("births", "mitoses", "dissolutions", "steps", "seed"))


def test_bonds_per_carrier_skips_empty_steps(record: StreamRecord, metrics: dict) -> None:
    # nnz = 3 M exactly where M > 0; including M = 0 steps (as 0) would pull the mean below 3
    assert metrics["mean_bonds_per_carrier"] == pytest.approx(3.0)
    M = record.series["M"]
    assert metrics["gate_open_fraction"] == pytest.approx(0.4)
    assert np.mean(record.series["gate_open_fraction"]) < 0.4 and (M == 0).any()


def test_max_R_ignores_small_N(metrics: dict) -> None:
    assert metrics["max_R"] == pytest.approx(0.99)
    assert metrics["max_R_N_ge_3"] == pytest.approx(0.8)


def test_chance_R(record: StreamRecord, metrics: dict) -> None:
    expected = float(np.mean(np.sqrt(np.pi / (4 * record.series["N"]))))
    assert metrics["chance_R"] == pytest.approx(expected)


def test_gate_reopenings_square_wave(metrics: dict) -> None:
    # each period 0,0,1,1,1,0,0,1,1,0,1,1 has 3 closed→open edges; the wrap 1→0 adds none
    assert metrics["gate_reopenings"] == 3 * GATE_PERIODS


def test_lifetimes_and_maxima(record: StreamRecord, metrics: dict) -> None:
    assert metrics["n_lifetimes"] == 5
    assert metrics["mean_lifetime_s"] == pytest.approx(1.8)
    assert metrics["median_lifetime_s"] == pytest.approx(1.5)
    assert metrics["max_energy"] == pytest.approx(3.5)
    assert metrics["max_bound_ratio"] == pytest.approx(float(np.max(record.series["bound_ratio"])))


def test_timeseries_csv_shape(record: StreamRecord, report_dir: tuple[Path, dict[str, Path]]) -> None:
    path = report_dir[0] / "timeseries.csv"
    df = pd.read_csv(path)
    assert df.shape == (N_STEPS, len(SERIES_COLUMNS))
    assert list(df.columns) == list(SERIES_COLUMNS)
    np.testing.assert_allclose(df["R"].to_numpy(), record.series["R"], rtol=1e-9)
    arr = np.genfromtxt(path, delimiter=",", names=True)
    assert arr.shape == (N_STEPS,)
    np.testing.assert_allclose(arr["N"], record.series["N"])


def test_report_md_table1(metrics: dict, report_dir: tuple[Path, dict[str, Path]]) -> None:
    text = (report_dir[0] / "report.md").read_text()
    assert "Table 1" in text
    row = next(line for line in text.splitlines() if line.startswith("| this run |"))
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    assert len(cells) == len(TABLE1_KEYS)
    for key, cell in zip(TABLE1_KEYS, cells, strict=True):
        assert float(cell) == pytest.approx(float(metrics[key]), rel=2e-3, abs=1e-3), key
    paper = next(line for line in text.splitlines() if line.startswith("| paper (RCS §10.2) |"))
    pcells = [c.strip() for c in paper.strip("|").split("|")][1:]
    assert pcells[:7] == ["4.7", "0.9", "—", "6.9", "7.8", "1", "22"]
    for name in PNG_NAMES:
        assert f"]({name})" in text
    assert "Mitosis audit" in text and "a\\|b" in text and "<details>" in text


def _bare_record(seed: int) -> StreamRecord:
    """A record with no gate trace, an empty P snapshot, no lifetimes and no mitoses."""
    empty = PresenceSnapshot(
        t=1.0,
        P=np.zeros((0, 0)),
        osc_freq_hz=np.zeros(0),
        car_freq_hz=np.zeros(0),
        osc_label=np.zeros(0, dtype=int),
        osc_ids=np.zeros(0, dtype=int),
        car_ids=np.zeros(0, dtype=int),
    )
    return replace(
        _make_record(seed),
        gate_trace=None,
        presence=empty,
        lifetimes=np.zeros(0),
        censored_lifetimes=np.zeros(0),
        mitosis_log=[],
    )


@pytest.fixture(scope="module")
def multi_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """Three seeds in one report: seed 1 is bare (edge cases), seed 2 has no P snapshot at all."""
    records = [_make_record(0), _bare_record(1), replace(_make_record(2), presence=None)]
    out = tmp_path_factory.mktemp("multi")
    return out, write_stream_report(records, out, paper_reference=PAPER)


def test_none_gate_empty_presence_no_lifetimes(multi_dir: tuple[Path, dict[str, Path]]) -> None:
    folder = multi_dir[0] / "seed_1"
    m = json.loads((folder / "metrics.json").read_text())
    assert m["gate_reopenings"] is None
    assert m["mean_lifetime_s"] is None and m["median_lifetime_s"] is None and m["n_lifetimes"] == 0
    text = (folder / "report.md").read_text()
    assert "no mitoses" in text and "no carrier lived long enough" in text
    for name in PNG_NAMES:
        _assert_png(folder / name)
    _assert_png(multi_dir[0] / "seed_2" / "fig3_presence.png")  # presence None


def test_metrics_undefined_when_no_population(record: StreamRecord) -> None:
    series = dict(record.series)
    series["N"] = np.zeros(N_STEPS)
    series["M"] = np.zeros(N_STEPS)
    bare = replace(record, series=series, presence=None, lifetimes=np.zeros(0))
    m = compute_stream_metrics(bare)
    json.dumps(m, allow_nan=False)
    assert m["max_R_N_ge_3"] is None
    assert m["chance_R"] is None and m["mean_bonds_per_carrier"] is None and m["gate_open_fraction"] is None
    assert m["n_lifetimes"] == 0


def test_multiple_seeds(multi_dir: tuple[Path, dict[str, Path]]) -> None:
    out, paths = multi_dir
    for seed in (0, 1, 2):
        folder = out / f"seed_{seed}"
        assert (folder / "metrics.json").exists() and (folder / "report.md").exists()
        assert (folder / "fig4_lifetimes.png").exists() and (folder / "timeseries.csv").exists()
    assert paths["metrics"] == out / "metrics.json" and paths["seed_2/report"] == out / "seed_2" / "report.md"
    top = json.loads(paths["metrics"].read_text())
    per_seed = [json.loads((out / f"seed_{s}" / "metrics.json").read_text()) for s in (0, 1, 2)]
    summary = top["summary"]
    for key in ("mean_N", "mean_R", "mitoses", "max_R_N_ge_3"):
        vals = np.array([m[key] for m in per_seed], dtype=float)
        assert summary[key]["mean"] == pytest.approx(float(vals.mean()))
        assert summary[key]["min"] == pytest.approx(float(vals.min()))
        assert summary[key]["max"] == pytest.approx(float(vals.max()))
        assert summary[key]["std"] == pytest.approx(float(vals.std(ddof=1)))
    assert [m["seed"] for m in top["per_seed"]] == [0, 1, 2]
    text = paths["report"].read_text()
    assert text.count("| [seed ") == 3 and "| mean ± std |" in text and "| paper (RCS §10.2) |" in text
    assert not math.isnan(summary["mean_R"]["std"])


def test_summary_skips_missing_values(multi_dir: tuple[Path, dict[str, Path]]) -> None:
    summary = json.loads(multi_dir[1]["metrics"].read_text())["summary"]
    # seed 1 has no gate trace and no lifetimes: those None values are left out of the statistics
    assert summary["gate_reopenings"]["n"] == 2 and summary["gate_reopenings"]["mean"] == 3 * GATE_PERIODS
    assert summary["mean_lifetime_s"]["n"] == 2
    assert summary["mean_lifetime_s"]["mean"] == pytest.approx((1.8 + 2.0) / 2)
