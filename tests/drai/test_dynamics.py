"""DRAI phase dynamics (our reading of §4) against independent computations.

References: explicit double loops in numpy over (i, j) for every coupling form, the closed-form
solution of two coupled oscillators, numpy window averages over a recorded trajectory, and the
diffusion law Var φ(T) = 2DT.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.core.errors import NumericalInstabilityError
from resonant.core.kuramoto import kuramoto_rhs
from resonant.drai.dynamics import (
    Clamp,
    EdgeList,
    complex_coupling_sum,
    coupling_nnz,
    coupling_sum,
    integrate,
    periodic_forcing,
    phase_velocity,
    phase_velocity_complex,
)
from resonant.drai.gate import OpCounter
from resonant.drai.rules import gaussian

F64 = torch.float64
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]


def _loop_velocity(phi, omega, W, harmonics=(), mode="uniform", drive=None):
    """dφ_i/dt by explicit loops over i and j (numpy, float64)."""
    N = phi.shape[-1]
    out = np.array(omega, dtype=float) * np.ones_like(phi)
    for i in range(N):
        for j in range(N):
            out[..., i] += W[..., i, j] * np.sin(phi[..., j] - phi[..., i])
            for k, h in harmonics:
                a = 1.0 / N if mode == "uniform" else W[..., i, j]
                out[..., i] += h * a * np.sin(k * (phi[..., j] - phi[..., i]))
    if drive is not None:
        out = out + drive
    return out


def _rand(gen, *shape):
    return torch.randn(*shape, generator=gen, dtype=F64)


@pytest.mark.parametrize("mode", ["uniform", "coupling"])
def test_phase_velocity_matches_double_loop_shared_W(mode):
    gen = torch.Generator().manual_seed(0)
    B, N = 3, 7
    phi, omega, W = _rand(gen, B, N), _rand(gen, N), _rand(gen, N, N)
    drive = _rand(gen, B, N)
    harmonics = ((2, 0.3), (3, -0.2))
    got = phase_velocity(phi, omega, W, forcing=drive, harmonics=harmonics, harmonic_mode=mode)
    ref = _loop_velocity(phi.numpy(), omega.numpy(), W.numpy(), harmonics, mode, drive.numpy())
    np.testing.assert_allclose(got.numpy(), ref, rtol=0, atol=1e-12)


def test_phase_velocity_agrees_with_the_core_kuramoto_rhs():
    gen = torch.Generator().manual_seed(9)
    phi, omega, W = _rand(gen, 4, 8), _rand(gen, 8), _rand(gen, 8, 8)
    torch.testing.assert_close(phase_velocity(phi, omega, W), kuramoto_rhs(phi, omega, W), rtol=0, atol=1e-13)


def test_phase_velocity_matches_double_loop_per_batch_W():
    gen = torch.Generator().manual_seed(1)
    P, B, N = 2, 3, 6
    phi, omega, W = _rand(gen, P, B, N), _rand(gen, B, N), _rand(gen, B, N, N)
    got = phase_velocity(phi, omega, W)
    ref = _loop_velocity(phi.numpy(), omega.numpy(), np.broadcast_to(W.numpy(), (P, B, N, N)))
    np.testing.assert_allclose(got.numpy(), ref, rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
def test_sparse_forms_match_dense():
    gen = torch.Generator().manual_seed(2)
    N = 9
    W = _rand(gen, N, N) * (torch.rand(N, N, generator=gen) < 0.3)
    phi, omega = _rand(gen, 4, N), _rand(gen, N)
    dense = phase_velocity(phi, omega, W, harmonics=((2, 0.5),), harmonic_mode="coupling")
    for form in (EdgeList.from_dense(W), W.to_sparse_coo(), W.to_sparse_csr()):
        got = phase_velocity(phi, omega, form, harmonics=((2, 0.5),), harmonic_mode="coupling")
        torch.testing.assert_close(got, dense, rtol=0, atol=1e-13)
    torch.testing.assert_close(EdgeList.from_dense(W).to_dense(), W)
    assert coupling_nnz(EdgeList.from_dense(W)) == coupling_nnz(W) == int(((W != 0) & ~torch.eye(N, dtype=bool)).sum())


@pytest.mark.parametrize("k", [1, 2, 3])
def test_complex_coupling_matches_loop_and_imaginary_part_form(k):
    gen = torch.Generator().manual_seed(3)
    N = 6
    C = torch.complex(_rand(gen, N, N), _rand(gen, N, N))
    phi = _rand(gen, 2, N)
    got = complex_coupling_sum(phi, C, k)
    p, c = phi.numpy(), C.numpy()
    ref = np.zeros_like(p)
    for i in range(N):
        for j in range(N):
            ref[:, i] += abs(c[i, j]) * np.sin(k * (p[:, j] - p[:, i] + np.angle(c[i, j])))
    np.testing.assert_allclose(got.numpy(), ref, rtol=0, atol=1e-12)
    if k == 1:  # Im(e^{-iφ_i} Σ_j C_ij e^{iφ_j})
        z = np.exp(1j * p)
        np.testing.assert_allclose(got.numpy(), np.imag(np.conj(z) * (z @ c.T)), atol=1e-12)
    sparse = complex_coupling_sum(phi, EdgeList.from_dense(C), k)
    torch.testing.assert_close(sparse, got, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", ["uniform", "coupling"])
def test_complex_hebbian_weights_make_a_continuous_pattern_a_fixed_point(mode):
    gen = torch.Generator().manual_seed(4)
    N = 12
    xi = 2 * math.pi * torch.rand(N, generator=gen, dtype=F64)
    z = torch.polar(torch.ones_like(xi), xi)
    C = torch.outer(z, z.conj()) / N  # C_ij ∝ z_i z̄_j
    for shift in (0.0, 1.3):  # any global rotation of the pattern
        v = phase_velocity_complex(xi + shift, torch.zeros(N, dtype=F64), C, harmonics=((2, 0.4), (3, 0.2)),
                                   harmonic_mode=mode) if mode == "coupling" else \
            phase_velocity_complex(xi + shift, torch.zeros(N, dtype=F64), C)
        assert v.abs().max() < 1e-14
    # the conjugate convention would not be a fixed point: the sign convention matters
    v_wrong = phase_velocity_complex(xi, torch.zeros(N, dtype=F64), C.conj())
    assert v_wrong.abs().max() > 1e-2


def test_clamped_units_move_at_the_clamp_velocity():
    gen = torch.Generator().manual_seed(5)
    N = 5
    mask = torch.tensor([True, False, True, False, False])
    v = phase_velocity(_rand(gen, N), _rand(gen, N), _rand(gen, N, N), clamp_mask=mask, clamp_velocity=0.7)
    assert torch.all(v[mask] == 0.7)
    free = phase_velocity(_rand(gen, N), torch.zeros(N, dtype=F64), torch.zeros(N, N, dtype=F64))
    assert torch.all(free == 0)


def _two_oscillators(dt, T, psi0, K, method):
    steps = round(T / dt)
    W = torch.tensor([[0.0, K], [K, 0.0]], dtype=F64)
    omega = torch.zeros(2, dtype=F64)
    phi0 = torch.tensor([0.0, psi0], dtype=F64)
    phi, _ = integrate(lambda t, p: phase_velocity(p, omega, W), phi0, dt=dt, steps=steps, method=method,
                       statistics=False)
    return (phi[1] - phi[0]).item()


def test_two_oscillators_follow_the_closed_form_and_rk4_is_fourth_order():
    # ψ = φ_2 − φ_1 obeys ψ' = −2K sin ψ, so tan(ψ/2) = tan(ψ_0/2) e^{−2Kt}
    K, psi0, T = 0.7, 2.5, 2.0
    exact = 2 * math.atan(math.tan(psi0 / 2) * math.exp(-2 * K * T))
    errs = [abs(_two_oscillators(dt, T, psi0, K, "rk4") - exact) for dt in (0.1, 0.05)]
    assert errs[1] < 1e-6
    assert 12 < errs[0] / errs[1] < 20  # 2^4 = 16
    errs_e = [abs(_two_oscillators(dt, T, psi0, K, "euler") - exact) for dt in (0.01, 0.005)]
    assert 1.7 < errs_e[0] / errs_e[1] < 2.3  # first order


def test_two_detuned_oscillators_lock_at_arcsin():
    # ψ' = Δω − 2K sin ψ locks at ψ* = arcsin(Δω / 2K)
    K, dw = 1.0, 0.8
    W = torch.tensor([[0.0, K], [K, 0.0]], dtype=F64)
    omega = torch.tensor([0.0, dw], dtype=F64)
    phi, _ = integrate(lambda t, p: phase_velocity(p, omega, W), torch.zeros(2, dtype=F64), dt=0.05, steps=600,
                       statistics=False)
    assert abs((phi[1] - phi[0]).item() - math.asin(dw / (2 * K))) < 1e-9


def test_forced_oscillator_locks_to_the_drive():
    # φ' = ω + F sin(ψ − φ) with Ω = 0 locks at φ − ψ = arcsin(ω/F)
    omega, F, psi = torch.tensor([0.5], dtype=F64), 1.0, torch.tensor([0.3], dtype=F64)
    W = torch.zeros(1, 1, dtype=F64)

    def rhs(t, p):
        return phase_velocity(p, omega, W, t=t, forcing=lambda t, q: periodic_forcing(t, q, F, 0.0, psi))

    phi, _ = integrate(rhs, torch.zeros(1, dtype=F64), dt=0.05, steps=600, statistics=False)
    assert abs((phi - psi).item() - math.asin(0.5)) < 1e-9


def test_window_averages_match_numpy_over_the_trajectory():
    gen = torch.Generator().manual_seed(6)
    B, N = 2, 5
    W, omega = 0.3 * _rand(gen, N, N), _rand(gen, B, N)
    phi0 = _rand(gen, B, N)
    g = lambda d: gaussian(d, sigma=0.7)  # noqa: E731
    phi, st = integrate(lambda t, p: phase_velocity(p, omega, W), phi0, dt=0.05, steps=38, transient=5,
                        record_every=3, g=g, trajectory=True)
    assert st.samples == len(range(8, 39, 3)) == st.trajectory.shape[0]  # n > 5, (n − 5) % 3 == 0
    np.testing.assert_allclose(st.times.numpy(), 0.05 * np.arange(8, 39, 3))
    tr = st.trajectory.numpy()
    d = tr[..., :, None] - tr[..., None, :]  # φ_i − φ_j
    np.testing.assert_allclose(st.mean_zz.numpy(), np.exp(1j * d).mean(0), atol=1e-13)
    sd = (d + np.pi) % (2 * np.pi) - np.pi
    gref = np.exp(-sd**2 / (2 * 0.7**2)) - 0.7 / math.sqrt(2 * math.pi) * math.erf(math.pi / (0.7 * math.sqrt(2)))
    np.testing.assert_allclose(st.mean_g.numpy(), gref.mean(0), atol=1e-13)
    np.testing.assert_allclose(st.mean_cos.numpy(), np.cos(d).mean(0), atol=1e-13)
    np.testing.assert_allclose(st.plv.numpy(), np.abs(np.exp(1j * d).mean(0)), atol=1e-13)
    torch.testing.assert_close(phi, st.trajectory[-1], rtol=0, atol=0)  # the last step (38) is recorded


def test_noise_diffuses_phases_with_variance_2DT():
    D, dt, steps = 0.3, 0.1, 50
    gen = torch.Generator().manual_seed(7)
    n = 20000
    phi, _ = integrate(lambda t, p: torch.zeros_like(p), torch.zeros(n, 1, dtype=F64), dt=dt, steps=steps,
                       noise=D, generator=gen, statistics=False)
    var = phi.var().item()
    assert abs(var / (2 * D * dt * steps) - 1) < 0.05  # 4 s.e. of a variance estimate from 20000 samples ≈ 0.04


def test_same_generator_seed_gives_identical_noise():
    def run(seed):
        gen = torch.Generator().manual_seed(seed)
        return integrate(lambda t, p: torch.zeros_like(p), torch.zeros(3, 4, dtype=F64), dt=0.1, steps=20,
                         noise=0.1, generator=gen, statistics=False)[0]

    assert torch.equal(run(3), run(3))
    assert not torch.equal(run(3), run(4))


def test_clamp_sets_phases_and_free_units_follow_the_coupling():
    N = 4
    mask = torch.tensor([True, True, False, False])
    psi = torch.tensor([0.1, 0.2, 0.0, 0.0], dtype=F64)
    Omega = torch.tensor([0.5, -0.3, 0.0, 0.0], dtype=F64)
    W = torch.ones(N, N, dtype=F64)
    clamp = Clamp(mask, psi, Omega)
    phi, _ = integrate(lambda t, p: phase_velocity(p, torch.zeros(N, dtype=F64), W, clamp_mask=mask,
                                                   clamp_velocity=Omega),
                       torch.zeros(N, dtype=F64), dt=0.05, steps=40, clamp=clamp)
    torch.testing.assert_close(phi[:2], psi[:2] + Omega[:2] * 2.0, rtol=0, atol=1e-14)
    assert not torch.allclose(phi[2:], torch.zeros(2, dtype=F64))


def test_nan_input_and_blow_up_raise_clear_errors():
    f = lambda t, p: torch.zeros_like(p)  # noqa: E731
    with pytest.raises(ValueError, match="phi0"):
        integrate(f, torch.tensor([0.0, math.nan], dtype=F64), dt=0.1, steps=3)
    with pytest.raises(ValueError, match="noise"):
        integrate(f, torch.zeros(2, dtype=F64), dt=0.1, steps=3, noise=0.1)
    with pytest.raises(ValueError, match="method"):
        integrate(f, torch.zeros(2, dtype=F64), dt=0.1, steps=3, method="rk45")

    def blows_up(t, p):  # NaN from t = 0.75 on: first appears in step 8, seen at the check of step 10
        return torch.full_like(p, math.nan) if t >= 0.75 else torch.zeros_like(p)

    with pytest.raises(NumericalInstabilityError, match="step 10") as e:
        integrate(blows_up, torch.zeros(2, dtype=F64), dt=0.1, steps=30, check_every=5)
    assert e.value.quantity == "phi"


def test_counter_counts_rhs_evaluations_and_statistics():
    c = OpCounter()
    f = lambda t, p: torch.zeros_like(p)  # noqa: E731
    integrate(f, torch.zeros(3, 5, dtype=F64), dt=0.1, steps=12, method="rk4", transient=2, record_every=5,
              counter=c, ops_per_eval=7)
    assert c.dynamics_ops == 12 * 4 * 7
    assert c.statistics_ops == 2 * 25 * 3  # samples at n = 7, 12


@pytest.mark.parametrize("device", DEVICES)
def test_device_path_matches_float64_cpu(device):
    gen = torch.Generator().manual_seed(8)
    N = 16
    W, omega, phi = _rand(gen, N, N) / N, _rand(gen, N), _rand(gen, 3, N)
    ref, st_ref = integrate(lambda t, p: phase_velocity(p, omega, W, harmonics=((2, 0.3),)), phi, dt=0.05, steps=50)
    Wd, od, pd = W.to(device), omega.to(device), phi.to(device)
    got, st = integrate(lambda t, p: phase_velocity(p, od, Wd, harmonics=((2, 0.3),)), pd, dt=0.05, steps=50)
    torch.testing.assert_close(got.cpu(), ref, rtol=0, atol=1e-11)
    torch.testing.assert_close(st.mean_zz.cpu(), st_ref.mean_zz, rtol=0, atol=1e-11)


@settings(max_examples=40, deadline=None)
@given(
    xb=st.lists(st.integers(1, 3), min_size=0, max_size=3),
    wmask=st.lists(st.booleans(), min_size=3, max_size=3),
    R=st.integers(1, 3),
    N=st.integers(1, 4),
    complex_w=st.booleans(),
)
def test_rows_times_transpose_equals_broadcast_matmul(xb, wmask, R, N, complex_w):
    # W keeps some of X's batch dims and is broadcast (size 1) over the others: the folded product must
    # equal the plain broadcast matmul exactly in value.
    from resonant.drai.dynamics import rows_times_transpose

    g = torch.Generator().manual_seed(len(xb) * 7 + R * 3 + N)
    X = torch.randn(*xb, R, N, generator=g, dtype=torch.float64)
    wb = [d if keep else 1 for d, keep in zip(xb, wmask, strict=False)]
    W = torch.randn(*wb, N, N, generator=g, dtype=torch.float64)
    if complex_w:
        X = X.to(torch.complex128)
        W = torch.polar(W.abs(), W)
    expected = torch.matmul(X, W.transpose(-1, -2))
    got = rows_times_transpose(X, W)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, rtol=1e-13, atol=1e-13)


def test_coupling_sum_with_per_network_weights_shared_by_trials():
    # phases (B, T, N) against W (B, 1, N, N): the folded path must equal the explicit double sum.
    g = torch.Generator().manual_seed(5)
    B, T, N = 3, 4, 6
    phi = 6.0 * torch.rand(B, T, N, generator=g, dtype=torch.float64)
    W = torch.randn(B, 1, N, N, generator=g, dtype=torch.float64)
    got = coupling_sum(phi, W)
    ref = (W * torch.sin(phi.unsqueeze(-2) - phi.unsqueeze(-1))).sum(-1)
    assert torch.allclose(got, ref, atol=1e-12)


def test_unknown_harmonic_mode_is_refused_by_both_equations():
    phi = torch.zeros(1, 3, dtype=F64)
    with pytest.raises(ValueError, match="harmonic_mode='both'"):
        phase_velocity(phi, torch.zeros(3, dtype=F64), torch.zeros(3, 3, dtype=F64), harmonic_mode="both")
    with pytest.raises(ValueError, match="harmonic_mode='both'"):
        phase_velocity_complex(phi, torch.zeros(3, dtype=F64), torch.zeros(3, 3, dtype=torch.complex128),
                               harmonic_mode="both")
