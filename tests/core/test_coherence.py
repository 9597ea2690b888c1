"""Coherence statistics of RCS §5.1-5.3: eqs. (15)-(19).

The random-phase expectation (16) is checked against Monte-Carlo estimates and exact small-n
integrals (scipy quadrature); coherence and division scores against numpy recomputations.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from resonant.core.coherence import (
    coherence,
    division_score,
    expected_random_magnitude,
    random_phase_baseline,
)

F64 = torch.float64
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # ≈ 1.128

weight = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
angle = st.floats(min_value=0.0, max_value=2 * math.pi, allow_nan=False, allow_infinity=False)


def _monte_carlo_abs_sum(a: np.ndarray, draws: int, seed: int) -> tuple[float, float]:
    """Mean and standard error of |Σ a_i e^{iθ_i}| with θ_i i.i.d. uniform."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0.0, 2 * np.pi, size=(draws, a.size))
    mags = np.abs(np.exp(1j * theta) @ a)
    return float(mags.mean()), float(mags.std(ddof=1) / math.sqrt(draws))


def _stats(w: np.ndarray, phi: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    u_abs = abs(np.sum(w * np.exp(1j * phi)))
    return torch.tensor(u_abs), torch.tensor(w.sum()), torch.tensor((w**2).sum())


# --------------------------------------------------------------------------- eq. (16)


def test_expected_random_magnitude_monte_carlo_n50():
    rng = np.random.default_rng(2024)
    a = rng.uniform(0.2, 2.0, size=50)
    mc_mean, mc_se = _monte_carlo_abs_sum(a, draws=40_000, seed=7)
    predicted = float(expected_random_magnitude(torch.tensor(a)))
    assert mc_se / mc_mean < 0.005  # the estimate itself is good to well under 2 %
    assert abs(predicted - mc_mean) / mc_mean < 0.02


def test_expected_random_magnitude_equal_weights_is_0886_a_sqrt_n():
    a, n = 1.7, 64
    value = float(expected_random_magnitude(torch.full((n,), a, dtype=F64)))
    assert value == pytest.approx(0.886 * a * math.sqrt(n), rel=1e-3)
    assert value == pytest.approx(math.sqrt(math.pi) / 2 * a * math.sqrt(n), rel=1e-14)


def test_expected_random_magnitude_small_n_bias_single_contributor():
    # Eq. (16) is asymptotic (Rayleigh limit). For n = 1 the magnitude is exactly a (no
    # randomness at all) but the formula gives √(π/4)·a ≈ 0.886a: an 11 % underestimate.
    a = 2.5
    mc_mean, _ = _monte_carlo_abs_sum(np.array([a]), draws=1000, seed=0)
    assert mc_mean == pytest.approx(a, rel=1e-12)
    predicted = float(expected_random_magnitude(torch.tensor([a], dtype=F64)))
    assert predicted == pytest.approx(0.886 * a, rel=1e-3)
    assert predicted / mc_mean == pytest.approx(math.sqrt(math.pi / 4), rel=1e-12)


def test_expected_random_magnitude_small_n_bias_two_contributors():
    # Exact E|a + b e^{iθ}| by quadrature; for a = b it is 4a/π ≈ 1.273a vs √(π/2)a ≈ 1.253a.
    # Jensen gives E|S| ≤ √(Σa²), so the formula is never below √(π/4) of the truth; it is
    # worst (the n = 1 limit) when one weight dominates.
    for a, b in [(1.0, 1.0), (1.0, 0.3), (2.0, 5.0), (1.0, 1e-3)]:
        exact, _ = integrate.quad(lambda t, a=a, b=b: abs(a + b * np.exp(1j * t)), 0, 2 * np.pi, limit=200)
        exact /= 2 * np.pi
        predicted = float(expected_random_magnitude(torch.tensor([a, b], dtype=F64)))
        assert math.sqrt(math.pi / 4) - 1e-9 <= predicted / exact < 1.0
    equal = float(expected_random_magnitude(torch.tensor([1.0, 1.0], dtype=F64)))
    assert equal / (4 / math.pi) == pytest.approx(math.sqrt(math.pi / 2) / (4 / math.pi), rel=1e-14)
    assert equal / (4 / math.pi) < 0.99


def test_expected_random_magnitude_bias_shrinks_with_n():
    errors = []
    for n in (1, 4, 32):
        a = np.ones(n)
        mc_mean, _ = _monte_carlo_abs_sum(a, draws=40_000, seed=n)
        errors.append(abs(float(expected_random_magnitude(torch.tensor(a))) - mc_mean) / mc_mean)
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.01


def test_expected_random_magnitude_batched_dim():
    a = torch.tensor([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]], dtype=F64)
    k = math.sqrt(math.pi / 4)
    np.testing.assert_allclose(expected_random_magnitude(a, dim=1).numpy(), [5 * k, 0.0, k], rtol=1e-15)
    np.testing.assert_allclose(
        expected_random_magnitude(a, dim=0).numpy(), [k * math.sqrt(10), k * 4], rtol=1e-15
    )


