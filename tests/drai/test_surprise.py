"""Surprise-driven adaptation (DRAI §7), our operationalisation, against closed forms and protocols.

Pure functions are checked against hand/numpy values and the exponential relaxation law; the network
protocols compare the same run with the mechanism on and off (same seed, same inputs): a reversal
(A → B) and a desynchronise-then-return episode (A → noise → A) against the literal "reset" reading.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from resonant.drai import DRAIConfig, DRAINetwork, Stimulus, binary_patterns, outer_product_weights
from resonant.drai.network import random_phase_patterns
from resonant.drai.surprise import (
    SurpriseParams,
    SurpriseState,
    error_surprise,
    global_surprise,
    locking_drop,
    locking_to_expected,
    plasticity_update,
    reactivation_factor,
    surprise_step,
    trace_update,
)

F64 = torch.float64
C128 = torch.complex128


def test_locking_drop_cases():
    expected = torch.tensor([[1.0, 0.8 * np.exp(0.3j)], [0.0, 0.8 * np.exp(-0.3j)]], dtype=C128)
    same = expected.clone()
    lost = torch.zeros_like(expected)
    flipped = -expected
    torch.testing.assert_close(locking_drop(same, expected), torch.zeros(2, 2, dtype=F64))
    torch.testing.assert_close(locking_drop(lost, expected), expected.abs())
    torch.testing.assert_close(locking_drop(flipped, expected), 2 * expected.abs())
    # a new lock where nothing was expected is not a drop
    new = torch.ones(2, 2, dtype=C128)
    assert locking_drop(new, torch.zeros(2, 2, dtype=C128)).abs().max() == 0
    gen = torch.Generator().manual_seed(0)
    a = torch.polar(torch.rand(5, 5, generator=gen, dtype=F64), torch.randn(5, 5, generator=gen, dtype=F64))
    b = torch.polar(torch.rand(5, 5, generator=gen, dtype=F64), torch.randn(5, 5, generator=gen, dtype=F64))
    L = np.abs(a.numpy()) * np.cos(np.angle(a.numpy()) - np.angle(b.numpy()))
    np.testing.assert_allclose(locking_to_expected(a, b).numpy(), L, atol=1e-14)
    np.testing.assert_allclose(locking_drop(a, b).numpy(), np.maximum(0, np.abs(b.numpy()) - L), atol=1e-14)


def test_global_and_error_surprise():
    d = torch.tensor([[5.0, 1.0, 0.0], [1.0, 7.0, 0.5], [0.0, 0.5, 9.0]], dtype=F64)
    assert global_surprise(d).item() == pytest.approx(3.0 / 6)  # the diagonal is not a pair
    e = error_surprise(torch.tensor([0.3, 0.1], dtype=F64), torch.tensor([0.1, 0.2], dtype=F64))
    torch.testing.assert_close(e, torch.tensor([0.2, 0.0], dtype=F64))
    assert global_surprise(d, torch.tensor(0.25, dtype=F64)).item() == pytest.approx(0.75)


def test_surprise_raises_plasticity_on_implicated_pairs_then_relaxes_exponentially():
    p = SurpriseParams(tau_plasticity=4.0, gain=2.0, threshold=0.01, m_max=100.0)
    m = torch.ones(3, 3, dtype=F64)
    d = torch.zeros(3, 3, dtype=F64)
    d[0, 1] = d[1, 0] = 1.0
    S = global_surprise(d)
    m1 = plasticity_update(m, d, S, p)
    assert m1[0, 1] == m1[1, 0] == 3.0
    assert torch.all(m1[d == 0] == 1.0)  # only the implicated connections
    m_n = m1
    for n in range(1, 11):
        m_n = plasticity_update(m_n, torch.zeros_like(d), torch.tensor(0.0, dtype=F64), p)
        assert m_n[0, 1].item() == pytest.approx(1 + 2.0 * math.exp(-n / 4.0), rel=1e-12)
    # below the global threshold nothing is raised
    quiet = plasticity_update(m, 0.001 * d, global_surprise(0.001 * d), p)
    assert torch.all(quiet == 1.0)
    capped = plasticity_update(m, 100 * d, global_surprise(100 * d), SurpriseParams(m_max=5.0))
    assert capped.max().item() == 5.0


def test_reactivation_factor_cases():
    trace = torch.tensor([1.0, 1.0, 1.0, -0.5, 0.0], dtype=F64)
    W = torch.tensor([0.1, 1.0, -1.0, -0.25, 0.3], dtype=F64)
    delta = torch.tensor([0.1, 0.1, 0.1, -0.1, 0.1], dtype=F64)
    r = reactivation_factor(W, trace, delta, gain=3.0)
    # dormant at 10 %: 1 + 3·0.9; at its remembered value: 1; opposite: deficit clipped to 1; half: 1 + 3·0.5;
    # no trace: 1
    torch.testing.assert_close(r, torch.tensor([1 + 2.7, 1.0, 4.0, 2.5, 1.0], dtype=F64))
    disagree = reactivation_factor(W, trace, -delta, gain=3.0)
    assert torch.all(disagree == 1.0)
    C = torch.polar(torch.tensor([0.2], dtype=F64), torch.tensor([0.4], dtype=F64))
    T = torch.polar(torch.tensor([1.0], dtype=F64), torch.tensor([0.4], dtype=F64))
    rc = reactivation_factor(C, T, T, gain=1.0)
    assert rc.item() == pytest.approx(1.8)


def test_trace_has_fast_attack_and_slow_release():
    T = torch.tensor([0.5, 0.5, 0.5], dtype=F64)
    W = torch.tensor([0.9, 0.1, -0.9], dtype=F64)
    new = trace_update(T, W, tau=10.0)
    a = 1 - math.exp(-0.1)
    torch.testing.assert_close(new, torch.tensor([0.9, 0.5 + a * (0.1 - 0.5), 0.5 + a * (-0.9 - 0.5)], dtype=F64))


def test_first_window_only_sets_the_expectation():
    W = torch.zeros(4, 4, dtype=F64)
    s = SurpriseState.zeros(W)
    zz = torch.ones(4, 4, dtype=C128)
    s1, rate, S = surprise_step(s, zz, W, torch.zeros_like(W), SurpriseParams())
    assert S.item() == 0 and torch.all(rate == 1) and s1.initialised
    torch.testing.assert_close(s1.expected, zz)
    s2, rate2, S2 = surprise_step(s1, -zz, W, torch.zeros_like(W), SurpriseParams(), error=torch.tensor(0.5))
    assert S2.item() == pytest.approx(2.0) and rate2[0, 1] > 1
    assert s2.expected_error.item() == 0.5  # first error seen sets the expectation


N = 20


def _patterns():
    gen = torch.Generator().manual_seed(0)
    return binary_patterns(2, N, gen)


def _learned(W, target):
    off = ~torch.eye(N, dtype=torch.bool)
    return float(((W * target)[off] >= 0.5).double().mean())


def _windows_to_learn(net, pattern, target, max_windows=60):
    for w in range(max_windows):
        net.learn(Stimulus(pattern))
        if _learned(net.W, target) >= 0.95:
            return w + 1
    return math.inf


def _net(**kw):
    return DRAINetwork(DRAIConfig(N=N, window_steps=5, eta=0.05, decay=0.05, **kw), seed=0)


def test_surprise_speeds_up_a_reversal_and_weakens_gradually():
    A, B = _patterns()
    tA, tB = outer_product_weights(A[None]), outer_product_weights(B[None])
    counts = {}
    for name, kw in (("off", {}), ("on", {"surprise": True, "reactivation_gain": 0.0})):
        net = _net(**kw)
        assert _windows_to_learn(net, A, tA) < math.inf
        history = [net.W.clone()]
        counts[name] = _windows_to_learn(net, B, tB)
        for _ in range(3):
            net.learn(Stimulus(B))
            history.append(net.W.clone())
        if name == "on":
            flipped = (tA * tB) < 0
            m = net.surprise_state.multiplier
            assert m[flipped].min() > 1.0  # implicated (flipped) pairs got more plasticity
            assert torch.all(m[(tA * tB) > 0] < 1 + 1e-9)  # unchanged relations did not (up to rounding)
            for _ in range(60):
                net.learn(Stimulus(B))
            assert net.surprise_state.multiplier.max().item() < 1.01  # and it relaxes back
    assert counts["on"] < counts["off"] / 2, counts
    # weakening, not a reset: with surprise on, the reversal still passes through intermediate values
    net = _net(surprise=True, reactivation_gain=0.0)
    _windows_to_learn(net, A, tA)
    flipped = (tA * tB) < 0
    w0 = net.W[flipped].clone()
    net.learn(Stimulus(B))
    w1 = net.W[flipped]
    # one surprised window removes most of the old weight (m ≈ 9 here) but neither zeroes nor flips it
    assert torch.all(w1.abs() > 0) and torch.all(torch.sign(w1) == torch.sign(w0))
    assert torch.all(w1.abs() < 0.5 * w0.abs())
    net.learn(Stimulus(B))
    assert torch.all(torch.sign(net.W[flipped]) == -torch.sign(w0))  # the new relation takes over in window 2


def _desync_then_return(gap_windows=40, **kw):
    A, _ = _patterns()
    tA = outer_product_weights(A[None])
    net = _net(**kw)
    first = _windows_to_learn(net, A, tA)
    noise = torch.Generator().manual_seed(5)
    for _ in range(gap_windows):  # 64 unrelated random phase configurations per window: no consistent relation
        net.learn(Stimulus(random_phase_patterns(64, N, noise)))
    remaining = float((net.W * tA)[~torch.eye(N, dtype=torch.bool)].mean())
    again = _windows_to_learn(net, A, tA)
    return first, remaining, again


def test_dormant_associations_reactivate_faster_than_relearning_after_a_reset():
    first, rem_plain, again_plain = _desync_then_return()
    _, rem_reset, again_reset = _desync_then_return(reset_threshold=0.5)
    _, rem_react, again_react = _desync_then_return(surprise=True, surprise_gain=0.0)
    assert rem_reset == 0.0 and again_reset == first  # the literal reset: relearning from scratch
    assert 0 < rem_plain < 1  # gradual weakening leaves a dormant trace of the association
    assert again_plain < again_reset
    assert again_react < again_plain  # the trace makes reactivation faster still
    assert 0 < rem_react


def test_a_rise_in_recall_error_raises_plasticity_on_every_pair():
    A, _ = _patterns()
    net = _net(surprise=True, surprise_gain=1.0)
    net.learn(Stimulus(A), error=torch.tensor(0.1, dtype=F64))
    quiet = net.learn(Stimulus(A), error=torch.tensor(0.1, dtype=F64))
    assert quiet.surprise.item() < 1e-12 and net.surprise_state.multiplier.max() < 1 + 1e-9
    res = net.learn(Stimulus(A), error=torch.tensor(0.4, dtype=F64))  # same phases, but recall got worse
    assert res.surprise.item() == pytest.approx(0.3, abs=1e-9)
    off = ~torch.eye(N, dtype=torch.bool)
    torch.testing.assert_close(net.surprise_state.multiplier[off], torch.full((N * (N - 1),), 1.3, dtype=F64))
