"""Phases, phasors and order parameters (RCS eqs. 2, 9, 25, 36, 40, 48).

References are computed independently: Python's ``math`` module (IEEE remainder, atan2) and
exact rational arithmetic for wrapping, numpy complex exponentials for order parameters.
"""

import cmath
import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from resonant.core.phases import TWO_PI, order_parameter, phasor, wrap_phase, wrap_pi

F64 = torch.float64
finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
angle = st.floats(min_value=-20.0, max_value=20.0, allow_nan=False, allow_infinity=False)
nonneg = st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False)

EDGE_VALUES = [
    0.0,
    -0.0,
    -1e-20,
    -5e-324,
    math.pi,
    -math.pi,
    math.nextafter(math.pi, 0.0),
    math.nextafter(-math.pi, 0.0),
    math.nextafter(math.pi, 4.0),
    TWO_PI,
    -TWO_PI,
    math.nextafter(TWO_PI, 0.0),
    1e17,
    -1e300,
]


def _one(fn, x: float) -> float:
    return float(fn(torch.tensor([x], dtype=F64))[0])


def _turns_off_integer(diff: Fraction) -> float:
    """Distance (in radians) of an exact difference from the nearest multiple of TWO_PI."""
    k = Fraction(diff) / Fraction(TWO_PI)
    return float(abs(k - round(k)) * Fraction(TWO_PI))


# --------------------------------------------------------------------------- wrap_phase


@given(finite)
@example(-1e-20)
@example(-5e-324)
@example(math.nextafter(TWO_PI, 0.0))
@example(-TWO_PI)
def test_wrap_phase_in_zero_two_pi(x):
    w = _one(wrap_phase, x)
    assert 0.0 <= w < TWO_PI


@given(finite)
@example(-1e-20)
@example(1e17)
def test_wrap_phase_congruent_mod_two_pi(x):
    w = _one(wrap_phase, x)
    # Exact rational check: w - x is an integer multiple of TWO_PI up to the rounding of w
    # (at most half an ulp of 2π, including a tiny negative x mapped onto 2π ≡ 0).
    assert _turns_off_integer(Fraction(w) - Fraction(x)) <= 4.5e-16


@given(finite)
def test_wrap_phase_matches_python_float_modulo(x):
    expected = x % TWO_PI  # Python float % is the exactly-rounded floored modulo
    if expected >= TWO_PI:
        expected = 0.0
    assert _one(wrap_phase, x) == expected


@given(st.floats(min_value=0.0, max_value=math.nextafter(TWO_PI, 0.0)))
def test_wrap_phase_identity_on_range(x):
    assert _one(wrap_phase, x) == x


def test_wrap_phase_tiny_negative_maps_to_zero_not_two_pi():
    w = wrap_phase(torch.tensor([-1e-20, -1e-300, -5e-324], dtype=F64))
    assert torch.all(w >= 0) and torch.all(w < TWO_PI)


def test_wrap_phase_float32_range():
    x = torch.tensor([-1e-9, -1e-30, 7.0, -7.0, 1e6], dtype=torch.float32)
    w = wrap_phase(x)
    assert w.dtype == torch.float32
    assert torch.all(w >= 0) and torch.all(w < torch.tensor(TWO_PI, dtype=torch.float32))


def test_wrap_phase_preserves_shape():
    x = torch.linspace(-50, 50, 24, dtype=F64).reshape(2, 3, 4)
    assert wrap_phase(x).shape == (2, 3, 4)


# --------------------------------------------------------------------------- wrap_pi


@given(finite)
@example(math.nextafter(math.pi, 0.0))
@example(math.nextafter(-math.pi, 0.0))
@example(math.pi)
@example(-1e-20)
@example(1e17)
def test_wrap_pi_in_minus_pi_pi(x):
    w = _one(wrap_pi, x)
    assert -math.pi <= w < math.pi