# --------------------------------------------------------------------------- eq. (15)


@given(st.lists(st.tuples(weight, angle), min_size=1, max_size=40))
def test_coherence_in_unit_interval(pairs):
    w = np.array([p[0] for p in pairs])
    phi = np.array([p[1] for p in pairs])
    u_abs, w_sum, _ = _stats(w, phi)
    coh = float(coherence(u_abs, w_sum))
    assert 0.0 <= coh <= 1.0 + 1e-12
    assert coh == pytest.approx(float(u_abs) / w.sum(), rel=1e-14)


@given(st.lists(weight, min_size=1, max_size=40), angle)
def test_coherence_aligned_phasors_is_one(ws, theta):
    w = np.array(ws)
    u_abs, w_sum, _ = _stats(w, np.full(w.size, theta))
    assert float(coherence(u_abs, w_sum)) == pytest.approx(1.0, abs=1e-12)


def test_coherence_zero_weight_is_zero_not_nan():
    out = coherence(torch.tensor([0.0, 0.0, 0.5], dtype=F64), torch.tensor([0.0, 0.0, 1.0], dtype=F64))
    assert torch.equal(out, torch.tensor([0.0, 0.0, 0.5], dtype=F64))


def test_coherence_antialigned_is_zero():
    w = np.array([1.0, 1.0])
    u_abs, w_sum, _ = _stats(w, np.array([0.2, 0.2 + np.pi]))
    assert float(coherence(u_abs, w_sum)) < 1e-15


# --------------------------------------------------------------------------- eqs. (17)-(18)


@given(st.integers(1, 500), weight)
def test_random_phase_baseline_equal_weights(n, a):
    w = torch.full((n,), a, dtype=F64)
    b = float(random_phase_baseline(w.sum(), (w * w).sum()))
    assert b == pytest.approx(math.sqrt(math.pi) / 2 / math.sqrt(n), rel=1e-12)
    assert b == pytest.approx(0.886 / math.sqrt(n), rel=1e-3)


@given(st.lists(weight, min_size=1, max_size=40))
def test_random_phase_baseline_matches_numpy(ws):
    w = np.array(ws)
    b = float(random_phase_baseline(torch.tensor(w.sum()), torch.tensor((w**2).sum())))
    assert b == pytest.approx(np.sqrt(np.pi / 4) * np.linalg.norm(w) / w.sum(), rel=1e-13)


def test_random_phase_baseline_is_expected_coherence_monte_carlo():
    # eq. (17): E[coh] ≈ b for many random-phase contributors
    rng = np.random.default_rng(5)
    w = rng.uniform(0.5, 1.5, size=60)
    mc_mean, _ = _monte_carlo_abs_sum(w, draws=20_000, seed=11)
    b = float(random_phase_baseline(torch.tensor(w.sum()), torch.tensor((w**2).sum())))
    assert abs(b - mc_mean / w.sum()) / b < 0.02


def test_random_phase_baseline_zero_weight_is_zero_not_nan():
    out = random_phase_baseline(torch.zeros(3, dtype=F64), torch.zeros(3, dtype=F64))
    assert torch.equal(out, torch.zeros(3, dtype=F64))


# --------------------------------------------------------------------------- eq. (19)


