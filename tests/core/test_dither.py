"""Controlled stochastic dither, RCS §9.3.3 eq. (46): ω_i(t) = ω_i + σ ξ_i(t).

Over a step the phase gains σ·∫ξ dt ~ N(0, σ²Δt). Checked with chi-square bounds on the sample
variance, a z-test on the mean and a Kolmogorov-Smirnov test (scipy.stats), all seeded.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from resonant.core.dither import dither_increment

ALPHA = 1e-6  # two-sided false-alarm rate of each statistical check (seeded, so deterministic)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _variance_within_chi2(x: np.ndarray, var: float) -> bool:
    n = x.size
    s = (n - 1) * x.var(ddof=1) / var
    lo, hi = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], df=n - 1)
    return bool(lo < s < hi)


def test_zero_sigma_gives_zeros():
    out = dither_increment((3, 4), 0.0, 0.1)
    assert out.shape == (3, 4) and out.dtype == torch.float64
    assert torch.equal(out, torch.zeros(3, 4, dtype=torch.float64))


def test_zero_sigma_respects_dtype():
    assert dither_increment((5,), 0.0, 0.1, dtype=torch.float32).dtype == torch.float32


@pytest.mark.parametrize(("sigma", "dt"), [(0.3, 0.01), (2.0, 1e-4), (0.05, 1.0)])
def test_increment_variance_is_sigma2_dt(sigma, dt):
    x = dither_increment((200_000,), sigma, dt, generator=_gen(11)).numpy()
    assert _variance_within_chi2(x, sigma**2 * dt)
    z = x.mean() / math.sqrt(sigma**2 * dt / x.size)
    assert abs(z) < stats.norm.ppf(1 - ALPHA / 2)


def test_increment_is_gaussian():
    sigma, dt = 0.7, 0.02
    x = dither_increment((50_000,), sigma, dt, generator=_gen(3)).numpy()
    assert stats.kstest(x, "norm", args=(0.0, sigma * math.sqrt(dt))).pvalue > 1e-4


def test_variance_independent_of_subdivision():
    # Summing k sub-steps of Δt/k gives the same N(0, σ²Δt) as one step of Δt (Brownian scaling)
    sigma, dt, k, n = 0.5, 0.1, 8, 50_000
    parts = dither_increment((n, k), sigma, dt / k, generator=_gen(5)).numpy()
    assert _variance_within_chi2(parts.sum(axis=1), sigma**2 * dt)


def test_increments_are_uncorrelated_between_oscillators_and_steps():
    x = dither_increment((100_000, 2), 1.0, 1.0, generator=_gen(8)).numpy()
    r = np.corrcoef(x[:, 0], x[:, 1])[0, 1]
    r_lag = np.corrcoef(x[:-1, 0], x[1:, 0])[0, 1]
    bound = stats.norm.ppf(1 - ALPHA / 2) / math.sqrt(x.shape[0])
    assert abs(r) < bound and abs(r_lag) < bound


@given(st.integers(0, 2**63 - 1), st.floats(1e-3, 10.0), st.floats(1e-6, 1.0))
def test_same_seed_gives_identical_increments(seed, sigma, dt):
    a = dither_increment((7, 3), sigma, dt, generator=_gen(seed))
    b = dither_increment((7, 3), sigma, dt, generator=_gen(seed))
    assert torch.equal(a, b)


def test_different_seeds_differ_and_generator_advances():
    g = _gen(1)
    a = dither_increment((10,), 1.0, 1.0, generator=g)
    b = dither_increment((10,), 1.0, 1.0, generator=g)
    c = dither_increment((10,), 1.0, 1.0, generator=_gen(2))
    assert not torch.equal(a, b)
    assert not torch.equal(a, c)


def test_scales_standard_normal_draw_by_sigma_sqrt_dt():
    # same generator state: the increment is exactly σ√Δt times torch's N(0, 1) draw
    sigma, dt = 0.3, 0.04
    out = dither_increment((6,), sigma, dt, generator=_gen(99))
    ref = torch.randn((6,), generator=_gen(99), dtype=torch.float64)
    np.testing.assert_allclose(out.numpy(), sigma * math.sqrt(dt) * ref.numpy(), rtol=1e-15)


def test_dtype_and_shape():
    out = dither_increment(torch.Size([2, 3]), 1.0, 0.5, generator=_gen(0), dtype=torch.float32)
    assert out.shape == (2, 3) and out.dtype == torch.float32
