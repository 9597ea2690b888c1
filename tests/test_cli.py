"""The command line (:mod:`resonant.cli`): ``resonant stream`` end to end through typer's test runner."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from resonant.cli import app

runner = CliRunner()

METRIC_KEYS = (
    "mean_N",
    "mean_M",
    "mean_M_active",
    "mean_nnz",
    "mean_L_comp",
    "births",
    "mitoses",
    "dissolutions",
    "mean_R",
    "max_R",
    "mean_bonds_per_carrier",
    "steps",
    "wall_seconds",
)
FIGURES = ("fig1_metrics.png", "fig2_gate_capture.png", "fig3_presence.png", "fig4_lifetimes.png")


def _invoke(args):
    return runner.invoke(app, [str(a) for a in args])


def _flat(text: str) -> str:
    """The output with rich's box characters removed and whitespace collapsed (messages may wrap)."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _ok(result):
    assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture(scope="module")
def two_seconds(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "report"
    result = _ok(_invoke(["stream", "--seconds", 2, "--out", out]))
    return out, result


def test_help_lists_stream():
    result = _ok(_invoke(["--help"]))
    assert "stream" in result.output
    sub = _ok(_invoke(["stream", "--help"]))
    for opt in ("--seconds", "--dt", "--out", "--config", "--checkpoint", "--resume"):
        assert opt in sub.output


def test_no_args_shows_help():
    result = _invoke([])
    assert "stream" in result.output


def test_stream_writes_report_files(two_seconds):
    out, result = two_seconds
    for name in ("report.md", "metrics.json", "timeseries.csv", *FIGURES):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    for fig in FIGURES:
        assert (out / fig).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert fig in (out / "report.md").read_text()
    assert "report.md" in _flat(result.output)


def test_stream_metrics_json(two_seconds):
    out, _ = two_seconds
    m = json.loads((out / "metrics.json").read_text())
    for key in METRIC_KEYS:
        assert key in m, key
    assert m["steps"] == 400
    assert m["seconds"] == pytest.approx(2.0)
    assert m["dt"] == pytest.approx(0.005)
    assert m["seed"] == 0
    assert m["wall_seconds"] > 0
    for key in ("births", "mitoses", "dissolutions"):
        assert isinstance(m[key], int) and m[key] >= 0
    assert m["mean_N"] >= 0 and m["mean_M"] >= m["mean_M_active"] >= 0
    assert m["mean_L_comp"] == pytest.approx(m["mean_nnz"] + m["mean_M_active"])
    assert 0 <= m["mean_R"] <= m["max_R"] <= 1


def test_stream_timeseries_csv(two_seconds):
    out, _ = two_seconds
    df = pd.read_csv(out / "timeseries.csv")
    assert len(df) == 400
    for col in ("t", "N", "M", "M_active", "nnz", "L_comp", "R", "births", "mitoses", "dissolutions"):
        assert col in df.columns, col
    np.testing.assert_allclose(df["t"], 0.005 * np.arange(1, 401), atol=1e-9)
    np.testing.assert_array_equal(df["L_comp"], df["nnz"] + df["M_active"])
    m = json.loads((out / "metrics.json").read_text())
    assert df["N"].mean() == pytest.approx(m["mean_N"])
    assert df["nnz"].mean() == pytest.approx(m["mean_nnz"])


@pytest.mark.parametrize("dt", ["-1", "2", "0"])
def test_invalid_dt_is_rejected(tmp_path, dt):
    result = _invoke(["stream", "--seconds", 1, "--dt", dt, "--out", tmp_path / "o"])
    assert result.exit_code != 0
    assert "dt" in _flat(result.output)
    assert not (tmp_path / "o").exists()


def test_missing_config_file_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short relative names: rich may wrap long paths inside its error box
    result = _invoke(["stream", "--seconds", 1, "--config", "missing.json", "--out", "o"])
    assert result.exit_code != 0
    assert "missing.json" in _flat(result.output)
    assert not (tmp_path / "o").exists()


def test_config_out_of_range_value_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg.json").write_text(json.dumps({"gamma": -1}))
    result = _invoke(["stream", "--seconds", 1, "--config", "cfg.json", "--out", "o"])
    assert result.exit_code != 0
    assert "gamma" in _flat(result.output)
    assert not (tmp_path / "o").exists()


def test_config_unknown_field_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg.json").write_text(json.dumps({"gamma_typo": 1.0}))
    result = _invoke(["stream", "--seconds", 1, "--config", "cfg.json", "--out", "o"])
    assert result.exit_code != 0
    assert "gamma_typo" in _flat(result.output)


def test_checkpoint_then_resume(tmp_path, two_seconds):
    ck = tmp_path / "run.ckpt"
    first = tmp_path / "first"
    _ok(_invoke(["stream", "--seconds", 2, "--checkpoint", ck, "--out", first]))
    assert ck.is_file()
    # the checkpointed run is the plain run
    plain = pd.read_csv(two_seconds[0] / "timeseries.csv")
    pd.testing.assert_frame_equal(pd.read_csv(first / "timeseries.csv"), plain)

    resumed = tmp_path / "resumed"
    _ok(_invoke(["stream", "--seconds", 4, "--checkpoint", ck, "--resume", "--out", resumed]))
    m = json.loads((resumed / "metrics.json").read_text())
    df = pd.read_csv(resumed / "timeseries.csv")
    # run_stream's recorder restarts at the resume point: the series (and "steps") cover only the resumed
    # 2 s (400 steps, t from 2.005 to 4.0), while "seconds" is the engine's total time and the cumulative
    # counters carry on from the checkpoint
    assert m["steps"] == 400 == len(df)
    assert m["seconds"] == pytest.approx(4.0)
    assert df["t"].iloc[0] == pytest.approx(2.005)
    assert df["t"].iloc[-1] == pytest.approx(4.0)
    first_m = json.loads((first / "metrics.json").read_text())
    for key in ("births", "mitoses", "dissolutions"):
        assert m[key] >= first_m[key]
    assert df["births"].iloc[0] >= plain["births"].iloc[-1]

    # the continuation is the uninterrupted 4 s run's second half
    straight = tmp_path / "straight"
    _ok(_invoke(["stream", "--seconds", 4, "--out", straight]))
    full = pd.read_csv(straight / "timeseries.csv")
    assert len(full) == 800
    pd.testing.assert_frame_equal(df, full.iloc[400:].reset_index(drop=True))
    full_m = json.loads((straight / "metrics.json").read_text())
    for key in ("births", "mitoses", "dissolutions"):
        assert m[key] == full_m[key]


# --------------------------------------------------------------------------------------------------
# regression tests for bugs found and fixed
# --------------------------------------------------------------------------------------------------


def _clean_exit(result) -> bool:
    """No uncaught exception: success, or a usage error raised through click (SystemExit)."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def test_zero_seconds_does_not_crash(tmp_path):
    result = _invoke(["stream", "--seconds", 0, "--out", tmp_path / "o"])
    assert _clean_exit(result), repr(result.exception)


def test_malformed_config_json_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg.json").write_text("{not json")
    result = _invoke(["stream", "--seconds", 1, "--config", "cfg.json", "--out", "o"])
    assert result.exit_code != 0
    assert _clean_exit(result), repr(result.exception)


def test_resume_with_another_seed_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = _invoke(["stream", "--seconds", 1, "--checkpoint", "c.ckpt", "--out", "o1"])
    assert first.exit_code == 0
    again = _invoke(["stream", "--seconds", 2, "--seed", 5, "--checkpoint", "c.ckpt", "--resume", "--out", "o2"])
    assert again.exit_code != 0
    assert _clean_exit(again)
    assert "seed" in again.output


def test_config_json_list_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg.json").write_text("[1, 2]")
    result = _invoke(["stream", "--seconds", 1, "--config", "cfg.json", "--out", "o"])
    assert result.exit_code != 0 and _clean_exit(result)
