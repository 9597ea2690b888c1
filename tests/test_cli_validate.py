"""``resonant validate rcs`` end to end through typer's test runner (smoke size, one seed)."""

import json

import pytest
from typer.testing import CliRunner

from resonant.cli import app
from resonant.experiments.claims import SCHEMA_KEYS, VERDICTS

runner = CliRunner()


@pytest.mark.filterwarnings("ignore:no vowel data file given:UserWarning")  # claim 13's labelled fallback
def test_validate_rcs_smoke_writes_report_results_and_figures(tmp_path):
    out = tmp_path / "val"
    res = runner.invoke(app, ["validate", "rcs", "--out", str(out), "--size", "smoke", "--seeds", "1"])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "results.json").read_text())
    assert len(data) == 14
    assert [d["claim"].split(".")[0] for d in data] == [str(j) for j in range(1, 15)]
    for d in data:
        assert set(d) == set(SCHEMA_KEYS)
        assert d["verdict"] in VERDICTS and d["seeds"] == [0]
        if d["figure"] is not None:
            assert (out / d["figure"]).is_file()
    report = (out / "report.md").read_text()
    assert report.startswith("# RCS claims validation")
    assert sum(1 for ln in report.splitlines() if ln.startswith("| ") and "](claim" in ln) >= 10
    assert "wrote" in res.output


def test_validate_rcs_rejects_an_unknown_size(tmp_path):
    res = runner.invoke(app, ["validate", "rcs", "--out", str(tmp_path), "--size", "medium"])
    assert res.exit_code != 0
    assert "medium" in res.output
