"""Integrators of RCS §8.2: explicit Euler (eqs. 38, 40), the exponential step (eq. 41) and the
exact flow of the cubic saturation term.

References: mpmath at 40 digits for φ₁, the matrix exponential of the augmented linear system
(scipy.linalg.expm), fine-step RK4 / Euler integrations, and scipy.integrate.solve_ivp.
"""

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from resonant.core.integrators import cubic_saturation_flow, euler_step, exponential_linear_step, phi1

F64 = torch.float64
C128 = torch.complex128

real = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, allow_infinity=False)
cplx = st.builds(complex, real, real)
decay = st.floats(min_value=0.0, max_value=50.0, allow_nan=False, allow_infinity=False)
freq = st.floats(min_value=-50.0, max_value=50.0, allow_nan=False, allow_infinity=False)
step = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False, allow_infinity=False)


def _c(values) -> torch.Tensor:
    """complex128 tensor (torch.tensor of Python complex numbers would give complex64)."""
    return torch.tensor(values, dtype=C128)


def _mp_phi1(x: complex) -> complex:
    mpmath.mp.dps = 40
    z = mpmath.mpc(x.real, x.imag)
    return complex(mpmath.expm1(z) / z) if z != 0 else 1.0 + 0j


def _rk4_linear(c0, u, a, dt, substeps):
    """Classical RK4 for ċ = a c + u on a batch (numpy complex arrays)."""
    h = dt / substeps
    c = c0.astype(complex)
    for _ in range(substeps):
        k1 = a * c + u
        k2 = a * (c + 0.5 * h * k1) + u
        k3 = a * (c + 0.5 * h * k2) + u
        k4 = a * (c + h * k3) + u
        c = c + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
    return c


def _augmented_expm_step(c0: complex, u: complex, a: complex, dt: float) -> complex:
    """d/dt [c, u] = [[a, 1], [0, 0]] [c, u]: exact propagator by the matrix exponential."""
    E = expm(np.array([[a, 1.0], [0.0, 0.0]], dtype=complex) * dt)
    return complex(E[0, 0] * c0 + E[0, 1] * u)


# --------------------------------------------------------------------------- euler_step


@given(st.lists(st.tuples(cplx, cplx), min_size=1, max_size=10), step)
def test_euler_step_matches_numpy(pairs, dt):
    y = np.array([p[0] for p in pairs])
    f = np.array([p[1] for p in pairs])
    out = euler_step(torch.tensor(y), torch.tensor(f), dt).numpy()
    np.testing.assert_allclose(out, y + dt * f, rtol=1e-15, atol=1e-15)


def test_euler_step_zero_dt_is_identity_and_real_stays_real():
    y = torch.tensor([1.0, -2.0], dtype=F64)
    assert torch.equal(euler_step(y, torch.tensor([5.0, 7.0], dtype=F64), 0.0), y)
    assert euler_step(y, y, 0.1).dtype == F64


def test_euler_step_is_eq38_for_carriers():
    # c ← c + Δt (u − γc − β|c|²c)
    c = torch.tensor([0.3 + 0.4j, -1.0 + 0.0j], dtype=C128)
    u = torch.tensor([1.0 + 0.0j, 0.5j], dtype=C128)
    gamma, beta, dt = 0.7, 0.2, 0.05
    rhs = u - gamma * c - beta * c.abs() ** 2 * c
    out = euler_step(c, rhs, dt)
    for k in range(2):
        ck, uk = complex(c[k]), complex(u[k])
        expected = ck + dt * (uk - gamma * ck - beta * abs(ck) ** 2 * ck)
        assert complex(out[k]) == pytest.approx(expected, abs=1e-15)


# --------------------------------------------------------------------------- phi1


def test_phi1_at_zero_is_one():
    assert float(phi1(torch.zeros(1, dtype=F64))[0]) == 1.0
    assert complex(phi1(torch.zeros(1, dtype=C128))[0]) == 1.0


