"""``resonant sweep CONFIG``: a thin shell over :func:`resonant.sweep.run_sweep`."""

import csv
import json
import re

from typer.testing import CliRunner

from resonant.cli import app

runner = CliRunner()


def _flat(text: str) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _spec_file(tmp_path, **extra):
    p = tmp_path / "spec.toml"
    lines = ['target = "demo.quadratic"', "seeds = 2", 'name = "cli-demo"', "[grid]", "x = [0.0, 3.0]"]
    p.write_text("\n".join(lines + [f"{k} = {v}" for k, v in extra.items()]) + "\n")
    return p


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_sweep_writes_the_table_and_says_where(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(_spec_file(tmp_path)), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, (result.output, result.exception)
    table = out / "results.csv"
    assert str(table) in _flat(result.output) and "4 executed" in _flat(result.output)
    rows = _rows(table)
    assert [(float(r["x"]), int(r["seed"])) for r in rows] == [(0.0, 0), (0.0, 1), (3.0, 0), (3.0, 1)]
    assert [float(r["f"]) for r in rows] == [1.0, 1.0, 4.0, 4.0]
    again = runner.invoke(app, ["sweep", str(_spec_file(tmp_path)), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 0 and "4 already done, 0 executed" in _flat(again.output)


def test_seed_offset_shifts_every_seed(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(_spec_file(tmp_path)), "--out", str(out), "--workers", "1",
                                 "--seed-offset", "10"])
    assert result.exit_code == 0, result.output
    assert sorted({int(r["seed"]) for r in _rows(out / "results.csv")}) == [10, 11]
    assert json.loads((out / "sweep.json").read_text())["spec"]["seeds"] == [10, 11]


def test_default_out_is_sweeps_slash_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", str(_spec_file(tmp_path)), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sweeps" / "cli-demo" / "results.csv").is_file()


def test_bad_spec_and_missing_file_fail_with_a_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"target": "demo.quadratic", "grid": {"x": [0.0]}, "base": {"noise": -1}}))
    result = runner.invoke(app, ["sweep", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "noise=-1" in _flat(result.output)
    missing = runner.invoke(app, ["sweep", str(tmp_path / "nope.toml")])
    assert missing.exit_code != 0 and "nope.toml" in _flat(missing.output)


def test_help_lists_the_options():
    result = runner.invoke(app, ["sweep", "--help"])
    assert result.exit_code == 0
    for opt in ("--out", "--scheduler", "--workers", "--seed-offset", "--retry-failed"):
        assert opt in result.output
