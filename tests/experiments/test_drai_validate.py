"""The DRAI validation orchestrator (:mod:`resonant.experiments.drai_validate`), on toy tasks and at smoke size."""

import json
import sys
import types

import pytest
from typer.testing import CliRunner

from resonant.cli import app
from resonant.experiments import drai_validate as dv
from resonant.experiments.claims import SCHEMA_KEYS, VERDICTS, ClaimResult


def _toy_module(name, fail=False):
    mod = types.ModuleType(name)

    def run(size, seeds, progress):
        if fail:
            raise RuntimeError("toy failure")
        return {"size": size, "seeds": list(seeds), "value": 0.75}

    def claims(record):
        return [ClaimResult(claim="toy claim", verdict="supported" if record["value"] > 0.5 else "refuted",
                            metric="toy metric", value=record["value"], baseline=0.5, criterion="value > 0.5",
                            seeds=record["seeds"])]

    def figure(record, path):
        path.write_bytes(b"png")
        return path

    mod.run_toy, mod.claims_toy, mod.figure_toy = run, claims, figure
    return mod


@pytest.fixture
def toy_tasks(monkeypatch):
    monkeypatch.setitem(sys.modules, "toy_ok", _toy_module("toy_ok"))
    monkeypatch.setitem(sys.modules, "toy_bad", _toy_module("toy_bad", fail=True))
    tasks = (dv.Task("ok", "1. toy", "toy_ok", "run_toy", "claims_toy", "figure_toy"),
             dv.Task("bad", "2. broken toy", "toy_bad", "run_toy", "claims_toy", "figure_toy"))
    monkeypatch.setattr(dv, "TASKS", tasks)
    return tasks


def test_every_task_record_figure_and_claim_is_written(tmp_path, toy_tasks):
    results = dv.validate_drai(tmp_path, size="smoke", seeds=[3, 4], progress=False)
    assert [r.verdict for r in results] == ["supported", "inconclusive"]
    assert results[0].figure == "fig_ok.png" and (tmp_path / "fig_ok.png").is_file()
    assert json.loads((tmp_path / "ok.json").read_text()) == {"size": "smoke", "seeds": [3, 4], "value": 0.75}
    assert "toy failure" in results[1].notes  # a broken task is reported, not hidden
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data) == 2 and all(set(d) == set(SCHEMA_KEYS) and d["verdict"] in VERDICTS for d in data)
    assert (tmp_path / "report.md").read_text().startswith("# DRAI claims validation")


def test_task_subset_and_bad_arguments(tmp_path, toy_tasks):
    assert len(dv.validate_drai(tmp_path, size="smoke", tasks=["ok"], progress=False)) == 1
    with pytest.raises(ValueError, match="medium"):
        dv.validate_drai(tmp_path, size="medium")
    with pytest.raises(ValueError, match="nope"):
        dv.validate_drai(tmp_path, size="smoke", tasks=["nope"])
    with pytest.raises(ValueError, match="seeds"):
        dv.validate_drai(tmp_path, size="smoke", seeds=[])


def test_registry_names_real_functions():
    for task in dv.TASKS:
        run, claims, figure = task.functions()
        assert callable(run) and callable(claims) and callable(figure)


def test_cli_validate_drai_smoke_on_two_tasks(tmp_path):
    out = tmp_path / "drai"
    res = CliRunner().invoke(app, ["validate", "drai", "--out", str(out), "--size", "smoke", "--seeds", "1",
                                   "--tasks", "classify,continual"])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "results.json").read_text())
    assert len(data) >= 2 and all(d["seeds"] == [0] for d in data)
    assert (out / "fig_classify.png").is_file() and (out / "fig_continual.png").is_file()


def test_cli_validate_drai_rejects_unknown_task(tmp_path):
    res = CliRunner().invoke(app, ["validate", "drai", "--out", str(tmp_path), "--tasks", "classify,dreams"])
    assert res.exit_code != 0 and "dreams" in res.output