@pytest.mark.parametrize("x", [1e-5, -1e-5, 3e-6, 1e-5 + 1e-5j, -1e-5j, 7e-6 - 2e-6j])
def test_phi1_series_matches_direct_formula_at_1e_minus_5(x):
    dtype = C128 if isinstance(x, complex) else F64
    series_branch = complex(phi1(torch.tensor([x], dtype=dtype))[0])
    direct = complex(np.expm1(np.array([x]))[0] / x)  # numpy's accurate expm1, then divide
    assert abs(series_branch - direct) < 1e-15
    assert abs(series_branch - _mp_phi1(complex(x))) < 1e-15


@pytest.mark.parametrize("direction", [1.0, -1.0, 1j, -1j, (1 + 1j) / math.sqrt(2)])
def test_phi1_continuous_across_series_threshold(direction):
    dtype = C128 if isinstance(direction, complex) else F64
    below = complex(phi1(torch.tensor([1e-4 * (1 - 1e-12) * direction], dtype=dtype))[0])
    above = complex(phi1(torch.tensor([1e-4 * (1 + 1e-12) * direction], dtype=dtype))[0])
    assert abs(above - below) < 1e-13


@given(st.floats(min_value=-8.0, max_value=2.0), st.sampled_from([-1.0, 1.0]))
def test_phi1_real_matches_mpmath(log10_abs, sign):
    x = sign * 10.0**log10_abs
    value = float(phi1(torch.tensor([x], dtype=F64))[0])
    assert value == pytest.approx(_mp_phi1(complex(x)).real, rel=1e-13)


@given(st.floats(min_value=-8.0, max_value=1.5), st.floats(min_value=0.0, max_value=2 * math.pi))
def test_phi1_complex_matches_mpmath(log10_abs, angle):
    x = 10.0**log10_abs * complex(math.cos(angle), math.sin(angle))
    value = complex(phi1(torch.tensor([x], dtype=C128))[0])
    ref = _mp_phi1(x)
    assert abs(value - ref) <= 1e-13 * abs(ref)


def test_phi1_large_negative_argument_is_finite():
    x = torch.tensor([-1e3, -1e6, -1e300], dtype=F64)
    np.testing.assert_allclose(phi1(x).numpy(), [1e-3, 1e-6, 1e-300], rtol=1e-12)


# --------------------------------------------------------------------------- exponential step


@given(cplx, cplx, decay, freq, step)
def test_exponential_step_matches_augmented_matrix_exponential(c0, u, gamma, omega, dt):
    a = complex(-gamma, omega)
    out = complex(
        exponential_linear_step(
            torch.tensor([c0], dtype=C128), torch.tensor([u], dtype=C128), torch.tensor([a], dtype=C128), dt
        )[0]
    )
    ref = _augmented_expm_step(c0, u, a, dt)
    assert abs(out - ref) <= 1e-11 * (1 + abs(ref))


def test_exponential_step_matches_fine_rk4_reference():
    rng = np.random.default_rng(0)
    B, dt = 64, 0.2
    a = -rng.uniform(0.0, 20.0, B) + 1j * rng.uniform(-30.0, 30.0, B)
    a[0] = 0.0  # pure drive
    a[1] = -3.0  # real damping only
    c0 = rng.normal(size=B) + 1j * rng.normal(size=B)
    u = rng.normal(size=B) + 1j * rng.normal(size=B)
    ref = _rk4_linear(c0, u, a, dt, substeps=10_000)
    out = exponential_linear_step(torch.tensor(c0), torch.tensor(u), torch.tensor(a), dt).numpy()
    assert np.max(np.abs(out - ref)) < 1e-11


def test_exponential_step_fine_euler_converges_to_it():
    # first-order convergence of explicit Euler to the exact step (dt/10^4 substeps)
    c0, u, a, dt = 1.0 + 0.5j, 0.3 - 0.2j, -2.0 + 5.0j, 0.1
    exact = complex(exponential_linear_step(_c([c0]), _c([u]), _c([a]), dt)[0])
    errors = []
    for n in (1_000, 10_000):
        c, h = c0, dt / n
        for _ in range(n):
            c = c + h * (a * c + u)
        errors.append(abs(c - exact))
    assert errors[1] < 3e-5  # ≈ h·|a|²·|c|·Δt/2 for h = Δt/10^4
    assert errors[0] / errors[1] == pytest.approx(10.0, rel=0.05)


