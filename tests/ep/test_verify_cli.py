"""``resonant ep verify`` end to end (typer's test runner) and the report writer on its own."""

import json

import pytest
from typer.testing import CliRunner

from resonant.cli import app
from resonant.reports.ep_report import summarize, write_verify_report

runner = CliRunner()

RECORD_KEYS = ("N", "residual", "lambda_min", "cos_ep_analytic", "cos_ep_symmetric_analytic", "cos_fd_analytic",
               "cos_autograd_analytic", "rel_err_ep", "wall_seconds")
COSINES = ("cos_ep_analytic", "cos_ep_symmetric_analytic", "cos_fd_analytic", "cos_autograd_analytic")


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    out = tmp_path_factory.mktemp("ep") / "verify"
    result = runner.invoke(app, ["ep", "verify", "--max-n", "20", "--out", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    return out, result


def test_results_json_has_one_record_per_N_with_the_keys(verified):
    out, _ = verified
    data = json.loads((out / "results.json").read_text())
    assert set(data) >= {"records", "beta_study", "config", "summary"}
    assert [r["N"] for r in data["records"]] == [6, 10, 15, 20]
    for rec in data["records"]:
        assert set(RECORD_KEYS) <= set(rec)
        assert all(rec[c] >= 0.9999999 for c in COSINES), rec
        assert rec["residual"] <= 1e-12 and rec["lambda_min"] > 0 and rec["stable"]
        assert rec["wall_seconds"] > 0
    assert data["config"]["Ns"] == [6, 10, 15, 20] and data["config"]["seed"] == 0


def test_beta_study_slopes(verified):
    out, _ = verified
    bs = json.loads((out / "results.json").read_text())["beta_study"]
    assert bs["N"] == 20 and len(bs["rows"]) == 7
    assert 0.9 <= bs["slope_one_sided"] <= 1.1
    assert 1.8 <= bs["slope_symmetric"] <= 2.2


def test_report_and_figures_exist(verified):
    out, result = verified
    for name in ("report.md", "fig_cosine.png", "fig_beta.png"):
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, name
    assert (out / "fig_cosine.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    assert "Gradient-identity table" in md and "Worst cosine measured" in md and "slopes" in md
    assert md.count("\n| 20 |") == 2  # the identity table and the precision table
    assert "report.md" in " ".join(result.output.split())
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temp files


def test_help_lists_ep_verify():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "ep" in result.output
    sub = runner.invoke(app, ["ep", "verify", "--help"])
    assert sub.exit_code == 0
    for opt in ("--out", "--seed", "--max-n"):
        assert opt in sub.output


def test_max_n_below_smallest_size_is_rejected(tmp_path):
    result = runner.invoke(app, ["ep", "verify", "--max-n", "5", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert not (tmp_path / "x").exists()


def test_report_rebuilds_from_saved_results(verified, tmp_path):
    """The report needs only the result dict: rebuilding from results.json gives the same summary."""
    out, _ = verified
    data = json.loads((out / "results.json").read_text())
    paths = write_verify_report(data, tmp_path / "again")
    assert set(paths) == {"results", "report", "fig_cosine", "fig_beta"}
    assert summarize(data) == data["summary"]
    with pytest.raises(ValueError, match="records"):
        write_verify_report({"records": []}, tmp_path / "empty")
