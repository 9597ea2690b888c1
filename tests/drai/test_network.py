"""The DRAI network: configuration, learning windows, storage, recall, checkpoints, devices.

Independent references: the closed-form iterate of the rule under clamped inputs, the one-shot
outer-product matrix, numpy read-outs, separate single networks for the batched path, the float64
CPU path for CUDA, and measured recall rates (compared between variants on identical inputs).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from resonant.core.errors import ConfigError
from resonant.drai import (
    DRAIConfig,
    DRAINetwork,
    EdgeList,
    Stimulus,
    binary_patterns,
    flip_units,
    fraction_wrong,
    outer_product_weights,
    overlap,
    phase_drift,
    random_phase_patterns,
)
from resonant.drai.dynamics import integrate, phase_velocity
from resonant.drai.rules import gaussian, row_norms

F64 = torch.float64
DEVICES = [pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]


@pytest.mark.parametrize("field,value", [("N", 1), ("dt", 0.0), ("dt", math.nan), ("eta", -0.1), ("decay", 1.5),
                                         ("rule", "oja"), ("g", "relu"), ("gate_threshold", 1.2),
                                         ("window_steps", 2.5), ("symmetric", "yes"), ("surprise_tau_expect", 0.5),
                                         ("homeostasis_target", 0.0), ("sparsity_k", -1)])
def test_bad_config_raises_config_error_naming_the_field(field, value):
    with pytest.raises(ConfigError, match=field):
        DRAIConfig(**{field: value})


def test_config_cross_field_checks_and_roundtrip():
    with pytest.raises(ConfigError, match="w_min"):
        DRAIConfig(w_min=1.0, w_max=0.5)
    with pytest.raises(ConfigError, match="sparsity_k"):
        DRAIConfig(N=10, sparsity_k=10)
    with pytest.raises(ConfigError, match="transient_steps"):
        DRAIConfig(window_steps=10, transient_steps=10)
    with pytest.raises(ConfigError, match="g='gaussian'"):
        DRAIConfig(rule="complex", g="gaussian")
    with pytest.raises(ConfigError, match="unknown DRAIConfig field"):
        DRAIConfig.from_dict({"NN": 3})
    cfg = DRAIConfig(N=12, h2=0.3, gate_threshold=0.5)
    assert DRAIConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.harmonics == ((2, 0.3),)
    table = DRAIConfig.table()
    assert "`gate_threshold`" in table and "§6" in table


def test_custom_g_needs_a_callable_and_equals_the_registered_one():
    with pytest.raises(ConfigError, match="custom"):
        DRAINetwork(DRAIConfig(g="custom"))
    with pytest.raises(ConfigError, match="custom"):
        DRAINetwork(DRAIConfig(), g=torch.cos)
    psi = torch.linspace(0, 3, 6, dtype=F64)
    base = dict(N=6, window_steps=10, noise=0.5)
    a = DRAINetwork(DRAIConfig(**base, g="gaussian", g_sigma=0.6), seed=1)
    b = DRAINetwork(DRAIConfig(**base, g="custom"), seed=1, g=lambda d: gaussian(d, sigma=0.6))
    for net in (a, b):
        net.learn(Stimulus(psi, mode="force", strength=2.0))
    torch.testing.assert_close(a.W, b.W, rtol=0, atol=0)
    assert a.W.abs().max() > 0


@pytest.mark.parametrize("rule", ["scalar", "complex"])
def test_clamped_learning_follows_the_closed_form_iterate(rule):
    # all units clamped to P patterns presented in one window: ⟨z_i z̄_j⟩ = (1/P) Σ_μ e^{i(ξ_i − ξ_j)} exactly, and
    # w_n = (η/λ)(1 − (1 − λ)^n) · that, from w_0 = 0 (bounds never reached since η/λ < 1)
    gen = torch.Generator().manual_seed(0)
    P, N, eta, lam = 3, 10, 0.04, 0.1
    xi = random_phase_patterns(P, N, gen)
    net = DRAINetwork(DRAIConfig(N=N, rule=rule, eta=eta, decay=lam, window_steps=4), seed=0)
    for _ in range(9):
        res = net.learn(Stimulus(xi, Omega=0.7))
    ref = eta / lam * (1 - (1 - lam) ** 9) * outer_product_weights(xi, complex_weights=rule == "complex")
    torch.testing.assert_close(net.W, ref, rtol=0, atol=1e-13)
    assert net.counter.dynamics_ops == 0  # fully clamped: no coupling sums are needed
    assert net.counter.weight_writes == 9 * N * (N - 1)
    torch.testing.assert_close(res.plv, outer_product_weights(xi, True).abs() + torch.eye(N, dtype=F64))


def test_indicator_rule_strengthens_only_in_phase_locked_pairs():
    psi = torch.tensor([0.0, 0.1, math.pi, math.pi + 0.2, 1.5], dtype=F64)
    net = DRAINetwork(DRAIConfig(N=5, rule="indicator", eta=0.1, decay=0.0, window_steps=3,
                                 indicator_max_lag=0.5), seed=0)
    net.learn(Stimulus(psi))
    R = torch.zeros(5, 5, dtype=F64)
    R[0, 1] = R[1, 0] = R[2, 3] = R[3, 2] = 1.0
    torch.testing.assert_close(net.W, 0.1 * R)


def test_forced_learning_approaches_one_shot_storage_and_recalls():
    gen = torch.Generator().manual_seed(1)
    P, N = 3, 60
    xi = binary_patterns(P, N, gen)
    cfg = DRAIConfig(N=N, eta=0.3, decay=0.3, window_steps=100, transient_steps=60, integrator="euler",
                     recall_steps=600)
    net = DRAINetwork(cfg, seed=1)
    for _ in range(8):  # random initial phases each window; the drive pulls units to ψ (time scale 1/F)
        net.learn(Stimulus(xi, mode="force", strength=2.0))
    target = (1 - 0.7**8) * outer_product_weights(xi)  # the clamped closed form after 8 windows
    err = (net.W - target).abs()
    assert err.mean() < 0.01 and err.max() < 0.1  # the residual: units still escaping ψ + π at the window start
    cue = flip_units(xi, 0.1, gen, jitter=0.1)
    phi = net.recall(cue)
    assert torch.all(fraction_wrong(phi, xi) <= 0.01)


def test_one_shot_binary_recall_from_a_10_percent_flipped_cue():
    gen = torch.Generator().manual_seed(2)
    P, N, nets = 3, 100, 2
    net = DRAINetwork(DRAIConfig(N=N), seed=2, batch_shape=(nets,))
    xi = torch.stack([binary_patterns(P, N, gen) for _ in range(nets)], 1)  # (P, nets, N)
    net.store(xi, normalization="sum")
    cue = flip_units(xi, 0.1, gen, jitter=0.1)
    assert torch.allclose(fraction_wrong(cue, xi), torch.full((P, nets), 0.1, dtype=F64))
    phi = net.recall(cue)
    assert torch.all(fraction_wrong(phi, xi) <= 0.01)


def _success(P, h2, seed, nets=4):
    N = 100
    gen = torch.Generator().manual_seed(seed)
    net = DRAINetwork(DRAIConfig(N=N, h2=h2, recall_steps=800, integrator="euler"), seed=seed, batch_shape=(nets,))
    xi = torch.stack([binary_patterns(P, N, gen) for _ in range(nets)], 1)
    net.store(xi, normalization="sum")
    phi = net.recall(flip_units(xi, 0.1, gen, jitter=0.1))
    return float((fraction_wrong(phi, xi) <= 0.01).double().mean())


def test_second_harmonic_improves_recall_at_higher_load():
    # P = 8, N = 100 (32 recalls each; measured 0.34 → 0.97, seeds 1-2: 0.41 → 0.81, 0.16 → 1.00)
    plain, harmonic = _success(8, 0.0, seed=0), _success(8, 0.3, seed=0)
    assert harmonic >= plain + 0.3, (plain, harmonic)


def test_complex_rule_stores_continuous_phases_where_the_scalar_rule_drifts():
    gen = torch.Generator().manual_seed(3)
    N, nets = 60, 2
    drifts = {}
    for P in (1, 3):
        xi = torch.stack([random_phase_patterns(P, N, gen) for _ in range(nets)], 1)
        for rule in ("scalar", "complex"):
            net = DRAINetwork(DRAIConfig(N=N, rule=rule, recall_steps=400), seed=3, batch_shape=(nets,))
            net.store(xi, normalization="sum")
            drifts[P, rule] = float(phase_drift(net.recall(xi), xi).mean())  # start exactly on the patterns
    assert drifts[1, "complex"] < 1e-9  # an exact fixed point
    assert drifts[1, "scalar"] > 0.05  # cos-weights cannot hold arbitrary lags (drai-facts: ≈ 0.1 rad)
    assert drifts[3, "complex"] < drifts[3, "scalar"]


def test_homeostasis_and_sparsity_hold_inside_the_network():
    gen = torch.Generator().manual_seed(4)
    N = 12
    xi = random_phase_patterns(2, N, gen)
    net = DRAINetwork(DRAIConfig(N=N, window_steps=3, homeostasis_target=0.8, symmetric=False, sparsity_k=4,
                                 w_min=None, w_max=None), seed=0)
    net.learn(Stimulus(xi))
    assert torch.all((net.W != 0).sum(-1) == 4)
    net2 = DRAINetwork(DRAIConfig(N=N, window_steps=3, homeostasis_target=0.8, symmetric=False), seed=0)
    for _ in range(3):
        net2.learn(Stimulus(xi))
    torch.testing.assert_close(row_norms(net2.W), torch.full((N,), 0.8, dtype=F64))


def test_sparse_weights_run_on_the_edge_list_with_the_dense_result():
    gen = torch.Generator().manual_seed(5)
    N = 40
    net = DRAINetwork(DRAIConfig(N=N, coupling=2.0), seed=0)
    W = torch.randn(N, N, generator=gen, dtype=F64) * (torch.rand(N, N, generator=gen) < 0.1)
    net.W = (0.5 * (W + W.T)).fill_diagonal_(0)
    assert isinstance(net.scaled_coupling(), EdgeList)
    phi0 = torch.rand(3, N, generator=gen, dtype=F64)
    phi, _ = net.run(phi0, steps=30, statistics=False)
    Wk = 2.0 / N * net.W
    ref, _ = integrate(lambda t, p: phase_velocity(p, net.omega, Wk), phi0, dt=0.05, steps=30, statistics=False)
    torch.testing.assert_close(phi, ref, rtol=0, atol=1e-12)
    assert net.counter.dynamics_ops == 30 * 4 * 3 * int((net.W != 0).sum())


def test_batched_networks_equal_separate_networks():
    gen = torch.Generator().manual_seed(6)
    N = 8
    xi = random_phase_patterns(2, N, gen)  # network 0 learns ξ¹, network 1 learns ξ²
    cfg = DRAIConfig(N=N, window_steps=30, transient_steps=10)
    batched = DRAINetwork(cfg, seed=0, batch_shape=(2,))
    phi0 = torch.rand(2, N, generator=gen, dtype=F64)
    for _ in range(3):
        batched.learn(Stimulus(xi, mode="force", strength=1.5), phi0=phi0)
    for b in range(2):
        single = DRAINetwork(cfg, seed=0)
        for _ in range(3):
            single.learn(Stimulus(xi[b], mode="force", strength=1.5), phi0=phi0[b])
        torch.testing.assert_close(batched.W[b], single.W, rtol=0, atol=1e-13)


def _noisy_run(seed, surprise=False):
    cfg = DRAIConfig(N=10, window_steps=20, noise=0.3, omega_std=0.5, surprise=surprise)
    net = DRAINetwork(cfg, seed=seed)
    psi = torch.linspace(0, 2, 10, dtype=F64)
    for _ in range(2):
        net.learn(Stimulus(psi, mode="force"))
    return net


def test_same_seed_gives_identical_numbers_and_another_seed_does_not():
    a, b, c = _noisy_run(7), _noisy_run(7), _noisy_run(8)
    assert torch.equal(a.W, b.W) and torch.equal(a.omega, b.omega)
    assert not torch.equal(a.W, c.W)


def test_checkpoint_continues_bit_identically(tmp_path):
    net = _noisy_run(9, surprise=True)
    path = net.save(tmp_path / "drai.pt")
    loaded = DRAINetwork.load(path)
    psi = torch.linspace(0, 1, 10, dtype=F64)
    for n in (net, loaded):
        n.learn(Stimulus(psi, mode="force"))
    assert torch.equal(net.W, loaded.W)
    assert net.counter == loaded.counter and net.windows == loaded.windows == 3
    torch.testing.assert_close(net.surprise_state.multiplier, loaded.surprise_state.multiplier, rtol=0, atol=0)
    with pytest.raises(FileNotFoundError, match=r"missing\.pt"):
        DRAINetwork.load(tmp_path / "missing.pt")


def test_bad_inputs_raise_clear_errors():
    net = DRAINetwork(DRAIConfig(N=5), seed=0)
    with pytest.raises(ValueError, match="cues contains NaN"):
        net.recall(torch.tensor([0.0, math.nan, 0, 0, 0], dtype=F64))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., N=5\)"):
        net.recall(torch.zeros(4, dtype=F64))
    with pytest.raises(ValueError, match=r"Stimulus\.psi contains NaN"):
        Stimulus(torch.tensor([math.nan]))
    with pytest.raises(ValueError, match=r"Stimulus\.mode"):
        Stimulus(torch.zeros(5), mode="inject")
    with pytest.raises(ValueError, match="do not broadcast"):
        DRAINetwork(DRAIConfig(N=5), batch_shape=(3,)).run(torch.zeros(2, 5, dtype=F64), steps=2)
    with pytest.raises(ValueError, match="normalization"):
        net.store(torch.zeros(2, 5, dtype=F64), normalization="max")


def test_readouts_match_numpy_and_flip_units_flips_exactly():
    gen = torch.Generator().manual_seed(10)
    xi = binary_patterns(3, 50, gen)
    cue = flip_units(xi, 0.2, gen)
    assert torch.all(((cue - xi).abs() > 1).sum(-1) == 10)
    phi = xi + 0.7 + 0.3 * torch.randn(3, 50, generator=gen, dtype=F64)  # rotated and perturbed
    p, x = phi.numpy(), xi.numpy()
    m = np.exp(1j * (p - x)).mean(-1)
    np.testing.assert_allclose(overlap(phi, xi).numpy(), np.abs(m), atol=1e-14)
    err = np.angle(np.exp(1j * (p - x)) * np.conj(m)[:, None] / np.abs(m)[:, None])
    np.testing.assert_allclose(phase_drift(phi, xi).numpy(), np.abs(err).mean(-1), atol=1e-12)
    np.testing.assert_allclose(fraction_wrong(phi, xi).numpy(), (np.abs(err) > np.pi / 2).mean(-1))
    np.testing.assert_allclose(fraction_wrong(cue, xi).numpy(), 0.2)


@pytest.mark.parametrize("device", DEVICES)
def test_cuda_learning_and_recall_match_the_float64_cpu_path(device):
    gen = torch.Generator().manual_seed(11)
    N = 30
    xi = binary_patterns(3, N, gen)
    cue = flip_units(xi, 0.1, gen, jitter=0.1)
    cfg = DRAIConfig(N=N, window_steps=40, transient_steps=10, gate_threshold=0.5, h2=0.2)
    out = {}
    for dev in ("cpu", device):
        net = DRAINetwork(cfg, seed=0, device=dev, dtype=F64)
        phi0 = torch.zeros(3, N, dtype=F64)
        for _ in range(3):
            net.learn(Stimulus(xi, mode="force", strength=2.0), phi0=phi0)
        out[dev] = (net.W.cpu(), net.recall(cue).cpu(), net.counter.as_dict())
        assert net.W.device.type == torch.device(dev).type
    torch.testing.assert_close(out[device][0], out["cpu"][0], rtol=0, atol=1e-10)
    torch.testing.assert_close(out[device][1], out["cpu"][1], rtol=0, atol=1e-8)
    assert out[device][2] == out["cpu"][2]


def test_binary_patterns_are_exact_zero_or_pi_in_float64():
    xi = binary_patterns(4, 50, torch.Generator().manual_seed(0))
    assert xi.dtype == torch.float64
    assert torch.all((xi == 0.0) | (xi == math.pi))
    assert torch.equal(torch.cos(xi).abs(), torch.ones_like(xi))
