"""Training options beyond the published protocol: common-mode targets, mini-batches, momentum and Adam.

Each update is checked against an independent computation (the implicit-function gradient of the loss, and
the optimiser recursions written out by hand in numpy); the numba kernel is checked against the torch path
for every option; the published defaults are checked to be the online SGD rule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from resonant.ep.gradients import analytic_gradients, ep_gradients, finite_difference_gradients
from resonant.ep.network import Network, layered_network
from resonant.ep.solver import solve_equilibrium
from resonant.ep.training import Runs, TrainConfig, evaluate, readout, target_table, targets_for, train

from .test_training import _blobs, _runs


def _analytic_clipped(runs: Runs, x: torch.Tensor, y: torch.Tensor, cfg: TrainConfig):
    """Per-run implicit-function gradients (ω, K) for one sample per run, components clipped as in training."""
    om = runs.omega.clone()
    om[:, list(runs.inputs)] = cfg.input_scale * x
    t, m = targets_for(y, runs.outputs, runs.omega.shape[-1], cfg.target, cfg.targets)
    free = solve_equilibrium(om, runs.K, pinned=runs.pinned)
    assert bool(free.ok.all())
    g = analytic_gradients(free.theta, runs.K, t, m, pinned=runs.pinned)
    return g.omega.clamp(-cfg.grad_clip, cfg.grad_clip), g.K.clamp(-cfg.grad_clip, cfg.grad_clip)


# --------------------------------------------------------------------------------------------------
# targets and the consistent readout
# --------------------------------------------------------------------------------------------------


def test_target_tables():
    assert target_table(2, 0.2, "differential").tolist() == [[-0.2, 0.2], [0.2, -0.2]]
    assert target_table(3, 0.5, "differential").tolist() == [[-0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.5, 0.5, -0.5]]
    assert target_table(2, 0.2, "common").tolist() == [[-0.2, -0.2], [0.2, 0.2]]
    with pytest.raises(ValueError, match="'sideways'"):
        target_table(2, 0.2, "sideways")


def test_common_targets_put_both_outputs_on_the_class_target():
    t, m = targets_for(torch.tensor([0, 1, 1]), (7, 8), 9, 0.2, "common")
    assert t[:, 7].tolist() == t[:, 8].tolist() == [-0.2, 0.2, 0.2]
    assert (t[:, :7] == 0).all() and m[0].tolist() == [0.0] * 7 + [1.0, 1.0]
    with pytest.raises(ValueError, match="labels"):
        targets_for(torch.tensor([0, 2]), (7, 8), 9, 0.2, "common")


@pytest.mark.parametrize("targets", ["differential", "common"])
def test_consistent_readout_is_the_nearest_target_vector_under_the_loss(targets):
    """Brute force in numpy: the class minimising ½ Σ_o (θ_o − t_o)² over the rows of the target table."""
    g = torch.Generator().manual_seed(3)
    theta = 0.6 * torch.randn(500, 9, generator=g, dtype=torch.float64)
    pred = readout(theta, (7, 8), "consistent", 0.2, targets).numpy()
    th = theta[:, 7:].numpy()
    T = np.array([[-0.2, 0.2], [0.2, -0.2]]) if targets == "differential" else np.array([[-0.2, -0.2], [0.2, 0.2]])
    ref = np.argmin(0.5 * ((th[:, None, :] - T[None]) ** 2).sum(-1), axis=1)
    assert (pred == ref).all()
    if targets == "common":  # the nearest row is the sign of the common mode
        assert (pred == (th.sum(-1) > 0)).all()


def test_ep_gradient_of_the_common_target_loss_matches_analytic_and_finite_differences():
    """The nudge β m (t − θ) with the common targets is the gradient force of the same quadratic loss."""
    net = layered_network(seed=1)
    omega = net.omega.clone()
    omega[list(net.inputs)] = 1.5 * torch.tensor([-0.3, 0.7], dtype=torch.float64)
    net = Network(omega, net.K, net.inputs, net.outputs, net.pinned)
    for y in (0, 1):
        t, m = targets_for(torch.tensor(y), net.outputs, net.N, 0.2, "common")
        free = solve_equilibrium(net.omega, net.K, pinned=net.pinned)
        ref = analytic_gradients(free.theta, net.K, t, m, pinned=net.pinned)
        ep = ep_gradients(net.omega, net.K, t, m, 1e-6, pinned=net.pinned, free=free)[0]
        fd = finite_difference_gradients(net.omega, net.K, t, m, pinned=net.pinned, theta0=free.theta)
        flat = ref.flat(net.edge_mask)
        assert float(flat.norm()) > 1e-3
        for other in (ep, fd):
            assert float((other.flat(net.edge_mask) - flat).norm() / flat.norm()) < 1e-5


# --------------------------------------------------------------------------------------------------
# config validation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"targets": "onehot"}, "targets"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"momentum": 1.0}, "momentum"),
    ({"momentum": -0.1}, "momentum"),
    ({"adam_beta1": 1.0}, "adam_beta1"),
    ({"adam_beta2": float("nan")}, "adam_beta2"),
    ({"adam_eps": 0.0}, "adam_eps"),
    ({"lr": float("nan")}, "lr"),
    ({"lr": float("inf")}, "lr"),
])
def test_bad_training_options_are_rejected_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=rf"TrainConfig\.{field}="):
        TrainConfig(**kwargs)


def test_defaults_are_the_published_protocol():
    c = TrainConfig()
    assert (c.lr, c.beta, c.epochs, c.batch_size, c.optimizer, c.targets) == (1e-3, 0.1, 150, 1, "sgd", "differential")
    assert (c.grad_clip, c.omega_clip, c.K_min, c.K_max, c.input_scale, c.target) == (2.0, 3.0, 0.01, 8.0, 1.5, 0.2)


# --------------------------------------------------------------------------------------------------
# the update rules against hand-written recursions
# --------------------------------------------------------------------------------------------------


def test_a_mini_batch_step_is_minus_lr_times_the_mean_clipped_gradient():
    X, y = _blobs(5)
    runs = _runs(2, "both")
    cfg = TrainConfig(lr=1e-2, beta=1e-6, epochs=1, batch_size=5, targets="common")
    om0, K0 = runs.omega.clone(), runs.K.clone()
    gs = [_analytic_clipped(runs, X[s].expand(2, 2), y[s].expand(2), cfg) for s in range(5)]
    g_om = torch.stack([a for a, _ in gs]).mean(0)
    g_K = torch.stack([b for _, b in gs]).mean(0)
    orders = torch.stack([torch.arange(5), torch.tensor([4, 2, 0, 1, 3])]).unsqueeze(0)  # order within a batch
    train(runs, X, y, orders, cfg, backend="torch")                                    # does not matter
    assert torch.allclose(runs.omega - om0, torch.where(runs.learn_omega, -cfg.lr * g_om, 0.0), atol=1e-8)
    assert torch.allclose(runs.K - K0, torch.where(runs.learn_K, -cfg.lr * g_K, 0.0), atol=1e-8)
    assert runs.opt_state["step"].tolist() == [1, 1]


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_two_optimizer_steps_follow_the_written_out_recursion(optimizer):
    """Two online steps; the gradient at each step is recomputed independently (implicit-function route)."""
    X, y = _blobs(2, seed=5)
    cfg = TrainConfig(lr=0.05, beta=1e-6, epochs=1, optimizer=optimizer, momentum=0.8, adam_beta1=0.7,
                      adam_beta2=0.95, adam_eps=1e-3)
    runs = _runs(1, "omega")
    p0 = runs.omega.clone()
    train(runs, X, y, torch.tensor([[[0, 1]]]), cfg, backend="torch")
    # reference: step through the same two samples by hand
    ref = _runs(1, "omega")
    mask = ref.learn_omega
    p, mom, vel = p0.clone(), torch.zeros_like(p0), torch.zeros_like(p0)
    for t, s in enumerate((0, 1), start=1):
        ref.omega = p
        g, _ = _analytic_clipped(ref, X[s].expand(1, 2), y[s].expand(1), cfg)
        if optimizer == "momentum":
            mom = 0.8 * mom + g
            d = mom
        else:
            mom = 0.7 * mom + 0.3 * g
            vel = 0.95 * vel + 0.05 * g * g
            d = (mom / (1 - 0.7 ** t)) / ((vel / (1 - 0.95 ** t)).sqrt() + 1e-3)
        p = torch.where(mask, p - cfg.lr * d, p)
    assert torch.allclose(runs.omega, p, atol=1e-7)
    assert not torch.allclose(runs.omega, p0)


def test_first_adam_step_moves_every_learnable_frequency_by_lr_in_the_sign_of_the_gradient():
    """Closed form: after one step m̂ = g and v̂ = g², so Δω = −lr·g/(|g| + ε) ≈ −lr·sign(g)."""
    X, y = _blobs(1, seed=7)
    cfg = TrainConfig(lr=0.01, beta=1e-6, epochs=1, optimizer="adam", targets="common")
    runs = _runs(3, "omega")
    om0 = runs.omega.clone()
    g, _ = _analytic_clipped(runs, X[0].expand(3, 2), y[0].expand(3), cfg)
    train(runs, X, y, torch.zeros(1, 3, 1, dtype=torch.long), cfg, backend="torch")
    expected = torch.where(runs.learn_omega, -cfg.lr * g / (g.abs() + cfg.adam_eps), 0.0)
    assert torch.allclose(runs.omega - om0, expected, atol=1e-8)
    assert ((runs.omega - om0)[runs.learn_omega].abs() > 0.9 * cfg.lr).all()


def test_training_in_two_calls_equals_one_call_because_the_optimizer_state_is_kept():
    X, y = _blobs(12)
    g = torch.Generator().manual_seed(4)
    orders = torch.stack([torch.stack([torch.randperm(12, generator=g) for _ in range(2)]) for _ in range(2)])
    cfg = TrainConfig(lr=0.02, epochs=2, optimizer="adam", batch_size=3)
    a = train(_runs(2, "both"), X, y, orders, cfg, eval_every=2)
    b = _runs(2, "both")
    train(b, X, y, orders[:1], cfg, eval_every=1)
    train(b, X, y, orders[1:], cfg, eval_every=1)
    assert torch.equal(a.omega, b.omega) and torch.equal(a.K, b.K)
    assert a.opt_state["step"].tolist() == b.opt_state["step"].tolist() == [8, 8]


@pytest.mark.parametrize(("optimizer", "batch_size", "targets"), [
    ("sgd", 7, "common"), ("momentum", 1, "common"), ("momentum", 4, "differential"), ("adam", 1, "differential"),
    ("adam", 6, "common"),
])
def test_numba_and_torch_backends_agree_for_every_option(optimizer, batch_size, targets):
    X, y = _blobs(24)
    g = torch.Generator().manual_seed(2)
    orders = torch.stack([torch.stack([torch.randperm(24, generator=g) for _ in range(3)]) for _ in range(2)])
    cfg = TrainConfig(lr=0.03, epochs=2, optimizer=optimizer, batch_size=batch_size, targets=targets)
    out = []
    for backend in ("torch", "numba"):
        runs = _runs(3, "both")
        train(runs, X, y, orders, cfg, eval_every=2, backend=backend)
        out.append(runs)
    t, n = out
    # Adam's update m̂/(√v̂ + ε) is scale-free: for an edge whose gradient is tiny, the cos-difference rounding
    # (~1e-15/β) is a relative error of the update itself, so the backends agree to ~1e-10 after 48 steps
    # (measured 9e-11) instead of ~1e-15 for SGD and momentum.
    atol = 1e-9 if optimizer == "adam" else 1e-12
    assert torch.allclose(t.omega, n.omega, atol=atol, rtol=0)
    assert torch.allclose(t.K, n.K, atol=atol, rtol=0)
    assert torch.equal(n.K, n.K.transpose(-1, -2))
    for key in ("m_omega", "v_omega", "m_K", "v_K"):
        assert torch.allclose(t.opt_state[key], n.opt_state[key], atol=atol, rtol=0), key
    assert torch.equal(t.opt_state["step"], n.opt_state["step"])
    assert t.opt_state["step"].tolist() == [2 * math.ceil(24 / batch_size)] * 3
    assert not torch.allclose(n.omega, _runs(3, "both").omega)


def test_skipped_steps_leave_parameters_and_optimizer_state_unchanged_on_both_backends():
    X, y = _blobs(6)
    orders = torch.arange(6).expand(1, 2, 6).contiguous()
    for backend in ("torch", "numba"):
        runs = _runs(2, "both")
        runs.K = runs.K * 1e-3  # no phase-locked state exists
        om0, K0 = runs.omega.clone(), runs.K.clone()
        train(runs, X, y, orders, TrainConfig(epochs=1, optimizer="adam", batch_size=4), backend=backend)
        assert runs.history[-1]["skipped"].tolist() == [6, 6], backend
        assert torch.equal(runs.omega, om0) and torch.equal(runs.K, K0)
        assert runs.opt_state["step"].tolist() == [0, 0]
        assert all(float(runs.opt_state[k].abs().max()) == 0.0 for k in ("m_omega", "v_omega", "m_K", "v_K"))


def test_optimizer_state_of_fixed_parameters_stays_zero():
    X, y = _blobs(10)
    runs = _runs(2, "omega")
    train(runs, X, y, torch.arange(10).expand(1, 2, 10).contiguous(), TrainConfig(epochs=1, optimizer="adam"))
    st = runs.opt_state
    assert float(st["m_K"].abs().max()) == 0.0 and float(st["v_K"].abs().max()) == 0.0
    assert float(st["m_omega"][:, :2].abs().max()) == 0.0  # inputs never learn
    assert float(st["v_omega"][:, 2:].min()) > 0.0


def test_common_targets_let_omega_only_training_lower_the_loss():
    """A small-step check of the new loss end to end (the vowel results are in the ablation)."""
    X, y = _blobs(40)
    g = torch.Generator().manual_seed(1)
    runs = _runs(3, "omega")
    cfg = TrainConfig(lr=0.05, epochs=3, targets="common")
    before = evaluate(runs, X, y, cfg)["loss"]
    orders = torch.stack([torch.stack([torch.randperm(40, generator=g) for _ in range(3)]) for _ in range(3)])
    train(runs, X, y, orders, cfg, eval_every=3)
    assert (runs.history[-1]["train_loss"] < before).all()