@given(cplx, cplx, st.one_of(st.just(0.0), st.floats(min_value=1e-2, max_value=50.0)), step)
def test_exponential_step_is_eq41_verbatim_for_real_damping(c0, u, gamma, dt):
    # (γ ≥ 1e-2 keeps the verbatim reference (1 − e^{−γΔt})/γ itself free of cancellation)
    out = complex(
        exponential_linear_step(
            torch.tensor([c0], dtype=C128),
            torch.tensor([u], dtype=C128),
            torch.tensor([-gamma], dtype=F64),
            dt,
        )[0]
    )
    if gamma == 0.0:
        expected = c0 + dt * u
    else:
        expected = math.exp(-gamma * dt) * c0 + (1.0 - math.exp(-gamma * dt)) / gamma * u  # eq. (41)
    assert abs(out - expected) <= 1e-12 * (1 + abs(expected))


@given(cplx, cplx, decay, freq, step, step)
def test_exponential_step_semigroup_with_held_drive(c0, u, gamma, omega, dt1, dt2):
    # exactness: two steps with the same held drive equal one step of the summed length
    args = (torch.tensor([u], dtype=C128), torch.tensor([complex(-gamma, omega)], dtype=C128))
    one = exponential_linear_step(torch.tensor([c0], dtype=C128), *args, dt1 + dt2)
    two = exponential_linear_step(
        exponential_linear_step(torch.tensor([c0], dtype=C128), *args, dt1), *args, dt2
    )
    assert abs(complex(one[0]) - complex(two[0])) <= 1e-11 * (1 + abs(complex(one[0])))


@given(cplx, decay, freq, step)
def test_exponential_step_preserves_fixed_point(u, gamma, omega, dt):
    a = complex(-max(gamma, 1e-2), omega)
    c_star = -u / a  # a c* + u = 0
    out = complex(exponential_linear_step(_c([c_star]), _c([u]), _c([a]), dt)[0])
    assert abs(out - c_star) <= 1e-12 * (1 + abs(c_star))


def test_exponential_step_rotates_free_carrier_exactly():
    # u = 0, a = iω: pure rotation by ωΔt, modulus preserved
    c0, omega, dt = 0.6 - 0.8j, 3.7, 0.25
    out = complex(exponential_linear_step(_c([c0]), _c([0j]), _c([1j * omega]), dt)[0])
    assert abs(out) == pytest.approx(1.0, abs=1e-15)
    assert out == pytest.approx(c0 * complex(math.cos(omega * dt), math.sin(omega * dt)), abs=1e-15)


def test_exponential_step_stiff_damping_reaches_steady_state():
    gamma = torch.tensor([1e3, 1e6, 1e9], dtype=F64)
    c0 = torch.full((3,), 5.0 + 5.0j, dtype=C128)
    u = torch.full((3,), 2.0 - 1.0j, dtype=C128)
    out = exponential_linear_step(c0, u, -gamma, 1.0)
    assert torch.all(torch.isfinite(out.real)) and torch.all(torch.isfinite(out.imag))
    np.testing.assert_allclose(out.numpy(), (u / gamma).numpy(), rtol=1e-12)


def test_exponential_step_zero_rate_is_pure_drive():
    c0 = torch.tensor([1.0 + 1.0j], dtype=C128)
    u = torch.tensor([0.5 - 2.0j], dtype=C128)
    out = exponential_linear_step(c0, u, torch.zeros(1, dtype=C128), 0.3)
    assert complex(out[0]) == pytest.approx(complex(c0[0]) + 0.3 * complex(u[0]), abs=1e-15)


def test_exponential_step_broadcasts_per_carrier_rates():
    rng = np.random.default_rng(4)
    a = -rng.uniform(0.1, 5.0, 7) + 1j * rng.uniform(-3, 3, 7)
    c0 = rng.normal(size=7) + 1j * rng.normal(size=7)
    u = rng.normal(size=7) + 1j * rng.normal(size=7)
    out = exponential_linear_step(torch.tensor(c0), torch.tensor(u), torch.tensor(a), 0.4).numpy()
    ref = [_augmented_expm_step(c0[k], u[k], a[k], 0.4) for k in range(7)]
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- cubic saturation