@given(st.lists(st.tuples(weight, angle), min_size=1, max_size=40))
def test_division_score_is_coh_over_baseline(pairs):
    w = np.array([p[0] for p in pairs])
    phi = np.array([p[1] for p in pairs])
    u = np.sum(w * np.exp(1j * phi))
    coh_np = abs(u) / w.sum()
    b_np = math.sqrt(math.pi / 4) * math.sqrt(np.sum(w**2)) / w.sum()
    u_abs, w_sum, w_sq = _stats(w, phi)
    D = float(division_score(u_abs, w_sum, w_sq))
    assert D == pytest.approx(coh_np / b_np, rel=1e-12, abs=1e-14)
    # and it agrees with the package's own coh / b
    coh_t = coherence(u_abs, w_sum)
    b_t = random_phase_baseline(w_sum, w_sq)
    assert D == pytest.approx(float(coh_t / b_t), rel=1e-12, abs=1e-14)


@given(weight, angle)
def test_division_score_single_contributor_is_two_over_sqrt_pi(a, theta):
    # Pitfall: a one-bond carrier is perfectly "coherent" (coh = 1) but its baseline is
    # √(π/4) < 1, so D = 2/√π ≈ 1.128 > 1 regardless of its phase or weight.
    u_abs, w_sum, w_sq = _stats(np.array([a]), np.array([theta]))
    D = float(division_score(u_abs, w_sum, w_sq))
    assert D == pytest.approx(TWO_OVER_SQRT_PI, rel=1e-13)
    assert D == pytest.approx(1.128, abs=5e-4)


@given(st.integers(1, 200), weight)
def test_division_score_aligned_equal_weights_is_sqrt_n_times_1128(n, a):
    w = np.full(n, a)
    D = float(division_score(*_stats(w, np.zeros(n))))
    assert D == pytest.approx(TWO_OVER_SQRT_PI * math.sqrt(n), rel=1e-12)


def test_division_score_is_one_on_average_for_random_phases():
    rng = np.random.default_rng(9)
    n, draws = 80, 5000
    w = rng.uniform(0.5, 2.0, size=n)
    theta = rng.uniform(0, 2 * np.pi, size=(draws, n))
    u_abs = torch.tensor(np.abs(np.exp(1j * theta) @ w))
    D = division_score(u_abs, torch.tensor(w.sum()), torch.tensor((w**2).sum()))
    assert float(D.mean()) == pytest.approx(1.0, abs=0.03)


def test_division_score_cancellation_below_one():
    # two antialigned equal phasors cancel: D ≈ 0 < 1 ("active cancellation")
    D = float(division_score(*_stats(np.array([1.0, 1.0]), np.array([0.0, np.pi]))))
    assert D < 1e-15


def test_division_score_zero_weight_is_zero_not_nan():
    z = torch.zeros(4, dtype=F64)
    out = division_score(z, z, z)
    assert torch.equal(out, z)
    mixed = division_score(
        torch.tensor([0.0, 2.0], dtype=F64),
        torch.tensor([0.0, 2.0], dtype=F64),
        torch.tensor([0.0, 4.0], dtype=F64),
    )
    assert torch.all(torch.isfinite(mixed))
    assert float(mixed[0]) == 0.0
    assert float(mixed[1]) == pytest.approx(TWO_OVER_SQRT_PI, rel=1e-14)


def test_division_score_from_sparse_carriers_batched():
    # several carriers at once, weights w_ik = P_ik A_i, compare per carrier with numpy
    rng = np.random.default_rng(3)
    N, M = 30, 6
    P = (rng.uniform(size=(N, M)) < 0.3) * rng.uniform(0.1, 1.0, size=(N, M))
    P[:, 5] = 0.0  # an empty carrier
    A = rng.uniform(0.5, 1.5, size=N)
    phi = rng.uniform(0, 2 * np.pi, size=N)
    W = P * A[:, None]
    u = W.T @ (np.exp(1j * phi))
    w_sum, w_sq = W.sum(0), (W**2).sum(0)
    D = division_score(torch.tensor(np.abs(u)), torch.tensor(w_sum), torch.tensor(w_sq)).numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = (np.abs(u) / w_sum) / (np.sqrt(np.pi / 4) * np.sqrt(w_sq) / w_sum)
    expected[w_sum == 0] = 0.0
    np.testing.assert_allclose(D, expected, rtol=1e-12)
    assert D[5] == 0.0
