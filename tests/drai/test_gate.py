"""Event-driven plasticity (DRAI §6): the resonance gate and the operation counters.

References: the PLV computed in numpy from a recorded trajectory, hypothesis properties of the gate
("never writes a pair below threshold", "writes counter = pairs above threshold"), and hand counts of
the multiply-adds of a network run.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from resonant.drai import DRAIConfig, DRAINetwork, Stimulus
from resonant.drai.dynamics import integrate, phase_velocity
from resonant.drai.gate import OpCounter, gated_update, phase_locking_value, resonance_gate

F64 = torch.float64


def test_plv_equals_numpy_mean_phasor_of_phase_differences():
    gen = torch.Generator().manual_seed(0)
    N = 6
    omega = torch.randn(N, generator=gen, dtype=F64)
    W = 0.5 * torch.rand(N, N, generator=gen, dtype=F64)
    _, st_ = integrate(lambda t, p: phase_velocity(p, omega, W), torch.zeros(N, dtype=F64), dt=0.05, steps=80,
                       trajectory=True)
    tr = st_.trajectory.numpy()
    ref = np.abs(np.exp(1j * (tr[:, :, None] - tr[:, None, :])).mean(0))
    np.testing.assert_allclose(phase_locking_value(st_.mean_zz).numpy(), ref, atol=1e-13)
    assert np.all(ref <= 1 + 1e-12)
    with pytest.raises(TypeError):
        phase_locking_value(st_.mean_zz.real)


cases = st.tuples(st.integers(2, 7), st.integers(0, 2**31 - 1), st.floats(0.0, 1.0), st.booleans())


@given(cases)
def test_gate_never_writes_a_pair_below_threshold_and_counts_exactly_the_writes(case):
    n, seed, threshold, symmetric = case
    gen = torch.Generator().manual_seed(seed)
    plv = torch.rand(2, n, n, generator=gen, dtype=F64)
    if symmetric:
        plv = 0.5 * (plv + plv.transpose(-1, -2))
    W = torch.randn(2, n, n, generator=gen, dtype=F64)
    W = (W + W.transpose(-1, -2) if symmetric else W).masked_fill(torch.eye(n, dtype=torch.bool), 0)
    delta = torch.randn(2, n, n, generator=gen, dtype=F64)
    c = OpCounter()
    new, mask = gated_update(W, delta, plv, threshold, decay=0.1, w_min=-5, w_max=5, symmetric=symmetric, counter=c)
    off = ~torch.eye(n, dtype=torch.bool)
    above = (plv >= threshold) & off
    assert torch.equal(mask, above)
    assert torch.equal(new[~above], W[~above])  # nothing below threshold (or on the diagonal) changes
    assert c.weight_writes == int(above.sum())
    assert c.pair_evaluations == 2 * n * (n - 1)
    expect = W.clone()
    d = 0.5 * (delta + delta.transpose(-1, -2)) if symmetric else delta
    expect[above] = (0.9 * W + d)[above].clamp(-5, 5)
    torch.testing.assert_close(new, expect, rtol=0, atol=1e-15)


@given(st.integers(2, 8), st.integers(0, 2**31 - 1), st.floats(0.0, 1.0))
def test_resonance_gate_is_plv_at_least_threshold_off_the_diagonal(n, seed, threshold):
    plv = torch.rand(n, n, generator=torch.Generator().manual_seed(seed), dtype=F64)
    m = resonance_gate(plv, threshold)
    ref = (plv.numpy() >= threshold) & ~np.eye(n, dtype=bool)
    np.testing.assert_array_equal(m.numpy(), ref)


def test_decay_ungated_counts_every_decayed_weight():
    W = torch.tensor([[0.0, 0.5, 0.0], [0.5, 0.0, 0.2], [0.0, 0.2, 0.0]], dtype=F64)
    plv = torch.tensor([[1.0, 0.9, 0.1], [0.9, 1.0, 0.1], [0.1, 0.1, 1.0]], dtype=F64)
    c = OpCounter()
    new, _ = gated_update(W, torch.zeros_like(W), plv, 0.5, decay=0.5, decay_ungated=True, counter=c)
    assert c.weight_writes == 2 + 2  # (0,1),(1,0) gated; (1,2),(2,1) non-zero and decayed
    torch.testing.assert_close(new, 0.5 * W)


def test_op_counter_arithmetic():
    a = OpCounter(pair_evaluations=3, weight_writes=2, dynamics_ops=10, statistics_ops=5, windows=1)
    b = OpCounter(dynamics_ops=1)
    assert (a + b).dynamics_ops == 11
    a.add(weight_writes=4)
    assert a.weight_writes == 6
    assert a.flops == 2 * (10 + 5) + 3 + 2 * 6
    assert a.as_dict()["flops"] == a.flops
    with pytest.raises(KeyError, match="unknown counter"):
        a.add(energy=1)
    a.reset()
    assert a.as_dict()["flops"] == 0


def test_gate_at_zero_threshold_equals_the_dense_update():
    gen = torch.Generator().manual_seed(1)
    cfg = DRAIConfig(N=8, window_steps=20, noise=0.2)
    psi = torch.rand(3, 8, generator=gen, dtype=F64) * 6
    nets = [DRAINetwork(cfg.replace(gate_threshold=g), seed=5) for g in (None, 0.0)]
    for net in nets:
        for _ in range(3):
            net.learn(Stimulus(psi, mode="force", strength=1.0))
    torch.testing.assert_close(nets[0].W, nets[1].W, rtol=0, atol=0)
    assert nets[0].counter.weight_writes == nets[1].counter.weight_writes == 3 * 8 * 7
    assert nets[0].counter.pair_evaluations == 0 and nets[1].counter.pair_evaluations == 3 * 8 * 7


def test_network_gate_writes_only_locked_pairs():
    # units 0-3 are driven by a common input (locked), units 4-7 drift at spread frequencies
    N = 8
    cfg = DRAIConfig(N=N, window_steps=200, gate_threshold=0.8, omega_std=0.0, coupling=0.0)
    net = DRAINetwork(cfg, seed=0)
    net.omega = torch.tensor([0.0] * 4 + [1.0, -1.3, 2.1, -2.9], dtype=F64)
    psi = torch.tensor([0.0, 0.5, 1.0, 1.5, 0, 0, 0, 0], dtype=F64)
    mask = torch.tensor([True] * 4 + [False] * 4)
    res = net.learn(Stimulus(psi, mode="clamp", mask=mask))
    locked = torch.zeros(N, N, dtype=torch.bool)
    locked[:4, :4] = True
    locked.fill_diagonal_(False)
    assert torch.equal(res.mask, locked)
    assert torch.all(net.W[~locked] == 0) and torch.all(net.W[locked] != 0)
    assert net.counter.weight_writes == 12


def test_network_counts_dynamics_ops_as_nnz_per_evaluation():
    N, steps = 10, 7
    gen = torch.Generator().manual_seed(2)
    cfg = DRAIConfig(N=N, h2=0.3, integrator="rk4")
    net = DRAINetwork(cfg, seed=0)
    W = torch.randn(N, N, generator=gen, dtype=F64)
    W = (W + W.T) * (torch.rand(N, N, generator=gen) < 0.5)
    W = W.masked_fill(torch.eye(N, dtype=torch.bool), 0)
    W = 0.5 * (W + W.T)
    net.W = W
    nnz = int((W != 0).sum())
    net.run(torch.zeros(3, N, dtype=F64), steps=steps, statistics=True)
    # 4 rhs evaluations per RK4 step, 3 phase vectors, nnz for the weighted sum + N for the uniform 2nd harmonic
    assert net.counter.dynamics_ops == steps * 4 * 3 * (nnz + N)
    assert net.counter.statistics_ops == steps * 3 * N * N
