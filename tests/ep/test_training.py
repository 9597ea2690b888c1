"""EP training mechanics on a small separable problem (the vowel experiments are in the ablation)."""

from __future__ import annotations

import torch

from resonant.ep.gradients import analytic_gradients
from resonant.ep.network import layered_network
from resonant.ep.solver import solve_equilibrium
from resonant.ep.training import Runs, TrainConfig, evaluate, readout, targets_for, train


def _blobs(S: int = 60, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (S,), generator=g)
    centre = torch.where(y.unsqueeze(-1) == 0, torch.tensor([-0.6, 0.6]), torch.tensor([0.6, -0.6])).double()
    return (centre + 0.15 * torch.randn(S, 2, generator=g, dtype=torch.float64)).clamp(-1, 1), y


def _runs(R: int, learn: str, seed0: int = 0) -> Runs:
    nets = [layered_network(seed=seed0 + s) for s in range(R)]
    lo = torch.zeros(R, 9, dtype=torch.bool)
    lk = torch.zeros(R, 9, 9, dtype=torch.bool)
    if learn in ("omega", "both"):
        lo[:, 2:] = True
    if learn in ("K", "both"):
        lk[:] = nets[0].K > 0
    return Runs.from_networks(nets, lo, lk)


def test_targets_and_consistent_readout_agree_with_the_loss():
    y = torch.tensor([0, 1])
    t, m = targets_for(y, (7, 8), 9, 0.2)
    assert t[0, 7] == -0.2 and t[0, 8] == 0.2 and t[1, 7] == 0.2 and t[1, 8] == -0.2
    assert m[0].tolist() == [0.0] * 7 + [1.0, 1.0]
    assert readout(t, (7, 8), "consistent").tolist() == [0, 1]
    # the paper's readout cannot tell ±0.2 apart (cos is even): both targets read as the same class
    assert readout(t, (7, 8), "paper")[0] == readout(t, (7, 8), "paper")[1]


def test_one_training_step_moves_omega_along_minus_the_analytic_gradient():
    X, y = _blobs(4)
    runs = _runs(2, "omega")
    cfg = TrainConfig(lr=1e-3, beta=1e-5, epochs=1)
    om0 = runs.omega.clone()
    x = X[0].expand(2, 2)
    om_in = om0.clone()
    om_in[:, [0, 1]] = cfg.input_scale * x
    t, m = targets_for(y[0].expand(2), runs.outputs, 9, cfg.target)
    free = solve_equilibrium(om_in, runs.K)
    g = analytic_gradients(free.theta, runs.K, t, m)
    orders = torch.zeros(1, 2, 1, dtype=torch.long)  # one step on sample 0
    train(runs, X, y, orders, cfg)
    step = runs.omega - om0
    expected = torch.where(runs.learn_omega, -cfg.lr * g.omega, 0.0)
    assert torch.allclose(step, expected, atol=1e-9)


def test_small_learning_rate_training_lowers_the_loss_of_every_run():
    """Gradient descent with a small step must lower the training loss (for ω-only, K-only and both)."""
    X, y = _blobs(40)
    g = torch.Generator().manual_seed(1)
    for learn in ("omega", "K", "both"):
        runs = _runs(3, learn)
        cfg = TrainConfig(lr=0.05, epochs=4)
        before = evaluate(runs, X, y, cfg)["loss"]
        orders = torch.stack([torch.stack([torch.randperm(40, generator=g) for _ in range(3)]) for _ in range(4)])
        train(runs, X, y, orders, cfg, eval_every=4)
        after = runs.history[-1]["train_loss"]
        assert (after < before).all(), (learn, before, after)
        assert int(runs.history[-1]["skipped"].sum()) == 0


def test_numba_and_torch_training_backends_agree():
    X, y = _blobs(30)
    g = torch.Generator().manual_seed(2)
    orders = torch.stack([torch.stack([torch.randperm(30, generator=g) for _ in range(3)]) for _ in range(2)])
    out = []
    for backend in ("torch", "numba"):
        runs = _runs(3, "both")
        train(runs, X, y, orders, TrainConfig(lr=0.05, epochs=2), eval_every=2, backend=backend)
        out.append(runs)
    assert torch.allclose(out[0].omega, out[1].omega, atol=1e-12)
    assert torch.allclose(out[0].K, out[1].K, atol=1e-12)
    assert torch.equal(out[0].K, out[0].K.transpose(-1, -2))


def test_steps_without_an_equilibrium_are_skipped_by_both_backends():
    """Weak coupling and strong inputs: no phase-locked state exists, so no update may be applied."""
    X, y = _blobs(10)
    orders = torch.arange(10).expand(1, 2, 10).contiguous()
    for backend in ("torch", "numba"):
        runs = _runs(2, "both")
        runs.K = runs.K * 1e-3
        om0, K0 = runs.omega.clone(), runs.K.clone()
        train(runs, X, y, orders, TrainConfig(epochs=1), eval_every=1, backend=backend)
        assert runs.history[-1]["skipped"].tolist() == [10, 10], backend
        assert torch.equal(runs.omega, om0) and torch.equal(runs.K, K0)
