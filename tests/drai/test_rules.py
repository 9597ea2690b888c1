"""The DRAI learning rule and its stabilisers (§3, §4, §7) against independent computations.

References: numpy formulas for every g, numerical quadrature for the zero-mean property and the
Gaussian baseline, the closed-form iterate of w ← (1 − λ)w + η⟨cos⟩ with the analytic discrete time
average of clamped rotating phases, numpy row norms / argsort for homeostasis and sparsity, and
hypothesis properties for bounds and symmetry.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

from resonant.drai.dynamics import Clamp, integrate
from resonant.drai.rules import (
    apply_update,
    complex_hebbian_delta,
    cosine,
    evaluate_g,
    gaussian,
    gaussian_baseline,
    hebbian_delta,
    homeostatic_scaling,
    indicator_delta,
    make_g,
    outer_product_weights,
    piecewise_linear,
    resonance_indicator,
    row_norms,
    sigmoid,
    sparsify,
)

F64 = torch.float64
angles = torch.linspace(-12.0, 12.0, 2001, dtype=F64)


def _wrap(x):
    return (x + np.pi) % (2 * np.pi) - np.pi


def test_g_functions_match_numpy_formulas():
    a = angles.numpy()
    d = _wrap(a)
    np.testing.assert_allclose(cosine(angles).numpy(), np.cos(a), atol=1e-15)
    b = quad(lambda x: math.exp(-x * x / (2 * 0.4**2)), -math.pi, math.pi)[0] / (2 * math.pi)
    np.testing.assert_allclose(gaussian(angles, sigma=0.4).numpy(), np.exp(-d**2 / (2 * 0.4**2)) - b, atol=1e-12)
    np.testing.assert_allclose(gaussian(angles, sigma=0.4, centered=False).numpy(), np.exp(-d**2 / 0.32), atol=1e-15)
    np.testing.assert_allclose(sigmoid(angles, gain=3.0, offset=0.2).numpy(),
                               2 / (1 + np.exp(-3.0 * (np.cos(a) - 0.2))) - 1, atol=1e-14)
    w = 1.0
    pl = np.where(np.abs(d) <= w, 1 - np.abs(d) / w, -(np.abs(d) - w) / (np.pi - w))
    np.testing.assert_allclose(piecewise_linear(angles, width=w).numpy(), pl, atol=1e-14)
    # in phase → +1 (or the maximum), anti-phase → negative (§4)
    for g in (cosine, make_g("gaussian", sigma=0.5), make_g("sigmoid", gain=4.0), piecewise_linear):
        v = g(torch.tensor([0.0, math.pi], dtype=F64))
        assert v[0] > 0 > v[1]


@pytest.mark.parametrize("sigma", [0.2, 0.5, 1.5, 4.0])
def test_gaussian_baseline_is_the_circular_mean(sigma):
    ref = quad(lambda x: math.exp(-x * x / (2 * sigma**2)), -math.pi, math.pi)[0] / (2 * math.pi)
    assert abs(gaussian_baseline(sigma) - ref) < 1e-12


@pytest.mark.parametrize("name,params", [("cosine", {}), ("gaussian", {"sigma": 0.5}), ("sigmoid", {"gain": 6.0}),
                                         ("piecewise_linear", {"width": math.pi / 2})])
def test_drifting_pairs_average_to_zero(name, params):
    # a uniformly drifting phase difference gives ⟨g⟩ = 0: no net change for unrelated pairs
    g = make_g(name, **params)
    ref = quad(lambda x: float(g(torch.tensor(x, dtype=F64))), -math.pi, math.pi, limit=200)[0] / (2 * math.pi)
    assert abs(ref) < 1e-9


def test_make_g_and_user_g_validation():
    with pytest.raises(ValueError, match="unknown learning function g='tanh'"):
        make_g("tanh")
    with pytest.raises(ValueError, match="cosine g takes no parameters"):
        make_g("cosine", sigma=1.0)
    with pytest.raises(ValueError, match="sigma"):
        gaussian(angles, sigma=0.0)
    with pytest.raises(ValueError, match="shape"):
        evaluate_g(lambda d: d.sum(), angles)
    with pytest.raises(ValueError, match="non-finite"):
        evaluate_g(lambda d: d / 0.0, angles)
    torch.testing.assert_close(evaluate_g(lambda d: torch.sin(d), angles), torch.sin(angles))


def test_hebbian_delta_and_indicator():
    gen = torch.Generator().manual_seed(0)
    m = torch.randn(3, 5, 5, generator=gen, dtype=F64)
    d = hebbian_delta(m, 0.2)
    ref = 0.2 * m.numpy()
    ref[:, np.arange(5), np.arange(5)] = 0
    np.testing.assert_allclose(d.numpy(), ref, atol=1e-15)
    zz = torch.polar(torch.rand(4, 4, generator=gen, dtype=F64), 2 * math.pi * torch.rand(4, 4, generator=gen,
                                                                                          dtype=F64))
    R = resonance_indicator(zz, threshold=0.5, max_lag=0.8)
    z = zz.numpy()
    Rref = ((np.abs(z) >= 0.5) & (np.abs(np.angle(z)) <= 0.8)).astype(float)
    np.fill_diagonal(Rref, 0)
    np.testing.assert_array_equal(R.numpy(), Rref)
    np.testing.assert_array_equal(indicator_delta(R, 0.3).numpy(), 0.3 * Rref)


def _discrete_cos_average(a, b, dt, n):
    """(1/n) Σ_{m=1}^{n} cos(a + b m Δt) by the geometric series (b ≠ 0)."""
    q = np.exp(1j * b * dt)
    return np.real(np.exp(1j * a) * q * (1 - q**n) / (1 - q)) / n


def test_cosine_rule_with_decay_converges_to_eta_over_lambda_times_the_analytic_time_average():
    N, dt, steps = 4, 0.05, 60
    psi = torch.tensor([0.0, 0.4, 2.0, -1.0], dtype=F64)
    Omega = torch.tensor([0.0, 0.3, -0.5, 1.1], dtype=F64)
    clamp = Clamp(torch.ones(N, dtype=torch.bool), psi, Omega)
    _, st = integrate(lambda t, p: torch.zeros_like(p), torch.zeros(N, dtype=F64), dt=dt, steps=steps, clamp=clamp)
    a = (psi[:, None] - psi[None, :]).numpy()
    b = (Omega[:, None] - Omega[None, :]).numpy()
    avg = np.where(b == 0, np.cos(a), _discrete_cos_average(a, np.where(b == 0, 1.0, b), dt, steps))
    np.testing.assert_allclose(st.mean_cos.numpy(), avg, atol=1e-13)
    eta, lam = 0.03, 0.1
    W = torch.zeros(N, N, dtype=F64)
    for n in range(1, 301):
        W = apply_update(W, hebbian_delta(st.mean_cos, eta), decay=lam)
        if n == 7:  # from w_0 = 0: w_n = (η/λ)(1 − (1 − λ)^n)⟨cos⟩
            ref = eta / lam * (1 - (1 - lam) ** 7) * avg
            np.fill_diagonal(ref, 0)
            np.testing.assert_allclose(W.numpy(), ref, atol=1e-14)
    ref = eta / lam * avg
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(W.numpy(), ref, atol=1e-12)


mats = st.integers(2, 7).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, 2**31 - 1)))


@given(mats, st.floats(-2, 0), st.floats(0.01, 2), st.floats(0, 1), st.booleans())
def test_updates_respect_bounds_and_zero_diagonal(ns, lo, width, decay, symmetric):
    n, seed = ns
    gen = torch.Generator().manual_seed(seed)
    W = 3 * torch.randn(2, n, n, generator=gen, dtype=F64)
    delta = 3 * torch.randn(2, n, n, generator=gen, dtype=F64)
    out = apply_update(W, delta, decay=decay, w_min=lo, w_max=lo + width, symmetric=symmetric)
    off = ~torch.eye(n, dtype=torch.bool)
    assert torch.all(out[:, off] >= lo) and torch.all(out[:, off] <= lo + width)
    assert torch.all(torch.diagonal(out, dim1=-2, dim2=-1) == 0)


@given(mats, st.floats(0, 1))
def test_symmetric_option_keeps_W_exactly_symmetric(ns, decay):
    n, seed = ns
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(n, n, generator=gen, dtype=F64)
    W = W + W.T
    delta = torch.randn(n, n, generator=gen, dtype=F64)  # asymmetric Δ (e.g. an asymmetric g)
    mask = torch.rand(n, n, generator=gen) < 0.5  # asymmetric mask
    out = apply_update(W, delta, decay=decay, symmetric=True, mask=mask, w_min=-1.5, w_max=1.5)
    assert torch.equal(out, out.T)
    C = torch.complex(W, torch.randn(n, n, generator=gen, dtype=F64))
    C = C + C.mH
    outc = apply_update(C, torch.complex(delta, delta.T), decay=decay, symmetric=True, w_max=1.0)
    assert torch.equal(outc, outc.mH)


def test_mask_leaves_unmasked_entries_untouched():
    gen = torch.Generator().manual_seed(1)
    W = torch.randn(5, 5, generator=gen, dtype=F64).fill_diagonal_(0)
    mask = torch.rand(5, 5, generator=gen) < 0.4
    out = apply_update(W, torch.ones(5, 5, dtype=F64), decay=0.5, mask=mask)
    assert torch.equal(out[~mask], W[~mask])
    off = mask & ~torch.eye(5, dtype=torch.bool)
    torch.testing.assert_close(out[off], 0.5 * W[off] + 1.0)


def test_complex_rule_and_complex_bounds():
    gen = torch.Generator().manual_seed(2)
    phi = torch.randn(30, 4, generator=gen, dtype=F64)
    z = torch.polar(torch.ones_like(phi), phi)
    mean_zz = (z[:, :, None] * z[:, None, :].conj()).mean(0)
    dc = complex_hebbian_delta(mean_zz, 0.1)
    dcos = hebbian_delta(torch.cos(phi[:, :, None] - phi[:, None, :]).mean(0), 0.1)
    torch.testing.assert_close(dc.real, dcos)  # Re of the complex rule = the cosine rule
    big = torch.polar(torch.full((3, 3), 2.0, dtype=F64), torch.randn(3, 3, generator=gen, dtype=F64))
    out = apply_update(torch.zeros_like(big), big, w_max=0.5)
    off = ~torch.eye(3, dtype=torch.bool)
    torch.testing.assert_close(out.abs()[off], torch.full((6,), 0.5, dtype=F64))
    torch.testing.assert_close(torch.angle(out)[off], torch.angle(big)[off])
    with pytest.raises(TypeError):
        complex_hebbian_delta(mean_zz.real, 0.1)


@given(mats, st.floats(0.1, 5.0), st.sampled_from(["l1", "l2"]))
def test_homeostatic_scaling_sets_every_row_norm_to_target(ns, target, norm):
    n, seed = ns
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(3, n, n, generator=gen, dtype=F64).masked_fill(torch.eye(n, dtype=torch.bool), 0)
    out = homeostatic_scaling(W, target, norm=norm)
    ref = np.linalg.norm(out.numpy(), ord=2 if norm == "l2" else 1, axis=-1)
    np.testing.assert_allclose(ref, target, rtol=1e-12)
    # scaling is per row: each row is a positive multiple of the old one
    ratio = out / W
    np.testing.assert_allclose(ratio.numpy()[..., 0, 1:], ratio.numpy()[..., 0, 1:1 + 1].repeat(n - 1, -1), rtol=1e-12)


def test_homeostatic_scaling_symmetric_converges_on_dense_matrices_and_keeps_zero_rows():
    gen = torch.Generator().manual_seed(3)
    n = 8
    A = torch.rand(n, n, generator=gen, dtype=F64) + 0.1
    W = (A + A.T).fill_diagonal_(0)
    for norm in ("l1", "l2"):
        out = homeostatic_scaling(W, 2.0, norm=norm, symmetric=True)
        assert torch.equal(out, out.T)
        np.testing.assert_allclose(row_norms(out, norm).numpy(), 2.0, rtol=1e-9)
    Z = W.clone()
    Z[3, :] = 0
    Z[:, 3] = 0
    out = homeostatic_scaling(Z, 1.0)
    assert torch.all(out[3] == 0)
    with pytest.raises(ValueError, match="target"):
        homeostatic_scaling(W, 0.0)


def test_sparsify_keeps_exactly_the_k_largest_per_row():
    gen = torch.Generator().manual_seed(4)
    n, k = 9, 3
    W = torch.randn(2, n, n, generator=gen, dtype=F64).masked_fill(torch.eye(n, dtype=torch.bool), 0)
    out = sparsify(W, k=k)
    assert torch.all((out != 0).sum(-1) == k)
    a = np.abs(W.numpy())
    for b in range(2):
        for i in range(n):
            row = a[b, i].copy()
            row[i] = -1
            top = set(np.argsort(-row)[:k])
            assert set(np.nonzero(out[b, i].numpy())[0]) == top
    th = sparsify(W, threshold=0.8)
    assert torch.equal(th, torch.where(W.abs() >= 0.8, W, torch.zeros_like(W)))
    S = W[0] + W[0].T
    sym = sparsify(S, k=k, symmetric=True)
    assert torch.equal(sym, sym.T) and torch.all((sym != 0).sum(-1) <= k)
    with pytest.raises(ValueError, match="sparsity k"):
        sparsify(W, k=n)


def test_outer_product_weights_are_the_hopfield_matrix_for_binary_patterns():
    gen = torch.Generator().manual_seed(5)
    s = torch.randint(0, 2, (4, 10), generator=gen) * 2 - 1
    xi = torch.where(s > 0, 0.0, math.pi).to(F64)
    W = outer_product_weights(xi)
    ref = (s.T.double() @ s.double()).numpy() / 4
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(W.numpy(), ref, atol=1e-14)
    C = outer_product_weights(xi, complex_weights=True)
    torch.testing.assert_close(C.real, W)
