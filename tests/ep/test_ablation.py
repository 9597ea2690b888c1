"""Vowel loading, the binary tasks, and the batched ablation (tiny versions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from resonant.cli import app
from resonant.datasets import load_vowels, vowel_task
from resonant.ep.network import layered_network
from resonant.ep.training import TrainConfig
from resonant.experiments.ep_ablation import ablation, learn_masks

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hillenbrand_vowels.csv"
needs_data = pytest.mark.skipif(not DATA.is_file(), reason="shared vowel data not present")


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "v.csv"
    p.write_text(text)
    return p


def test_missing_file_names_the_path_and_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        load_vowels(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError, match="vowel,F1,F2"):
        load_vowels(None)


@pytest.mark.parametrize(("text", "match"), [
    ("vowel,F1\na,700\n", "missing column"),
    ("vowel,F1,F2\na,700,x\n", "row 0"),
    ("vowel,F1,F2\na,700,1200\ni,nan,2000\n", "row 1"),
    ("vowel,F1,F2\na,-5,1200\n", "row 0"),
    ("vowel,F1,F2\n", "no rows"),
])
def test_malformed_vowel_files_are_rejected(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        load_vowels(_csv(tmp_path, text))


def test_task_split_and_scaling(tmp_path):
    rows = "".join(f"{v},{f1},{f2}\n" for v, f1, f2 in
                   [("a", 700 + i, 1200 + 3 * i) for i in range(10)] + [("i", 300 + i, 2500 - i) for i in range(10)])
    d = load_vowels(_csv(tmp_path, "vowel,F1,F2\n" + rows))
    t = vowel_task(d, ("a", "i"), seed=3)
    assert t.X_train.shape == (16, 2) and t.X_test.shape == (4, 2)
    assert float(t.X_train.min()) == pytest.approx(-1.0) and float(t.X_train.max()) == pytest.approx(1.0)
    assert set(t.y_train.tolist()) <= {0, 1}
    assert torch.equal(vowel_task(d, ("a", "i"), seed=3).X_test, t.X_test)  # reproducible split
    with pytest.raises(ValueError, match="'x'"):
        vowel_task(d, ("a", "x"))


@needs_data
def test_paper_split_sizes_on_the_shared_data():
    d = load_vowels(DATA)
    assert d.counts() == {"a": 136, "e": 139, "i": 139, "o": 137, "u": 138}
    t = vowel_task(d, ("a", "i"), seed=0)
    assert (t.X_train.shape[0], t.X_test.shape[0]) == (220, 55)


def test_learn_masks():
    net = layered_network()
    lo, lk = learn_masks("omega", net.N, net.inputs, net.K)
    assert lo.sum() == 7 and not lo[list(net.inputs)].any() and not lk.any()
    lo, lk = learn_masks("K", net.N, net.inputs, net.K)
    assert not lo.any() and int(torch.triu(lk, 1).sum()) == 24
    with pytest.raises(ValueError, match="condition"):
        learn_masks("x", net.N, net.inputs, net.K)


@needs_data
def test_tiny_ablation_has_one_record_per_condition_and_readout():
    r = ablation(load_vowels(DATA), seeds=range(2), cfg=TrainConfig(epochs=1), eval_every=1)
    assert len(r["records"]) == 2 * 3  # omega, K, both by default
    for rec in r["records"]:
        for key in ("condition", "readout", "n_seeds", "converged", "mean_test_acc_converged", "mean_test_acc_all",
                    "wall_seconds"):
            assert key in rec
        assert rec["n_seeds"] == 2 and 0 <= rec["converged"] <= 2
        assert all(0 <= a <= 1 for a in rec["test_acc"])


def test_cli_ablation_without_data_file_names_it(tmp_path):
    res = CliRunner().invoke(app, ["ep", "ablation", "--data", str(tmp_path / "none.csv"), "--out", str(tmp_path)])
    assert res.exit_code != 0
    assert "none.csv" in " ".join(res.output.split())


def test_logistic_regression_baseline_matches_a_separable_problem_and_scipy():
    from scipy.optimize import minimize

    from resonant.experiments.baselines import logistic_regression_accuracy

    g = torch.Generator().manual_seed(0)
    X = torch.randn(3, 80, 2, generator=g, dtype=torch.float64)
    w_true = torch.tensor([1.5, -2.0], dtype=torch.float64)
    y = ((X @ w_true + 0.3 * torch.randn(3, 80, generator=g, dtype=torch.float64)) > 0).long()
    acc = logistic_regression_accuracy(X[:, :60], y[:, :60], X[:, 60:], y[:, 60:])
    # independent fit with scipy for the first problem
    A = torch.cat([X[0, :60], torch.ones(60, 1, dtype=torch.float64)], 1).numpy()
    yy = y[0, :60].numpy()

    def nll(w):
        z = A @ w
        return float((np.logaddexp(0, z) - yy * z).sum() + 0.5e-4 * (w @ w))

    w = minimize(nll, np.zeros(3), method="BFGS").x
    At = torch.cat([X[0, 60:], torch.ones(20, 1, dtype=torch.float64)], 1).numpy()
    ref = float(((At @ w > 0).astype(int) == y[0, 60:].numpy()).mean())
    assert float(acc[0]) == pytest.approx(ref)
    assert (acc > 0.8).all()


@needs_data
def test_cli_train_writes_report_and_a_loadable_network(tmp_path):
    from resonant.ep.network import Network

    res = CliRunner().invoke(app, ["ep", "train", "--data", str(DATA), "--epochs", "2", "--condition", "both",
                                   "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "report.md").read_text().startswith("# EP training run")
    net = Network.load(tmp_path / "network.npz")
    assert net.N == 9 and net.outputs == (7, 8)
    bad = CliRunner().invoke(app, ["ep", "train", "--data", str(DATA), "--condition", "x", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "condition" in " ".join(bad.output.split())


def test_k_matched_learns_as_many_edges_as_omega_learns_frequencies():
    net = layered_network()
    lo, _ = learn_masks("omega", net.N, net.inputs, net.K)
    _, lk = learn_masks("K-matched", net.N, net.inputs, net.K, seed=4)
    assert int(torch.triu(lk, 1).sum()) == int(lo.sum()) == 7
    assert torch.equal(lk, lk.T) and not (lk & (net.K == 0)).any()
    _, lk2 = learn_masks("K-matched", net.N, net.inputs, net.K, seed=5)
    assert not torch.equal(lk, lk2)  # a different random subset per seed


@needs_data
def test_ablation_with_training_options_records_them_and_the_strict_convergence(tmp_path):
    from resonant.reports.ep_report import write_ablation_report

    cfg = TrainConfig(epochs=1, lr=0.01, targets="common", optimizer="adam", batch_size=20)
    r = ablation(load_vowels(DATA), pair=("o", "u"), seeds=[1000, 1001], conditions=("omega",), cfg=cfg,
                 eval_every=1)
    c = r["config"]
    assert (c["targets"], c["optimizer"], c["batch_size"], c["seeds"]) == ("common", "adam", 20, [1000, 1001])
    assert c["optimizer_params"] == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    for rec in r["records"]:
        train_acc = np.array(rec["train_acc"])
        assert rec["converged"] == int((train_acc > 0.6).sum())
        assert rec["converged_strict"] == int((train_acc >= 0.9).sum())
        assert rec["published"] is None  # no published number for our targets
    b = r["baseline"]
    assert len(b["test_acc"]) == len(b["train_acc"]) == 2 and b["published"] == 0.83
    assert r["curves"]["omega"]["epoch"] == [0, 1]  # the untrained networks head the curves
    assert all(len(rec["initial_train_acc"]) == 2 for rec in r["records"])
    paths = write_ablation_report(r, tmp_path)
    text = paths["report"].read_text()
    assert "Targets `common`" in text and "optimiser adam" in text and "logistic regression" in text
    assert paths["fig_vs_logreg"].is_file()


def test_published_numbers_are_attached_only_to_the_paper_protocol():
    from resonant.experiments.ep_ablation import published_for, published_logreg

    assert published_for(("a", "i"), "random", "omega", TrainConfig())["converged"] == 47
    assert published_for(("o", "u"), "random", "omega", TrainConfig()) == {"converged": 19, "of": 50,
                                                                           "mean_test_acc_converged": None}
    assert published_for(("o", "u"), "spectral", "omega", TrainConfig())["converged"] == 50
    assert published_for(("a", "i"), "random", "omega", TrainConfig(targets="common")) is None
    assert published_for(("i", "a"), "random", "omega", TrainConfig()) is None  # the paper used a, i
    assert published_logreg(("u", "o")) == published_logreg(("o", "u")) == 0.83
    assert published_logreg(("a", "e")) is None


@needs_data
@pytest.mark.parametrize(("args", "word"), [
    (["--optimizer", "rmsprop"], "optimizer"), (["--targets", "onehot"], "targets"),
    (["--batch-size", "0"], "batch_size"), (["--lr", "-1"], "lr"),
])
def test_cli_ablation_rejects_bad_training_options_naming_them(tmp_path, args, word):
    res = CliRunner().invoke(app, ["ep", "ablation", "--data", str(DATA), "--out", str(tmp_path), *args])
    assert res.exit_code != 0
    assert word in " ".join(res.output.split())


@needs_data
def test_cli_ablation_with_training_options_writes_the_report(tmp_path):
    res = CliRunner().invoke(app, ["ep", "ablation", "--data", str(DATA), "--out", str(tmp_path), "--seeds", "2",
                                   "--first-seed", "1000", "--epochs", "1", "--conditions", "omega",
                                   "--targets", "common", "--optimizer", "momentum", "--lr", "0.01",
                                   "--batch-size", "10"])
    assert res.exit_code == 0, res.output
    import json

    r = json.loads((tmp_path / "results.json").read_text())
    assert r["config"]["seeds"] == [1000, 1001] and r["config"]["optimizer"] == "momentum"
    assert r["config"]["lr"] == 0.01 and r["config"]["batch_size"] == 10 and r["config"]["targets"] == "common"
    assert {rec["readout"] for rec in r["records"]} == {"paper", "consistent"}


def test_cli_train_without_the_csv_stops_or_uses_the_labelled_synthetic_fallback(tmp_path):
    missing = tmp_path / "absent.csv"
    stop = CliRunner().invoke(app, ["ep", "train", "--data", str(missing), "--epochs", "1", "--out", str(tmp_path)])
    assert stop.exit_code != 0 and "absent.csv" in " ".join(stop.output.split())
    with pytest.warns(UserWarning, match="SYNTHETIC"):
        res = CliRunner().invoke(app, ["ep", "train", "--data", str(missing), "--synthetic-fallback", "--epochs", "1",
                                       "--out", str(tmp_path / "syn")])
    assert res.exit_code == 0, res.output
    assert "synthetic" in (tmp_path / "syn" / "report.md").read_text()