@given(finite)
@example(math.nextafter(math.pi, 0.0))
@example(3e15 + 0.3)
@example(-1e10)
def test_wrap_pi_equals_ieee_remainder(x):
    # math.remainder(x, 2π) is the exact x - 2π·n with n = round-half-even(x / 2π): the shortest
    # signed distance. It returns +π at a tie, which wrap_pi reports as -π.
    expected = math.remainder(x, TWO_PI)
    if expected == math.pi:
        expected = -math.pi
    assert _one(wrap_pi, x) == expected


@given(angle)
def test_wrap_pi_matches_atan2(x):
    w = _one(wrap_pi, x)
    ref = math.atan2(math.sin(x), math.cos(x))
    d = abs(w - ref)
    assert d < 1e-12 or abs(d - TWO_PI) < 1e-12  # atan2 may land on +π where wrap_pi gives -π


@given(moderate)
def test_wrap_pi_is_shortest_distance(x):
    w = _one(wrap_pi, x)
    assert _turns_off_integer(Fraction(w) - Fraction(x)) < 1e-9
    n = round(x / TWO_PI)
    for k in range(n - 2, n + 3):
        assert abs(w) <= abs(x - k * TWO_PI) + 1e-12


@given(st.floats(min_value=-math.pi, max_value=math.nextafter(math.pi, 0.0)))
def test_wrap_pi_identity_on_range(x):
    assert _one(wrap_pi, x) == x


@given(st.floats(0.0, math.nextafter(TWO_PI, 0.0)), st.floats(0.0, math.nextafter(TWO_PI, 0.0)))
def test_wrap_pi_of_wrapped_phase_difference(a, b):
    # Δφ_ik of eq. (9) is a difference of two wrapped phases; |Δφ| ≤ π and e^{iΔφ} is unchanged.
    d = _one(wrap_pi, a - b)
    assert abs(d) <= math.pi
    assert abs(cmath.exp(1j * d) - cmath.exp(1j * (a - b))) < 1e-12


def test_wrap_pi_float32_range():
    pi32 = torch.tensor(math.pi, dtype=torch.float32)
    x = torch.tensor([float(pi32), -float(pi32), 1e6, -1e6, 3.1415925, -3.1415927], dtype=torch.float32)
    w = wrap_pi(x)
    assert w.dtype == torch.float32
    assert torch.all(w >= -pi32) and torch.all(w < pi32)


def test_wrap_pi_gradient_is_one():
    x = torch.tensor([-10.0, -1.0, 0.5, 4.0, 100.0], dtype=F64, requires_grad=True)
    wrap_pi(x).sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))


# --------------------------------------------------------------------------- phasor


@given(st.lists(st.tuples(nonneg, angle), min_size=1, max_size=20))
def test_phasor_matches_numpy(pairs):
    A = np.array([p[0] for p in pairs])
    phi = np.array([p[1] for p in pairs])
    z = phasor(torch.tensor(A), torch.tensor(phi)).numpy()
    assert z.dtype == np.complex128
    np.testing.assert_allclose(z, A * np.exp(1j * phi), rtol=1e-13, atol=1e-13 * (1 + A.max()))


# --------------------------------------------------------------------------- order_parameter


@given(st.lists(angle, min_size=1, max_size=40))
def test_order_parameter_matches_numpy(phis):
    phi = np.array(phis)
    expected = abs(np.mean(np.exp(1j * phi)))
    R = float(order_parameter(torch.tensor(phi)))
    assert R == pytest.approx(expected, abs=1e-12)


@given(st.lists(st.tuples(nonneg, angle), min_size=1, max_size=40))
def test_weighted_order_parameter_is_eq25(pairs):
    A = np.array([p[0] for p in pairs])
    phi = np.array([p[1] for p in pairs])
    R = float(order_parameter(torch.tensor(phi), torch.tensor(A)))
    if A.sum() == 0:
        assert R == 0.0
    else:
        expected = abs(np.sum(A * np.exp(1j * phi)) / np.sum(A))  # R_U of eq. (25)
        assert R == pytest.approx(expected, abs=1e-12)


