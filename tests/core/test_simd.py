"""The vectorisable exp and sincos of resonant.core.simd against numpy's libm."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

numba = pytest.importorskip("numba")
simd = pytest.importorskip("resonant.core.simd")


@numba.njit
def _exp_all(x, out):
    for i in range(x.shape[0]):
        out[i] = simd.exp_nonpos(x[i])


@numba.njit
def _sincos_all(x, s, c):
    for i in range(x.shape[0]):
        s[i], c[i] = simd.sincos(x[i])


def _exp(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    _exp_all(x, out)
    return out


def _sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s, c = np.empty_like(x), np.empty_like(x)
    _sincos_all(x, s, c)
    return s, c


def test_exp_is_within_one_ulp_on_its_whole_range():
    x = -np.concatenate([np.linspace(0, 700, 200_001), np.random.default_rng(0).uniform(0, 50, 200_000)])
    ref = np.exp(x)
    assert np.max(np.abs(_exp(x) - ref) / np.spacing(ref)) <= 1.0


def test_exp_is_exact_at_zero_and_clamps_below_minus_700():
    assert _exp(np.array([0.0]))[0] == 1.0
    assert np.all(_exp(np.array([-700.0, -701.0, -1e6, -np.inf])) == math.exp(-700.0))


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-700.0, max_value=0.0))
def test_exp_matches_libm_property(x):
    got = _exp(np.array([x]))[0]
    assert abs(got - math.exp(x)) <= np.spacing(math.exp(x))


def test_exp_propagates_nan():
    assert np.isnan(_exp(np.array([np.nan]))[0])


def test_sincos_is_within_one_ulp_of_one_on_engine_phases_and_beyond():
    x = np.concatenate([np.linspace(0, 2 * np.pi, 100_001), np.random.default_rng(1).uniform(-1e5, 1e5, 100_000),
                        np.arange(-8, 9) * np.pi / 4])
    s, c = _sincos(x)
    assert np.max(np.abs(s - np.sin(x))) <= 2.3e-16
    assert np.max(np.abs(c - np.cos(x))) <= 2.3e-16


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4))
def test_sincos_property_pythagoras_and_libm(x):
    s, c = _sincos(np.array([x]))
    assert abs(s[0] - math.sin(x)) <= 2.3e-16
    assert abs(c[0] - math.cos(x)) <= 2.3e-16
    assert abs(s[0] ** 2 + c[0] ** 2 - 1.0) <= 5e-16


def test_range_reduction_constants_are_exact_splits():
    # hi carries few enough bits that n·hi is exact for the multiples used; hi + lo is the constant
    assert simd.LN2_HI + simd.LN2_LO == math.log(2)
    assert simd.PIO2_HI + simd.PIO2_LO == math.pi / 2
    for hi, n_max in ((simd.LN2_HI, 1100), (simd.PIO2_HI, 70_000)):
        for n in (1, 3, 999, n_max):
            assert Fraction(n * hi) == n * Fraction(hi)
