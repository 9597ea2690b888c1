"""The pure RCS equation functions of :mod:`resonant.rcs.dynamics` (paper §4-§6, §8).

Every function is checked against an independent computation: a closed form, a dense numpy
recomputation (presence as an N×M matrix), finite differences, a fine RK4 reference, or a
property that must hold (hypothesis, with the deterministic profile of tests/conftest.py).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from resonant.core.integrators import exponential_linear_step
from resonant.rcs.dynamics import (
    amplitude_rhs_cubic,
    amplitude_step_leaky,
    back_influence,
    bond_capture,
    bond_rhs,
    carrier_energy_bound,
    carrier_propagator,
    carrier_rhs,
    carrier_statistics,
    carrier_step,
    description_length,
    effective_intake,
    ema_weight,
    gate,
    gate_width_step,
    gated_drive,
    genesis_criterion,
    global_order_parameter,
    phase_step,
    phase_velocity,
    quasi_steady_carrier,
    soft_assignment,
    spectral_profile,
    tuned_drive,
    tuning,
    unbound_order_parameter,
)

F64 = torch.float64
TWO_PI = 2.0 * math.pi
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # D of a one-bond carrier, pitfall 3

finite = {"allow_nan": False, "allow_infinity": False}
angle = st.floats(min_value=-20.0, max_value=20.0, **finite)
width = st.floats(min_value=0.05, max_value=TWO_PI, **finite)


def t(x) -> torch.Tensor:
    """numpy / Python value → torch tensor (float64 or complex128)."""
    a = np.asarray(x)
    return torch.from_numpy(a.astype(np.complex128 if np.iscomplexobj(a) else np.float64).copy())


def _random_complex(rng: np.random.Generator, n: int, scale: float = 1.0) -> np.ndarray:
    return scale * (rng.normal(size=n) + 1j * rng.normal(size=n))


def _edges(rng: np.random.Generator, N: int, M: int, nnz: int, unique: bool = False):
    """Random edge list (osc, car) as numpy int arrays; duplicates allowed unless ``unique``."""
    if unique:
        flat = rng.choice(N * M, size=nnz, replace=False)
        return flat // M, flat % M
    return rng.integers(0, N, size=nnz), rng.integers(0, M, size=nnz)


def _dense(w: np.ndarray, osc: np.ndarray, car: np.ndarray, N: int, M: int) -> np.ndarray:
    """Dense N×M matrix of edge values (duplicate edges add)."""
    out = np.zeros((N, M), dtype=w.dtype)
    np.add.at(out, (osc, car), w)
    return out


def _idx(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(a, dtype=np.int64))


def _rk4(f, y, h: float, n: int):
    for _ in range(n):
        k1 = f(y)
        k2 = f(y + 0.5 * h * k1)
        k3 = f(y + 0.5 * h * k2)
        k4 = f(y + h * k3)
        y = y + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


# --------------------------------------------------------------------------- gate, eq. (4)


def test_gate_equals_cos_of_angle_nonnegative():
    rng = np.random.default_rng(0)
    c = _random_complex(rng, 10_000)
    expected = (np.cos(np.angle(c)) >= 0).astype(np.float64)
    got = gate(t(c)).numpy()
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


def test_gate_open_at_zero_carrier_and_on_imaginary_axis():
    c = torch.tensor([0j, 1j, -1j, 1 + 0j, -1 + 0j], dtype=torch.complex128)
    assert gate(c).tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_gate_has_exactly_half_duty_over_one_period():
    rng = np.random.default_rng(1)
    n = 100_000
    theta = TWO_PI * np.arange(n) / n
    for c0 in _random_complex(rng, 5):
        duty = gate(t(c0 * np.exp(1j * theta))).mean().item()
        assert abs(duty - 0.5) <= 2.0 / n


# --------------------------------------------------------------------------- tuning, eq. (9)


def test_tuning_matches_numpy_gaussian_of_wrapped_distance():
    rng = np.random.default_rng(2)
    phi = rng.uniform(-30, 30, 5000)
    psi = rng.uniform(-30, 30, 5000)
    W = rng.uniform(0.1, TWO_PI, 5000)
    delta = np.angle(np.exp(1j * (phi - psi)))
    expected = np.exp(-(delta**2) / (W / 2) ** 2)
    np.testing.assert_allclose(tuning(t(phi), t(psi), t(W)).numpy(), expected, rtol=1e-9, atol=1e-300)


def test_tuning_is_one_at_zero_and_inverse_e_at_half_width():
    psi = t([0.0, 1.0, 5.5, -3.0])
    W = t([0.3, 1.0, 2.0, 4.0])
    assert torch.equal(tuning(psi, psi, W), torch.ones(4, dtype=F64))
    # §4.3.1: when the peak sits at the edge of the gate window (Δ = W/2), T = e^{-1}.
    np.testing.assert_allclose(tuning(psi + W / 2, psi, W).numpy(), math.exp(-1.0), rtol=1e-12)
    np.testing.assert_allclose(tuning(psi - W / 2, psi, W).numpy(), math.exp(-1.0), rtol=1e-12)


@given(delta=st.floats(min_value=0.0, max_value=math.pi, **finite), W=width)
def test_tuning_symmetric_in_delta(delta, W):
    pos = tuning(t([delta]), t([0.0]), t([W]))
    neg = tuning(t([-delta]), t([0.0]), t([W]))
    assert pos.item() == pytest.approx(neg.item(), rel=1e-12, abs=1e-300)
    assert 0.0 <= pos.item() <= 1.0


@given(phi=angle, psi=angle, W=width, k=st.integers(min_value=-3, max_value=3))
def test_tuning_periodic_in_phi(phi, psi, W, k):
    base = tuning(t([phi]), t([psi]), t([W])).item()
    shifted = tuning(t([phi + k * TWO_PI]), t([psi]), t([W])).item()
    assert shifted == pytest.approx(base, abs=1e-11)


# --------------------------------------------------------------------------- drive, eq. (5)


def test_tuned_and_gated_drive_equal_dense_sum():
    rng = np.random.default_rng(3)
    N, M, nnz = 40, 7, 120
    osc, car = _edges(rng, N, M, nnz)
    w = rng.uniform(0.0, 1.0, nnz)  # T·P per edge
    z = rng.uniform(0.1, 2.0, N) * np.exp(1j * rng.uniform(0, TWO_PI, N))
    expected = _dense(w, osc, car, N, M).T @ z  # Σ_i T_ik P_ik z_i
    drive = tuned_drive(t(w), t(z), _idx(osc), _idx(car), M)
    np.testing.assert_allclose(drive.numpy(), expected, rtol=1e-12, atol=1e-14)

    c = _random_complex(rng, M)
    G = gate(t(c))
    expected_u = (np.cos(np.angle(c)) >= 0) * expected
    np.testing.assert_allclose(gated_drive(G, drive).numpy(), expected_u, rtol=1e-12, atol=1e-14)


def test_tuned_drive_empty_carrier_gets_zero():
    drive = tuned_drive(t([1.0]), t([2.0 + 1j, 3.0]), _idx([0]), _idx([2]), 4)
    np.testing.assert_array_equal(drive.numpy(), [0, 0, 2.0 + 1j, 0])


# --------------------------------------------------------------------------- carriers, eqs. (5), (38), (41)


def test_carrier_rhs_matches_numpy_formula():
    rng = np.random.default_rng(4)
    c, u = _random_complex(rng, 50), _random_complex(rng, 50)
    omega = rng.normal(size=50) * 3
    gamma, beta = 0.7, 1.3
    expected = 1j * omega * c + u - gamma * c - beta * np.abs(c) ** 2 * c
    got = carrier_rhs(t(c), t(u), t(omega), gamma, beta).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


def test_carrier_step_free_linear_is_closed_form_exactly():
    rng = np.random.default_rng(5)
    c = _random_complex(rng, 20)
    omega = rng.normal(size=20) * 10
    gamma, dt = 0.4, 0.037
    got = carrier_step(t(c), t(np.zeros(20, complex)), t(omega), gamma, 0.0, dt).numpy()
    np.testing.assert_allclose(got, c * np.exp((-gamma + 1j * omega) * dt), rtol=0, atol=1e-14)


def test_carrier_step_held_drive_linear_is_closed_form():
    rng = np.random.default_rng(6)
    c, u = _random_complex(rng, 20), _random_complex(rng, 20)
    omega = rng.normal(size=20) * 5
    gamma, dt = 0.9, 0.05
    a = -gamma + 1j * omega
    expected = np.exp(a * dt) * c + (np.exp(a * dt) - 1) / a * u  # exact solution of ċ = ac + u
    got = carrier_step(t(c), t(u), t(omega), gamma, 0.0, dt).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13)


def _carrier_error(integrator: str, n: int, c0, u, omega, gamma, beta, T, ref) -> float:
    c, ut, om = t(c0), t(u), t(omega)
    for _ in range(n):
        c = carrier_step(c, ut, om, gamma, beta, T / n, integrator)
    return float(np.abs(c.numpy() - ref).max())


def test_carrier_step_exponential_converges_first_order_to_rk4():
    c0 = np.array([0.3 + 0.2j, 1.5 - 1.0j, 0.0j])
    u = np.array([1.5 - 0.5j, 0.2 + 0.1j, 2.0 + 0j])
    omega = np.array([3.0, -1.0, 0.0])
    gamma, beta, T = 0.5, 2.0, 2.0

    def f(c):
        return 1j * omega * c + u - gamma * c - beta * np.abs(c) ** 2 * c

    ref = _rk4(f, c0, 1e-3, 2000)
    args = (c0, u, omega, gamma, beta, T, ref)
    e1, e2, e3 = (_carrier_error("exponential", n, *args) for n in (100, 200, 400))
    assert 1.8 < e1 / e2 < 2.2 and 1.8 < e2 / e3 < 2.2  # O(Δt): Lie splitting + held drive
    assert e3 < 5e-3
    # Comparable to Euler when the linear part is mild (here within a factor 3) ...
    assert e2 <= 3.0 * _carrier_error("euler", 200, *args)


def test_carrier_step_exponential_beats_euler_on_fast_rotation():
    # ... and far better when the rotation iω is fast: Euler's error is dominated by it.
    c0 = np.array([0.3 + 0.2j, 1.5 - 1.0j])
    u = np.array([1.5 - 0.5j, 0.2 + 0.1j])
    omega = np.array([20.0, -15.0])
    gamma, beta, T = 0.5, 2.0, 2.0

    def f(c):
        return 1j * omega * c + u - gamma * c - beta * np.abs(c) ** 2 * c

    ref = _rk4(f, c0, 2.5e-4, 8000)
    args = (c0, u, omega, gamma, beta, T, ref)
    assert 10 * _carrier_error("exponential", 200, *args) < _carrier_error("euler", 200, *args)


@given(
    U=st.floats(min_value=0.01, max_value=50.0),
    gamma=st.floats(min_value=0.01, max_value=5.0),
    beta=st.floats(min_value=0.0, max_value=5.0),
    dt=st.floats(min_value=1e-3, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_carrier_step_exponential_stays_below_energy_bound(U, gamma, beta, dt, seed):
    # r* bounds ṙ ≤ U − γr − βr³ (eq. 6); the exponential step keeps it for any Δt: the linear
    # part adds at most (1 − e^{−γΔt})(U/γ − r*) ≤ Δtβr*³, and the cubic flow removes at least that.
    rng = np.random.default_rng(seed)
    r_star = carrier_energy_bound(U, gamma, beta)
    M = 16
    c = t(r_star * rng.uniform(0, 1, M) * np.exp(1j * rng.uniform(0, TWO_PI, M)))
    omega = t(rng.normal(size=M) * 5)
    for _ in range(60):
        u = t(U * np.sqrt(rng.uniform(0, 1, M)) * np.exp(1j * rng.uniform(0, TWO_PI, M)))
        u[0] = U * c[0] / max(c[0].abs().item(), 1e-300)  # worst case: full drive along c
        c = carrier_step(c, u, omega, gamma, beta, dt)
        assert c.abs().max().item() <= r_star * (1 + 1e-12)


def test_free_rotation_preserves_modulus_under_exponential_but_grows_under_euler():
    # Why "exponential" is the default: Euler's factor |1 + Δt(−γ + iω)| > 1 when ω²Δt > 2γ.
    c0 = np.array([1.0 + 0j, 0.3 - 0.4j])
    omega = np.full(2, TWO_PI * 5)
    gamma, dt, n = 1e-3, 0.01, 1000
    zero = t(np.zeros(2, complex))
    ce, cx = t(c0), t(c0)
    for _ in range(n):
        ce = carrier_step(ce, zero, t(omega), gamma, 0.0, dt, "exponential")
        cx = carrier_step(cx, zero, t(omega), gamma, 0.0, dt, "euler")
    decay = math.exp(-gamma * n * dt)
    np.testing.assert_allclose(ce.abs().numpy(), np.abs(c0) * decay, rtol=1e-12)
    growth = abs(1 + dt * (-gamma + 1j * omega[0])) ** n
    np.testing.assert_allclose(cx.abs().numpy(), np.abs(c0) * growth, rtol=1e-10)
    assert growth > 100  # the Euler carrier has blown up by two orders of magnitude


def test_carrier_step_euler_is_eq38_with_rotation():
    rng = np.random.default_rng(7)
    c, u = _random_complex(rng, 10), _random_complex(rng, 10)
    omega = rng.normal(size=10)
    gamma, beta, dt = 0.3, 0.8, 0.02
    expected = c + dt * (1j * omega * c + u - gamma * c - beta * np.abs(c) ** 2 * c)
    got = carrier_step(t(c), t(u), t(omega), gamma, beta, dt, "euler").numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14)


def test_carrier_propagator_equals_exponential_linear_step_coefficients():
    omega = t([0.0, 1.0, -3.0, 50.0, 1e-7])
    for gamma in (0.0, 0.5, 10.0):
        dt = 0.03
        E, F = carrier_propagator(omega, gamma, dt)
        a = torch.complex(torch.full_like(omega, -gamma), omega)
        one = torch.ones(5, dtype=torch.complex128)
        zero = torch.zeros(5, dtype=torch.complex128)
        np.testing.assert_allclose(E.numpy(), exponential_linear_step(one, zero, a, dt).numpy(), rtol=1e-15, atol=0)
        np.testing.assert_allclose(F.numpy(), exponential_linear_step(zero, one, a, dt).numpy(), rtol=1e-15, atol=0)
        # closed forms: e^{aΔt} and (e^{aΔt} − 1)/a (→ Δt at a = 0)
        an = -gamma + 1j * omega.numpy()
        np.testing.assert_allclose(E.numpy(), np.exp(an * dt), rtol=1e-14)
        with np.errstate(invalid="ignore", divide="ignore"):
            Fn = np.where(np.abs(an) > 1e-5, np.expm1(an * dt) / an, dt * (1 + an * dt / 2))
        np.testing.assert_allclose(F.numpy(), Fn, rtol=1e-12)


def test_carrier_step_with_beta_zero_is_propagator_affine_map():
    rng = np.random.default_rng(8)
    c, u = _random_complex(rng, 12), _random_complex(rng, 12)
    omega = t(rng.normal(size=12) * 4)
    E, F = carrier_propagator(omega, 0.6, 0.05)
    got = carrier_step(t(c), t(u), omega, 0.6, 0.0, 0.05).numpy()
    np.testing.assert_allclose(got, (E * t(c) + F * t(u)).numpy(), rtol=1e-14, atol=1e-15)


# --------------------------------------------------------------------------- quasi-steady carriers, eq. (42)


def test_quasi_steady_carrier_beta_zero_is_exact_cycle_averaged_fixed_point():
    rng = np.random.default_rng(9)
    u = _random_complex(rng, 30, 3.0)
    gamma = 0.7
    c = quasi_steady_carrier(t(u), gamma, 0.0)
    ubar = 0.5 * u  # cycle average of the 50 %-duty gate
    np.testing.assert_allclose(c.numpy(), ubar / gamma, rtol=1e-14)
    residual = carrier_rhs(c, t(ubar), t(np.zeros(30)), gamma, 0.0)
    assert residual.abs().max().item() < 1e-13


def test_quasi_steady_carrier_beta_positive_is_eq42_as_written():
    # Eq. (42) c = ū/(γ + β|ū|²) is the divisive-normalisation approximation of the fixed point of
    # 0 = ū − γc − β|c|²c, not the fixed point itself: it replaces |c|² by |ū|². That is first-order
    # accurate in β only when γ = 1 (|c| ≈ |ū|/γ, so the consistent form is ū/(γ + β|ū|²/γ²)).
    rng = np.random.default_rng(10)
    u = _random_complex(rng, 30, 2.0)
    gamma, beta = 0.6, 0.9
    ubar = 0.5 * u
    expected = ubar / (gamma + beta * np.abs(ubar) ** 2)
    np.testing.assert_allclose(quasi_steady_carrier(t(u), gamma, beta).numpy(), expected, rtol=1e-14)
    residual = carrier_rhs(t(expected), t(ubar), t(np.zeros(30)), gamma, beta)
    assert residual.abs().max().item() > 1e-3  # not an exact fixed point for β > 0


def _exact_fixed_point_modulus(U: float, gamma: float, beta: float) -> float:
    """Positive root of γr + βr³ = U by Newton from U/γ (monotone convergence from above)."""
    r = U / gamma
    for _ in range(200):
        r -= (gamma * r + beta * r**3 - U) / (gamma + 3 * beta * r**2)
    return r


def test_quasi_steady_carrier_is_first_order_accurate_for_gamma_one():
    u = np.array([1.2 - 0.7j, 0.3 + 2.0j])
    ubar = 0.5 * u
    errors = []
    for beta in (1e-2, 5e-3):
        c = quasi_steady_carrier(t(u), 1.0, beta).numpy()
        exact = np.array([_exact_fixed_point_modulus(abs(x), 1.0, beta) for x in ubar]) * ubar / np.abs(ubar)
        errors.append(np.abs(c - exact).max())
    assert 3.5 < errors[0] / errors[1] < 4.5  # error O(β²)


# --------------------------------------------------------------------------- phases, eqs. (8), (40)


def test_back_influence_equals_dense_product():
    rng = np.random.default_rng(11)
    N, M, nnz = 30, 9, 100
    osc, car = _edges(rng, N, M, nnz)
    w = rng.uniform(0, 1, nnz)
    c = _random_complex(rng, M)
    expected = _dense(w, osc, car, N, M) @ c
    got = back_influence(t(w), t(c), _idx(osc), _idx(car), N).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_phase_velocity_matches_numpy_complex():
    rng = np.random.default_rng(12)
    omega = rng.normal(size=200)
    g = _random_complex(rng, 200)
    phi = rng.uniform(0, TWO_PI, 200)
    kappa = 0.8
    expected = omega + kappa * np.imag(g * np.exp(-1j * phi))
    np.testing.assert_allclose(phase_velocity(t(omega), t(g), t(phi), kappa).numpy(), expected, rtol=1e-12, atol=1e-14)


def test_phase_locking_to_fixed_carrier_settles_at_arcsin():
    # φ̇ = δ + κ Im(r e^{−iφ}) = δ − κr sin φ: stable lock at sin φ* = δ/(κr), cos φ* > 0.
    delta = np.array([0.3, -0.5])
    kappa, r, dt = 1.0, 1.2, 0.01
    c = t(np.array([r + 0j]))
    w, osc, car = t([1.0, 1.0]), _idx([0, 1]), _idx([0, 0])
    phi = t([2.5, 4.0])
    for _ in range(2500):
        g = back_influence(w, c, osc, car, 2)
        phi = phase_step(phi, phase_velocity(t(delta), g, phi, kappa), dt)
    np.testing.assert_allclose(torch.sin(phi).numpy(), delta / (kappa * r), atol=1e-9)
    assert (torch.cos(phi) > 0).all()


@given(
    phi=st.floats(min_value=0.0, max_value=TWO_PI, exclude_max=True),
    v=st.floats(min_value=-100.0, max_value=100.0),
    dt=st.floats(min_value=0.0, max_value=1.0),
    noise=st.floats(min_value=-10.0, max_value=10.0),
)
def test_phase_step_wraps_and_adds_noise(phi, v, dt, noise):
    out = phase_step(t([phi]), t([v]), dt, t([noise])).item()
    assert 0.0 <= out < TWO_PI
    raw = phi + dt * v + noise
    assert abs(np.angle(np.exp(1j * (out - raw)))) < 1e-12


def test_phase_step_without_noise_is_eq40_and_noise_shifts_it():
    rng = np.random.default_rng(13)
    phi, v = rng.uniform(0, TWO_PI, 100), rng.normal(size=100) * 10
    noise = rng.normal(size=100) * 0.1
    dt = 0.05
    np.testing.assert_allclose(phase_step(t(phi), t(v), dt).numpy(), np.mod(phi + dt * v, TWO_PI), rtol=1e-14)
    np.testing.assert_allclose(
        phase_step(t(phi), t(v), dt, t(noise)).numpy(), np.mod(phi + dt * v + noise, TWO_PI), rtol=1e-14
    )
    assert torch.equal(phase_step(t(phi), t(v), dt, torch.zeros(100, dtype=F64)), phase_step(t(phi), t(v), dt))


# --------------------------------------------------------------------------- amplitudes, eqs. (11), (12)


def test_amplitude_leaky_converges_to_I_over_alpha():
    I = t([0.0, 0.5, 2.0, 7.0])
    alpha, dt = 1.5, 0.01
    A = t([3.0, 0.0, 1.0, 0.2])
    for _ in range(3000):
        A = amplitude_step_leaky(A, I, alpha, dt)
    np.testing.assert_allclose(A.numpy(), I.numpy() / alpha, rtol=1e-12, atol=1e-15)
    # the fixed point is exact for the discrete map as well
    np.testing.assert_allclose(amplitude_step_leaky(I / alpha, I, alpha, dt).numpy(), I.numpy() / alpha, rtol=1e-15)


@given(
    A=st.floats(min_value=0.0, max_value=100.0),
    I=st.floats(min_value=-1e3, max_value=1e3),
    alpha=st.floats(min_value=0.0, max_value=10.0),
    dt=st.floats(min_value=0.0, max_value=0.1),
)
def test_amplitude_leaky_never_negative_and_is_eq12(A, I, alpha, dt):
    out = amplitude_step_leaky(t([A]), t([I]), alpha, dt).item()
    assert out >= 0.0
    assert out == pytest.approx(max(0.0, (1 - alpha * dt) * A + dt * I), rel=1e-14, abs=1e-300)


def test_amplitude_rhs_cubic_closed_form_at_baseline():
    A0, alpha, rho = 1.3, 0.7, 0.4
    A = t([A0])
    assert amplitude_rhs_cubic(A, t([0.0]), alpha, A0, rho).item() == pytest.approx(-rho * A0**3, rel=1e-15)
    assert amplitude_rhs_cubic(A, t([0.0]), alpha, A0, 0.0).item() == 0.0


def test_amplitude_rhs_cubic_is_time_derivative_of_exact_solution():
    # ρ = 0: A(t) = A∞ + (A(0) − A∞)e^{−αt}, A∞ = A0 + I/α; central differences of it equal eq. (11).
    A0, alpha, I, Ainit = 0.8, 1.7, 0.6, 3.0
    A_inf = A0 + I / alpha

    def A_of(s):
        return A_inf + (Ainit - A_inf) * math.exp(-alpha * s)

    h = 1e-5
    for s in (0.0, 0.3, 1.0, 2.5):
        fd = (A_of(s + h) - A_of(s - h)) / (2 * h)
        rhs = amplitude_rhs_cubic(t([A_of(s)]), t([I]), alpha, A0, 0.0).item()
        assert rhs == pytest.approx(fd, rel=1e-8, abs=1e-10)


def test_amplitude_rhs_cubic_matches_formula_and_its_derivative():
    rng = np.random.default_rng(14)
    A, I = rng.uniform(0, 3, 50), rng.normal(size=50)
    A0, alpha, rho = 1.0, 0.5, 0.3
    got = amplitude_rhs_cubic(t(A), t(I), alpha, A0, rho).numpy()
    np.testing.assert_allclose(got, -alpha * (A - A0) + I - rho * A**3, rtol=1e-13, atol=1e-14)
    h = 1e-6
    fd = amplitude_rhs_cubic(t(A + h), t(I), alpha, A0, rho) - amplitude_rhs_cubic(t(A - h), t(I), alpha, A0, rho)
    np.testing.assert_allclose(fd.numpy() / (2 * h), -alpha - 3 * rho * A**2, rtol=1e-7)


# --------------------------------------------------------------------------- bonds, eq. (13)


def test_bond_capture_is_A_cos_of_angle_difference():
    rng = np.random.default_rng(15)
    c = _random_complex(rng, 500)
    A = rng.uniform(0, 2, 500)
    phi = rng.uniform(0, TWO_PI, 500)
    expected = A * np.cos(np.angle(c) - phi)
    got = bond_capture(t(c), t(A), t(np.cos(phi)), t(np.sin(phi))).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    # scale-free in |c| (the deliberate deviation from the literal Re(c e^{−iφ}), see docstring)
    got_scaled = bond_capture(t(1e-6 * c), t(A), t(np.cos(phi)), t(np.sin(phi))).numpy()
    np.testing.assert_allclose(got_scaled, expected, rtol=1e-12, atol=1e-14)


def test_bond_capture_zero_for_zero_carrier():
    out = bond_capture(torch.zeros(3, dtype=torch.complex128), t([1.0, 2.0, 3.0]), t([1.0, 0.0, -1.0]), t([0.0] * 3))
    assert torch.equal(out, torch.zeros(3, dtype=F64))


def test_bond_rhs_zero_bond_stays_zero():
    # Pitfall 2: growth ∝ P, so a bond at 0 never forms by itself (hence recruitment exists).
    zero = torch.zeros(4, dtype=F64)
    for P_max in (1.0, math.inf):
        rhs = bond_rhs(zero, t([1.0, 1.0, 0.0, 1.0]), t([1e6, 1.0, 5.0, -3.0]), 10.0, 0.1, 0.5, P_max)
        assert torch.equal(rhs, zero)


@pytest.mark.parametrize("P_max", [1.0, 2.5])
def test_bond_rhs_stable_fixed_point(P_max):
    alpha, lam, tau, cap = 2.0, 0.5, 0.7, 0.8
    P_star = P_max * (1 - lam / (alpha * cap))
    G, capture = t([1.0, 1.0, 1.0]), t([cap] * 3)

    def f(P):
        return bond_rhs(P, G, capture, alpha, lam, tau, P_max)

    P = _rk4(f, t([0.05, 0.5 * P_max, P_max]), 0.02, 1500)
    np.testing.assert_allclose(P.numpy(), P_star, rtol=1e-10)
    assert abs(bond_rhs(t([P_star]), t([1.0]), t([cap]), alpha, lam, tau, P_max).item()) < 1e-14


def test_bond_rhs_unbounded_is_eq13_verbatim():
    rng = np.random.default_rng(16)
    P = rng.uniform(0, 3, 200)
    G = (rng.uniform(size=200) < 0.5).astype(float)
    cap = rng.normal(size=200)
    alpha, lam, tau = 1.7, 0.3, 2.0
    expected = (alpha * G * P * np.maximum(0, cap) - lam * P) / tau
    got = bond_rhs(t(P), t(G), t(cap), alpha, lam, tau, math.inf).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    # with a finite P_max the growth carries the logistic factor (1 − P/P_max)
    got1 = bond_rhs(t(P), t(G), t(cap), alpha, lam, tau, 4.0).numpy()
    expected1 = (alpha * G * P * (1 - P / 4.0) * np.maximum(0, cap) - lam * P) / tau
    np.testing.assert_allclose(got1, expected1, rtol=1e-13, atol=1e-15)


@given(
    P=st.floats(min_value=0.0, max_value=1.0),
    G=st.sampled_from([0.0, 1.0]),
    cap=st.floats(min_value=-5.0, max_value=5.0),
    alpha=st.floats(min_value=0.0, max_value=10.0),
    lam=st.floats(min_value=0.0, max_value=2.0),
    tau=st.floats(min_value=0.1, max_value=10.0),
    P_max=st.sampled_from([1.0, 0.5]),
    frac=st.floats(min_value=0.0, max_value=1.0),
)
def test_bond_euler_step_stays_in_range(P, G, cap, alpha, lam, tau, P_max, frac):
    # Euler P + Δt·Ṗ stays in [0, P_max] from inside whenever (Δt/τ)(αG·max(0, cap) + λ) ≤ 1.
    P = P * P_max
    rate = alpha * G * max(cap, 0.0) + lam
    dt = frac * tau / max(rate, 1.0)
    nxt = P + dt * bond_rhs(t([P]), t([G]), t([cap]), alpha, lam, tau, P_max).item()
    assert -1e-15 <= nxt <= P_max * (1 + 1e-15)


# --------------------------------------------------------------------------- gate width, eq. (10)


def test_gate_width_direction_and_exponential_form():
    W = t([1.0, 1.0, 1.0, 0.5])
    D = t([1.5, 0.4, 1.0, 3.0])
    eta_n, eta_w, dt = 0.2, 0.3, 0.1
    out = gate_width_step(W, D, eta_n, eta_w, 0.01, 10.0, dt)
    assert out[0] < 1.0 and out[1] > 1.0 and out[2] == 1.0
    rate = np.where(D.numpy() > 1, -eta_n * (D.numpy() - 1), eta_w * (1 - D.numpy()))
    np.testing.assert_allclose(out.numpy(), W.numpy() * np.exp(rate * dt), rtol=1e-15)


def test_gate_width_matches_fine_euler_of_eq10():
    W0 = np.array([1.0, 0.3, 2.0, 1.5])
    D = np.array([2.0, 0.2, 1.0, 1.3])
    eta_n, eta_w, T, n = 0.5, 0.8, 1.5, 20_000
    W = W0.copy()
    h = T / n
    for _ in range(n):
        W = W + h * np.where(D > 1, -eta_n * (D - 1) * W, eta_w * (1 - D) * W)
    out = gate_width_step(t(W0), t(D), eta_n, eta_w, 1e-3, 1e3, T).numpy()
    np.testing.assert_allclose(out, W, rtol=1e-4)


def test_gate_width_clipped_to_bounds():
    out = gate_width_step(t([1.0, 1.0, 0.05, 5.0]), t([50.0, 0.0, 1.0, 1.0]), 1.0, 1.0, 0.1, 2.0, 10.0)
    np.testing.assert_array_equal(out.numpy(), [0.1, 2.0, 0.1, 2.0])


# --------------------------------------------------------------------------- coherence statistics, eqs. (14)-(19)


def test_carrier_statistics_match_dense_numpy():
    rng = np.random.default_rng(17)
    N, M, nnz = 25, 8, 90
    osc, car = _edges(rng, N, M, nnz, unique=True)
    P = rng.uniform(0.01, 1, nnz)
    A = rng.uniform(0.1, 2, N)
    phi = rng.uniform(0, TWO_PI, N)
    stats = carrier_statistics(t(P), t(A), t(phi), _idx(osc), _idx(car), M)
    Wd = _dense(P, osc, car, N, M) * A[:, None]  # w_ik = P_ik A_i
    for k in range(M):
        w = Wd[:, k]
        if w.sum() == 0:
            assert all(stats[key][k].item() == 0 for key in stats)
            continue
        u_abs = abs(np.sum(w * np.exp(1j * phi)))  # eq. (14)
        coh = u_abs / w.sum()  # eq. (15)
        b = math.sqrt(math.pi / 4) * math.sqrt((w**2).sum()) / w.sum()  # eq. (18)
        expected = dict(w_sum=w.sum(), w_sq=(w**2).sum(), u_abs=u_abs, coh=coh, b=b, D=coh / b)  # eq. (19)
        for key, value in expected.items():
            assert stats[key][k].item() == pytest.approx(value, rel=1e-12), (key, k)


def test_division_score_of_one_bond_carrier_is_two_over_sqrt_pi():
    # Pitfall 3: a lone bond is never "random", D = 1/√(π/4) = 2/√π ≈ 1.128 whatever its weight/phase.
    P, A, phi = t([0.3, 1.0, 0.01]), t([2.0, 0.5, 7.0]), t([0.0, 2.0, 5.0])
    stats = carrier_statistics(P, A, phi, _idx([0, 1, 2]), _idx([0, 1, 2]), 3)
    np.testing.assert_allclose(stats["D"].numpy(), TWO_OVER_SQRT_PI, rtol=1e-14)
    assert TWO_OVER_SQRT_PI == pytest.approx(1.128, abs=1e-3)


def test_division_score_is_one_on_average_under_random_phases():
    rng = np.random.default_rng(18)
    M, n = 20_000, 20
    N = M * n
    osc = np.arange(N)
    car = np.repeat(np.arange(M), n)
    stats = carrier_statistics(t(np.ones(N)), t(np.ones(N)), t(rng.uniform(0, TWO_PI, N)), _idx(osc), _idx(car), M)
    D = stats["D"].numpy()
    assert abs(D.mean() - 1.0) < 0.03  # exact E|S|/√(πn/4) ≈ 1 − 1/(8n) ≈ 0.994; MC s.e. ≈ 0.004
    assert D.std() / math.sqrt(M) < 0.005


def test_division_score_above_one_for_aligned_phases():
    n = 9
    stats = carrier_statistics(
        t(np.ones(n)), t(np.linspace(0.5, 1.5, n)), t(np.full(n, 1.1)), _idx(np.arange(n)), _idx(np.zeros(n)), 1
    )
    assert stats["coh"].item() == pytest.approx(1.0, rel=1e-14)
    w = np.linspace(0.5, 1.5, n)
    assert stats["D"].item() == pytest.approx(w.sum() / (math.sqrt(math.pi / 4) * np.sqrt((w**2).sum())), rel=1e-13)
    assert stats["D"].item() > 1.0


def test_carrier_statistics_zero_weight_carriers_are_zero_not_nan():
    # carrier 0: no edges; carrier 1: edges with P = 0; carrier 2: edges to an oscillator with A = 0
    stats = carrier_statistics(t([0.0, 0.0, 1.0]), t([1.0, 0.0]), t([0.3, 1.0]), _idx([0, 0, 1]), _idx([1, 1, 2]), 3)
    for key, value in stats.items():
        assert torch.isfinite(value).all(), key
        assert torch.equal(value, torch.zeros(3, dtype=F64)), key


# --------------------------------------------------------------------------- spectral profile, eqs. (21)-(23)


def test_spectral_profile_matches_numpy_weighted_moments():
    rng = np.random.default_rng(19)
    N, M, nnz = 30, 6, 80
    osc, car = _edges(rng, N, M, nnz)
    w = rng.uniform(0, 1, nnz)  # P·A·T
    omega = rng.normal(size=N) * 2 + 5
    center, var = spectral_profile(t(w), t(omega), _idx(osc), _idx(car), M)
    for k in range(M):
        sel = car == k
        if w[sel].sum() == 0:
            assert center[k].item() == 0.0 and var[k].item() == 0.0
            continue
        mean = np.average(omega[osc[sel]], weights=w[sel])
        assert center[k].item() == pytest.approx(mean, rel=1e-12)
        assert var[k].item() == pytest.approx(np.average((omega[osc[sel]] - mean) ** 2, weights=w[sel]), rel=1e-10)


def test_spectral_profile_empty_carrier_and_single_frequency():
    center, var = spectral_profile(t([0.5, 2.0]), t([3.0, 3.0]), _idx([0, 1]), _idx([1, 1]), 2)
    np.testing.assert_array_equal(center.numpy(), [0.0, 3.0])
    np.testing.assert_array_equal(var.numpy(), [0.0, 0.0])


# --------------------------------------------------------------------------- intake, EMA, genesis, eqs. (24)-(26)


def test_effective_intake_is_product():
    rng = np.random.default_rng(20)
    I, D = rng.uniform(0, 5, 20), rng.uniform(0, 3, 20)
    np.testing.assert_array_equal(effective_intake(t(I), t(D)).numpy(), I * D)


@pytest.mark.parametrize(("dt", "tau", "n"), [(0.01, 1.0, 250), (0.1, 0.3, 7), (1e-4, 50.0, 1000)])
def test_ema_weight_gives_exponential_filter(dt, tau, n):
    a = ema_weight(dt, tau)
    assert 0 < a < 1
    assert a == pytest.approx(1 - math.exp(-dt / tau), rel=1e-12)
    x, y = 2.7, 0.0
    for _ in range(n):
        y += a * (x - y)
    assert y == pytest.approx(x * (1 - math.exp(-n * dt / tau)), rel=1e-10)


def test_unbound_order_parameter_matches_numpy():
    rng = np.random.default_rng(21)
    A, phi = rng.uniform(0, 2, 40), rng.uniform(0, TWO_PI, 40)
    s, R = unbound_order_parameter(t(A), t(phi))
    assert s.item() == pytest.approx(A.sum(), rel=1e-14)
    assert R.item() == pytest.approx(abs(np.sum(A * np.exp(1j * phi))) / A.sum(), rel=1e-12)
    s, R = unbound_order_parameter(t(A), t(np.full(40, 2.0)))
    assert R.item() == pytest.approx(1.0, rel=1e-14)


def test_unbound_order_parameter_empty_or_zero_amplitude():
    for A in (np.zeros(0), np.zeros(5)):
        s, R = unbound_order_parameter(t(A), t(np.zeros_like(A)))
        assert s.item() == 0.0 and R.item() == 0.0


def test_genesis_criterion_truth_table():
    A_p, R_g = 2.0, 0.5
    A_sum = t([1.0, 2.0, 3.0] * 3)
    R_U = t([0.4] * 3 + [0.5] * 3 + [0.9] * 3)
    got = genesis_criterion(A_sum, R_U, A_p, R_g).tolist()
    expected = [a > A_p and r > R_g for a, r in zip(A_sum.tolist(), R_U.tolist(), strict=True)]
    assert got == expected
    assert got == [False] * 8 + [True]


def test_soft_assignment_rows_sum_to_one_and_match_dense():
    rng = np.random.default_rng(22)
    N, M, nnz = 20, 6, 50
    osc, car = _edges(rng, N, M, nnz, unique=True)
    w = rng.uniform(0, 1, nnz)
    w[osc == osc[0]] = 0.0  # one oscillator whose edges all carry zero weight
    m = soft_assignment(t(w), _idx(osc), N).numpy()
    Wd = _dense(w, osc, car, N, M)
    rows = Wd.sum(axis=1)
    with np.errstate(invalid="ignore"):
        dense_m = np.where(rows[:, None] > 0, Wd / rows[:, None], 0.0)
    np.testing.assert_allclose(m, dense_m[osc, car], rtol=1e-13)
    row_sums = np.bincount(osc, weights=m, minlength=N)
    np.testing.assert_allclose(row_sums[rows > 0], 1.0, rtol=1e-13)
    assert (row_sums[rows == 0] == 0).all() and not np.isnan(m).any()


def test_description_length_is_nnz_plus_active_carriers():
    assert description_length(120, 7) == 127
    assert description_length(np.int64(3), torch.tensor(2)) == 5
    assert isinstance(description_length(0, 0), int)


def test_global_order_parameter_matches_numpy():
    rng = np.random.default_rng(23)
    phi = rng.uniform(0, TWO_PI, 300)
    assert global_order_parameter(t(phi)).item() == pytest.approx(abs(np.mean(np.exp(1j * phi))), rel=1e-12)
    assert global_order_parameter(t(np.full(10, 4.0))).item() == pytest.approx(1.0, rel=1e-14)
    assert global_order_parameter(t([0.0, math.pi])).item() < 1e-15
    assert global_order_parameter(t(np.zeros(0))).item() == 0.0


# --------------------------------------------------------------------------- carrier energy bound


@pytest.mark.parametrize(
    ("U", "gamma", "beta"),
    [(1.0, 1.0, 1.0), (3.0, 0.5, 0.01), (10.0, 0.1, 1.0), (0.2, 2.0, 5.0), (64.0, 1.0, 0.5), (5.0, 0.7, 0.0)],
)
def test_carrier_energy_bound_solves_cubic(U, gamma, beta):
    r = carrier_energy_bound(U, gamma, beta)
    assert r > 0
    assert abs(gamma * r + beta * r**3 - U) <= 1e-12 * U
    roots = np.roots([beta, 0.0, gamma, -U]) if beta > 0 else np.array([U / gamma])
    real = roots[np.abs(roots.imag) < 1e-9].real
    assert r == pytest.approx(real.max(), rel=1e-12)


@pytest.mark.parametrize(("U", "gamma", "beta"), [(1e6, 0.1, 2.0), (1e4, 1e-3, 0.01), (100.0, 1e-3, 100.0)])
def test_carrier_energy_bound_accurate_when_cubic_term_dominates(U, gamma, beta):
    r = carrier_energy_bound(U, gamma, beta)
    assert r == pytest.approx(_exact_fixed_point_modulus(U, gamma, beta), rel=1e-12)