@given(cplx, st.floats(min_value=0.0, max_value=10.0), step)
def test_cubic_flow_equals_closed_form(c0, beta, t):
    out = complex(cubic_saturation_flow(torch.tensor([c0], dtype=C128), beta, t)[0])
    r0, theta0 = abs(c0), math.atan2(c0.imag, c0.real)
    r = r0 / math.sqrt(1.0 + 2.0 * beta * t * r0 * r0)  # solves ṙ = -β r³
    expected = complex(r * math.cos(theta0), r * math.sin(theta0))
    assert abs(out - expected) <= 1e-13 * (1 + abs(c0))


def test_cubic_flow_agrees_with_fine_euler_and_solve_ivp():
    rng = np.random.default_rng(1)
    B = 32
    c0 = (rng.normal(size=B) + 1j * rng.normal(size=B)) * 2.0
    beta = rng.uniform(0.0, 3.0, B)
    dt = 0.5
    out = cubic_saturation_flow(torch.tensor(c0), torch.tensor(beta), dt).numpy()

    n = 10_000
    h = dt / n
    c = c0.copy()
    for _ in range(n):
        c = c - h * beta * np.abs(c) ** 2 * c
    assert np.max(np.abs(out - c) / np.abs(c0)) < 2e-3  # explicit Euler is O(h)

    def rhs(_t, y):
        z = y[:B] + 1j * y[B:]
        dz = -beta * np.abs(z) ** 2 * z
        return np.concatenate([dz.real, dz.imag])

    sol = solve_ivp(
        rhs, (0.0, dt), np.concatenate([c0.real, c0.imag]), method="DOP853", rtol=1e-12, atol=1e-14
    )
    ref = sol.y[:B, -1] + 1j * sol.y[B:, -1]
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-12)


@given(cplx, st.floats(min_value=0.0, max_value=10.0), st.lists(step, min_size=1, max_size=8))
def test_cubic_flow_modulus_non_increasing_and_phase_unchanged(c0, beta, dts):
    c = torch.tensor([c0], dtype=C128)
    theta0 = math.atan2(c0.imag, c0.real)
    prev = abs(c0)
    for dt in dts:
        c = cubic_saturation_flow(c, beta, dt)
        r = float(c.abs()[0])
        assert r <= prev * (1 + 1e-15)
        prev = r
        if r > 1e-300:
            theta = math.atan2(float(c.imag[0]), float(c.real[0]))
            d = abs(theta - theta0)
            assert min(d, 2 * math.pi - d) < 1e-14


@given(cplx, st.floats(min_value=0.0, max_value=10.0), step, step)
def test_cubic_flow_semigroup(c0, beta, t1, t2):
    c = torch.tensor([c0], dtype=C128)
    one = complex(cubic_saturation_flow(c, beta, t1 + t2)[0])
    two = complex(cubic_saturation_flow(cubic_saturation_flow(c, beta, t1), beta, t2)[0])
    assert abs(one - two) <= 1e-13 * (1 + abs(c0))


def test_cubic_flow_zero_beta_is_identity():
    c = torch.tensor([3.0 - 4.0j, 0.0j], dtype=C128)
    assert torch.equal(cubic_saturation_flow(c, 0.0, 0.7), c)


def test_cubic_flow_real_input_keeps_sign():
    c = torch.tensor([-2.0, 0.0, 3.0], dtype=F64)
    out = cubic_saturation_flow(c, 0.5, 1.0)
    assert out.dtype == F64
    np.testing.assert_allclose(out.numpy(), [-2.0 / math.sqrt(5.0), 0.0, 3.0 / math.sqrt(10.0)], rtol=1e-15)


def test_cubic_flow_huge_amplitude_saturates_to_universal_curve():
    # r(t) → 1/√(2βt) as r0 → ∞: finite and independent of r0
    c = torch.tensor([1e100 + 0j, 1e150j], dtype=C128)
    out = cubic_saturation_flow(c, 2.0, 0.5)
    np.testing.assert_allclose(out.abs().numpy(), [1 / math.sqrt(2.0), 1 / math.sqrt(2.0)], rtol=1e-12)