@given(st.lists(st.tuples(nonneg, angle), min_size=0, max_size=30))
def test_order_parameter_in_unit_interval(pairs):
    A = torch.tensor([p[0] for p in pairs], dtype=F64)
    phi = torch.tensor([p[1] for p in pairs], dtype=F64)
    for R in (order_parameter(phi), order_parameter(phi, A)):
        assert torch.isfinite(R)
        assert 0.0 <= float(R) <= 1.0 + 1e-12


def test_order_parameter_tiny_weights_do_not_underflow():
    # Squared weighted sums of ~1e-160 are subnormal; R must still be exactly 1 for aligned phases.
    A = torch.full((3,), 8.284911108036853e-161, dtype=F64)
    R = float(order_parameter(torch.zeros(3, dtype=F64), A))
    assert R == pytest.approx(1.0, abs=1e-15)


@given(angle, st.integers(1, 50), st.floats(1e-3, 1e3))
def test_order_parameter_identical_phases_is_one(theta, n, a):
    phi = torch.full((n,), theta, dtype=F64)
    assert float(order_parameter(phi)) == pytest.approx(1.0, abs=1e-13)
    assert float(order_parameter(phi, torch.full((n,), a, dtype=F64))) == pytest.approx(1.0, abs=1e-13)


def test_order_parameter_empty_is_zero():
    assert float(order_parameter(torch.zeros(0, dtype=F64))) == 0.0
    R = order_parameter(torch.zeros(3, 0, dtype=F64))
    assert R.shape == (3,) and torch.equal(R, torch.zeros(3, dtype=F64))


def test_order_parameter_zero_weights_is_zero_not_nan():
    phi = torch.tensor([0.1, 2.0, -1.0], dtype=F64)
    R = order_parameter(phi, torch.zeros(3, dtype=F64))
    assert float(R) == 0.0


def test_order_parameter_splay_state_is_zero():
    n = 7
    phi = torch.arange(n, dtype=F64) * TWO_PI / n
    assert float(order_parameter(phi)) < 1e-14


def test_order_parameter_antipodal_pair():
    phi = torch.tensor([0.3, 0.3 + math.pi], dtype=F64)
    assert float(order_parameter(phi)) < 1e-15
    # unequal weights: |3 - 1| / 4
    assert float(order_parameter(phi, torch.tensor([3.0, 1.0], dtype=F64))) == pytest.approx(0.5, abs=1e-15)


@given(st.lists(st.tuples(nonneg, angle), min_size=1, max_size=30), angle)
def test_order_parameter_rotation_invariant(pairs, shift):
    A = torch.tensor([p[0] for p in pairs], dtype=F64)
    phi = torch.tensor([p[1] for p in pairs], dtype=F64)
    assert float(order_parameter(phi + shift)) == pytest.approx(float(order_parameter(phi)), abs=1e-12)
    assert float(order_parameter(phi + shift, A)) == pytest.approx(float(order_parameter(phi, A)), abs=1e-12)


def test_order_parameter_batched_dims():
    rng = np.random.default_rng(0)
    phi = rng.uniform(0, TWO_PI, size=(5, 9))
    A = rng.uniform(0, 2, size=(5, 9))
    expected_rows = np.abs((A * np.exp(1j * phi)).sum(1) / A.sum(1))
    expected_cols = np.abs((A * np.exp(1j * phi)).sum(0) / A.sum(0))
    tphi, tA = torch.tensor(phi), torch.tensor(A)
    np.testing.assert_allclose(order_parameter(tphi, tA, dim=-1).numpy(), expected_rows, atol=1e-13)
    np.testing.assert_allclose(order_parameter(tphi, tA, dim=1).numpy(), expected_rows, atol=1e-13)
    np.testing.assert_allclose(order_parameter(tphi, tA, dim=0).numpy(), expected_cols, atol=1e-13)


def test_order_parameter_large_random_population_is_small():
    # eq. (48) for N independent uniform phases: E R ≈ √(π/4)/√N
    rng = np.random.default_rng(1)
    N = 10_000
    phi = torch.tensor(rng.uniform(0, TWO_PI, size=(200, N)))
    R_mean = float(order_parameter(phi).mean())
    assert R_mean == pytest.approx(math.sqrt(math.pi / 4) / math.sqrt(N), rel=0.1)
