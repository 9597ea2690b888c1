"""DRAI task 3: continual-learning metrics, baselines, the DRAI assembly classifier, smoke run."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from resonant.core.errors import ConfigError
from resonant.drai.network import DRAINetwork, Stimulus
from resonant.experiments.baselines import (
    BatchedMLP,
    adam_step,
    nearest_class_mean,
    train_mlp,
    train_mlp_sequential,
)
from resonant.experiments.claims import VERDICTS, ClaimResult
from resonant.experiments.drai_continual import (
    METHODS,
    SIZES,
    DRAIAssemblyClassifier,
    accuracy_matrix,
    average_accuracy,
    average_forgetting,
    backward_transfer,
    claims_continual,
    figure_continual,
    load_split_digits,
    run_continual,
)

NAN = math.nan
# A[i, j]: accuracy on task j after task i. Task 0 peaks after task 1 (0.95), so forgetting and BWT differ.
A3 = np.array([[0.90, NAN, NAN],
               [0.95, 0.80, NAN],
               [0.60, 0.70, 0.85]])


def test_metrics_against_a_hand_computed_matrix():
    assert average_accuracy(A3) == pytest.approx((0.60 + 0.70 + 0.85) / 3)
    assert average_forgetting(A3) == pytest.approx(((0.95 - 0.60) + (0.80 - 0.70)) / 2)  # max over l = 0 … T−2
    assert backward_transfer(A3) == pytest.approx(((0.60 - 0.90) + (0.70 - 0.80)) / 2)  # against the diagonal
    batch = np.stack([A3, np.tril(np.ones((3, 3))) + np.triu(np.full((3, 3), NAN), 1)])
    np.testing.assert_allclose(average_forgetting(batch), [0.225, 0.0])
    np.testing.assert_allclose(average_accuracy(batch), [0.7166666666666667, 1.0])


@pytest.mark.parametrize("A", [np.ones(3), np.ones((2, 3)), np.array([[NAN, NAN], [1.0, 1.0]]), np.ones((1, 1))])
def test_metrics_reject_bad_matrices(A):
    with pytest.raises(ValueError, match="accuracy matrix"):
        average_forgetting(A)


def test_accuracy_matrix_counts_per_task():
    y = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    tasks = ((0, 1), (2, 3))
    after0 = np.array([0, 1, 1, 1, 0, 0, 0, 0])  # task 0: 3/4 right
    after1 = np.array([0, 2, 1, 3, 2, 3, 3, 3])  # task 0: 2/4, task 1: 3/4
    A = accuracy_matrix([after0, after1], y, tasks)
    np.testing.assert_allclose(A, [[0.75, NAN], [0.5, 0.75]])
    with pytest.raises(ValueError, match="one prediction array per task"):
        accuracy_matrix([after0], y, tasks)


def test_nearest_class_mean_is_exact_on_a_toy_set():
    X = torch.tensor([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [12.0, 10.0], [0.0, 10.0]])
    y = torch.tensor([0, 0, 1, 1, 2])  # means (1, 0), (11, 10), (0, 10)
    Xq = torch.tensor([[1.0, 1.0], [9.0, 9.0], [1.0, 9.0], [5.9, 5.0], [6.0, 10.0]])
    # hand: nearest means 0, 1, 2; (5.9, 5): d² to (1,0) = 49.01, to (11,10) = 51.01, to (0,10) = 59.81 → 0;
    # (6, 10): d² to (11, 10) = 25 < to (0, 10) = 36 → 1
    assert nearest_class_mean(X, y, Xq, [0, 1, 2]).tolist() == [0, 1, 2, 0, 1]
    assert nearest_class_mean(X, y, Xq, [0, 2]).tolist() == [0, 2, 2, 0, 2]  # among the classes seen only
    batched = nearest_class_mean(torch.stack([X, X + 100]), torch.stack([y, y]), torch.stack([Xq, Xq + 100]),
                                 [0, 1, 2])
    assert batched.tolist() == [[0, 1, 2, 0, 1]] * 2
    with pytest.raises(ValueError, match="no training rows"):
        nearest_class_mean(X, y, Xq, [0, 7])


def test_adam_step_matches_a_numpy_adam():
    rng = np.random.default_rng(4)
    p = rng.normal(size=(2, 3))
    grads = [rng.normal(size=(2, 3)) for _ in range(3)]
    m_ref, v_ref, p_ref = np.zeros_like(p), np.zeros_like(p), p.copy()
    params, m, v = [torch.tensor(p)], [torch.zeros(2, 3, dtype=torch.float64)], [torch.zeros(2, 3, dtype=torch.float64)]
    for t, g in enumerate(grads, start=1):
        m_ref = 0.9 * m_ref + 0.1 * g
        v_ref = 0.999 * v_ref + 0.001 * g**2
        p_ref = p_ref - 0.01 * (m_ref / (1 - 0.9**t)) / (np.sqrt(v_ref / (1 - 0.999**t)) + 1e-8)
        params = adam_step(params, [torch.tensor(g)], m, v, t, 0.01)
    np.testing.assert_allclose(params[0].numpy(), p_ref, rtol=1e-13)
    np.testing.assert_allclose(v[0].numpy(), v_ref, rtol=1e-13)


def test_batched_mlp_networks_are_independent_and_learn():
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.normal(size=(2, 60, 4)))
    y = (X[..., 0] + X[..., 1] > 0).long()
    gens = [torch.Generator().manual_seed(s) for s in (5, 6)]
    two = train_mlp(BatchedMLP.init(4, 8, 2, gens), X, y, gens, epochs=15, batch_size=10, lr=0.05)
    alone_g = [torch.Generator().manual_seed(6)]
    alone = train_mlp(BatchedMLP.init(4, 8, 2, alone_g), X[1:], y[1:], alone_g, epochs=15, batch_size=10, lr=0.05)
    for p2, p1 in zip(two.parameters(), alone.parameters(), strict=True):
        torch.testing.assert_close(p2[1:], p1, rtol=1e-12, atol=1e-12)  # network 1 ignores network 0
    assert float((two.predict(X) == y).double().mean()) > 0.95
    snaps = train_mlp_sequential(BatchedMLP.init(4, 8, 2, gens), [X, X], [y, 1 - y], gens, epochs=15,
                                 batch_size=10, lr=0.05)
    assert len(snaps) == 2 and float((snaps[1].predict(X) == 1 - y).double().mean()) > 0.9  # overwrote task 1


def _tiny_classifier(seeds=(0,), k=2):
    cfg = dataclasses.replace(SIZES["smoke"], assembly_size=k, tasks=((0, 1), (2, 3)))
    return DRAIAssemblyClassifier(cfg, [0, 1, 2, 3], list(seeds))


def test_settle_matches_the_full_network():
    clf = _tiny_classifier()
    n, L = 64, clf.n_labels
    rng = np.random.default_rng(1)
    W = torch.zeros(1, n + L, n + L, dtype=torch.complex128)
    W[0, n:, :n] = torch.tensor(rng.normal(size=(L, n)) + 1j * rng.normal(size=(L, n)))
    W[0, n + 3, :] = 0  # a unit that learned nothing
    clf.net.W = W
    psi = torch.tensor(rng.uniform(0, np.pi, (1, 3, n)))
    state = clf.net.generator.get_state()
    phi_red, e = clf.settle(psi, steps=40)
    clf.net.generator.set_state(state)
    phi0 = clf.net.random_phases((1, 3, L))
    full = DRAINetwork(clf.net.config, batch_shape=(1,))
    full.W = clf.effective_coupling()
    start = torch.cat([psi, phi0], -1).transpose(0, 1)  # (P, S, N)
    mask = torch.zeros(n + L, dtype=torch.bool)
    mask[:n] = True
    phi_full, _ = full.run(start, steps=40, stimulus=Stimulus(psi=start, mode="clamp", mask=mask), statistics=False)
    torch.testing.assert_close(phi_red, phi_full.transpose(0, 1)[..., n:], rtol=1e-10, atol=1e-10)
    assert torch.all(e[..., 3] == 0)  # no couplings, no drive, no resonance


def test_learning_writes_only_the_winner_and_stores_the_conjugate_pattern():
    clf = _tiny_classifier(seeds=(0, 1))
    n = 64
    rng = np.random.default_rng(2)
    x = rng.integers(0, 17, (2, n)).astype(float)
    winner = clf.learn_one(x, np.array([1, 2]))
    assert winner.tolist() == [2, 4]  # first fresh unit of each class's assembly (class 1 → units 2, 3; 2 → 4, 5)
    psi = clf.config.max_phase * torch.tensor(x) / 16
    for s, u in enumerate(winner.tolist()):
        row = clf.net.W[s, n + u, :n]
        torch.testing.assert_close(row, clf.config.eta * torch.polar(torch.ones(n, dtype=torch.float64), -psi[s]))
    written = clf.net.W != 0
    assert int(written.sum()) == 2 * n  # nothing else was written
    before = clf.net.W.clone()
    clf.learn_one(rng.integers(0, 17, (2, n)).astype(float), np.array([3, 3]))
    changed = (clf.net.W != before).any(-1)  # rows that changed
    assert changed[0, n + 6] and changed[1, n + 6] and int(changed.sum()) == 2  # only class 3's first unit
    torch.testing.assert_close(clf.net.W[:, n + 2], before[:, n + 2], rtol=0, atol=0)  # old assemblies untouched
    with pytest.raises(ValueError, match="outside"):
        clf.learn_one(x, np.array([7, 7]))


def test_recall_resonance_and_prediction_agree_with_a_numpy_template_rule():
    clf = _tiny_classifier(k=1)
    data = load_split_digits([0], dataclasses.replace(SIZES["smoke"], tasks=((0, 1), (2, 3))))
    for i in range(data.y_train.shape[1]):
        clf.learn_one(data.X_train[:, i], data.y_train[:, i])
    _, e = clf.settle(clf.phases(data.X_test), steps=300)
    # independent: unit-norm complex templates, |Σ_j ĉ_uj e^{iψ_j}|, K/N = coupling_per_unit
    C = clf.net.W[0, 64:, :64].numpy()
    C = C / np.linalg.norm(C, axis=1, keepdims=True)
    z = np.exp(1j * np.pi * data.X_test[0] / 16)
    D = np.abs(z @ C.T) * clf.config.coupling_per_unit
    np.testing.assert_allclose(e[0].numpy(), D, rtol=1e-6)  # settled: e_u → |D_u|
    pred = clf.predict(data.X_test, [0, 1, 2, 3], steps=300)[0].numpy()
    np.testing.assert_array_equal(pred, clf.unit_class.numpy()[np.argmax(D, 1)])
    pred01 = clf.predict(data.X_test, [0, 1])[0].numpy()
    assert set(pred01.tolist()) <= {0, 1}


def test_split_is_stratified_70_30_and_seeded():
    cfg = SIZES["full"]
    d = load_split_digits([0, 1], cfg)
    assert d.X_train.shape == (2, 1257, 64) and d.X_test.shape == (2, 540, 64)
    assert (np.bincount(d.y_train[0]) == np.bincount(d.y_train[1])).all()
    assert not np.array_equal(d.X_train[0], d.X_train[1])
    np.testing.assert_array_equal(load_split_digits([1], cfg).X_train[0], d.X_train[1])


@pytest.mark.parametrize(("changes", "match"), [
    (dict(tasks=((0, 1),)), "tasks"), (dict(tasks=((0, 1), (1, 2))), "tasks"), (dict(tasks=((0, 1), (2, 10))), "tasks"),
    (dict(assembly_size=0), "assembly_size"), (dict(test_frac=1.0), "test_frac"), (dict(gate_threshold=1.5),
                                                                                    "gate_threshold"),
])
def test_config_rejects_bad_values(changes, match):
    with pytest.raises(ConfigError, match=match):
        dataclasses.replace(SIZES["full"], **changes)


def test_smoke_run_is_reproducible_and_gives_valid_claims(tmp_path):
    r1 = run_continual("smoke", seeds=[0, 1])
    r2 = run_continual("smoke", seeds=[0, 1])
    d1, d2 = r1.to_dict(), r2.to_dict()
    d1.pop("wall_seconds"), d2.pop("wall_seconds")
    assert d1 == d2
    json.dumps(r1.to_dict(), allow_nan=False)
    assert set(r1.summary) == set(METHODS)
    for m in METHODS:
        A = np.array(r1.matrices[m], dtype=float)
        assert A.shape == (2, 5, 5) and np.isnan(A[:, 0, 1:]).all()
        np.testing.assert_allclose(r1.final_accuracy[m], average_accuracy(A))
        np.testing.assert_allclose(r1.forgetting[m], average_forgetting(A))
    claims = claims_continual(r1)
    assert len(claims) == 2 and all(isinstance(c, ClaimResult) and c.verdict in VERDICTS for c in claims)
    assert claims[0].value == r1.summary["drai"]["final_accuracy"]["mean"]
    assert claims[0].baseline == r1.summary["ncm"]["final_accuracy"]["mean"]
    assert figure_continual(r1, tmp_path / "task3.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="seeds"):
        run_continual("smoke", seeds=[0, 0])
