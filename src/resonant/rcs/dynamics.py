"""The RCS equations as small pure functions (one per equation, named after it).

Tensors are 1-D: oscillator quantities have length N, carrier quantities length M, edge
quantities (one per nonzero presence P_ik) length nnz with ``osc``/``car`` holding i and k.
Nothing here mutates its inputs or holds state; :mod:`resonant.rcs.engine` orchestrates.
"""

from __future__ import annotations

import math

import torch

from resonant.core.coherence import SQRT_PI_OVER_4, coherence, random_phase_baseline
from resonant.core.integrators import cubic_saturation_flow, exponential_linear_step, phi1
from resonant.core.phases import wrap_phase, wrap_pi
from resonant.core.sparse import scatter_sum


def gate(c: torch.Tensor) -> torch.Tensor:
    """Pulse gate G(ψ_k) = 1 if cos ψ_k ≥ 0 else 0, RCS eq. (4).

    cos ψ_k ≥ 0 ⇔ Re c_k ≥ 0 for c_k = r_k e^{iψ_k}, so no angle is needed. A carrier at c = 0
    has ψ = 0 by convention and an open gate.
    """
    return (c.real >= 0).to(c.real.dtype)


def tuning(phi_i: torch.Tensor, psi_k: torch.Tensor, W_k: torch.Tensor) -> torch.Tensor:
    """Tuning strength T_ik = exp(−Δφ_ik² / σ_k), σ_k = (W_k/2)², Δφ_ik = wrap(φ_i − ψ_k) ∈ [−π, π), RCS eq. (9)."""
    return tuning_inv_sigma(phi_i, psi_k, 4.0 / (W_k * W_k))


def tuning_inv_sigma(phi_i: torch.Tensor, psi_k: torch.Tensor, inv_sigma_k: torch.Tensor) -> torch.Tensor:
    """Eq. (9) with 1/σ_k = 4/W_k² precomputed (the engine caches it between gate-width updates)."""
    d = wrap_pi(phi_i - psi_k)
    return torch.exp(-(d * d) * inv_sigma_k)


def tuned_drive(
    w: torch.Tensor, z: torch.Tensor, osc: torch.Tensor, car: torch.Tensor, M: int
) -> torch.Tensor:
    """Ungated tuned drive Σ_i T_ik P_ik z_i per carrier (the sum in RCS eq. 5), with w = T·P per edge."""
    return scatter_sum(w.to(z.dtype) * z[osc], car, M)


def gated_drive(G: torch.Tensor, drive: torch.Tensor) -> torch.Tensor:
    """u_k = G(ψ_k) Σ_i T_ik P_ik z_i, RCS eq. (5)."""
    return G.to(drive.dtype) * drive


def carrier_rhs(c: torch.Tensor, u: torch.Tensor, omega_k: torch.Tensor, gamma: float, beta: float) -> torch.Tensor:
    """ċ_k = iω_k c_k + u_k − γ c_k − β|c_k|² c_k: RCS eq. (5) plus the intrinsic rotation iω_k c_k.

    The rotation term is our fix for pitfall 1: without it a carrier's phase freezes while its
    gate is closed and the gate never reopens. Pass ``omega_k = 0`` for eq. (5) verbatim.
    """
    r2 = c.real * c.real + c.imag * c.imag
    return torch.complex(-gamma - beta * r2, omega_k) * c + u


def carrier_step(
    c: torch.Tensor,
    u: torch.Tensor,
    omega_k: torch.Tensor,
    gamma: float,
    beta: float,
    dt: float,
    integrator: str = "exponential",
) -> torch.Tensor:
    """Advance the carriers one step.

    ``"euler"``: eq. (38) c ← c + Δt·ċ (with rotation). ``"exponential"``: eq. (41) for the linear
    part a_k = −γ + iω_k with u held over the step (rotation and damping exact), then the exact
    flow of the cubic saturation (Lie splitting).
    """
    if integrator == "euler":
        return c + dt * carrier_rhs(c, u, omega_k, gamma, beta)
    a = torch.complex(torch.full_like(omega_k, -gamma), omega_k)
    return cubic_saturation_flow(exponential_linear_step(c, u, a, dt), beta, dt)


def carrier_propagator(omega_k: torch.Tensor, gamma: float, dt: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(e^{aΔt}, Δt·φ₁(aΔt)) for a_k = −γ + iω_k: the constants of eq. (41), cached between structure changes."""
    a = torch.complex(torch.full_like(omega_k, -gamma), omega_k) * dt
    return torch.exp(a), dt * phi1(a)


def quasi_steady_carrier(u_ungated: torch.Tensor, gamma: float, beta: float) -> torch.Tensor:
    """c_k ≈ ū_k / (γ + β|ū_k|²), RCS eq. (42), with ū = ½·u the cycle average of the 50%-duty gate."""
    ub = 0.5 * u_ungated
    return ub / (gamma + beta * (ub.real * ub.real + ub.imag * ub.imag))


def back_influence(
    w: torch.Tensor, c: torch.Tensor, osc: torch.Tensor, car: torch.Tensor, N: int
) -> torch.Tensor:
    """g_i = Σ_k T_ik P_ik c_k, RCS eq. (8), with w = T·P per edge."""
    return scatter_sum(w.to(c.dtype) * c[car], osc, N)


def phase_velocity(omega: torch.Tensor, g: torch.Tensor, phi: torch.Tensor, kappa: float) -> torch.Tensor:
    """φ̇_i = ω_i + κ Im(g_i e^{−iφ_i}), RCS eqs. (8)/(40); Im(g e^{−iφ}) = Im g cos φ − Re g sin φ."""
    return omega + kappa * (g.imag * torch.cos(phi) - g.real * torch.sin(phi))


def phase_step(phi: torch.Tensor, velocity: torch.Tensor, dt: float, noise: torch.Tensor | None = None) -> torch.Tensor:
    """φ ← wrap(φ + Δt·φ̇ [+ σ√Δt ξ]), RCS eq. (40) with the dither of eq. (46)."""
    nxt = phi + dt * velocity
    if noise is not None:
        nxt = nxt + noise
    return wrap_phase(nxt)


def amplitude_step_leaky(A: torch.Tensor, I: torch.Tensor, alpha: float, dt: float) -> torch.Tensor:
    """A ← max{0, (1 − αΔt)A + Δt·I}, RCS eq. (12)."""
    return torch.clamp_min((1.0 - alpha * dt) * A + dt * I, 0.0)


def amplitude_rhs_cubic(A: torch.Tensor, I: torch.Tensor, alpha: float, A0: float, rho: float) -> torch.Tensor:
    """Ȧ = −α(A − A₀) + I − ρA³, RCS eq. (11)."""
    return -alpha * (A - A0) + I - rho * A * A * A


def bond_capture(c_e: torch.Tensor, A_i: torch.Tensor, cos_phi: torch.Tensor, sin_phi: torch.Tensor) -> torch.Tensor:
    """In-gate capture term of eq. (13) in our normalisation: A_i·Re(ĉ_k e^{−iφ_i}) = A_i cos(ψ_k − φ_i).

    Eq. (13) uses Re(c_k e^{−iφ_i}) = |c_k| cos(ψ_k − φ_i). Since |c_k| itself grows with the
    bonds that feed it (|c_k| ≈ Σ P A / 2γ), the literal term makes growth ∝ P² against decay ∝ P:
    a lone bond can never be sustained and every bond either dies or runs away. We keep the
    alignment cos(ψ_k − φ_i) and weight it by the energy the *oscillator* brings, A_i, so that
    an aligned, driven oscillator holds its bond at P* = 1 − 2λ/(αA) while a drifting one (mean
    in-gate capture 1/2π instead of 1/2) decays and snaps. A carrier at c = 0 captures nothing.
    """
    r = c_e.abs()
    dot = c_e.real * cos_phi + c_e.imag * sin_phi
    return torch.where(r > 0, A_i * dot / r.clamp_min(torch.finfo(r.dtype).tiny), 0.0)


def bond_rhs(
    P: torch.Tensor,
    G_e: torch.Tensor,
    capture: torch.Tensor,
    alpha_p: float,
    lambda_p: float,
    tau_p: float,
    P_max: float = 1.0,
) -> torch.Tensor:
    """Ṗ_ik = [α G(ψ_k) P_ik (1 − P_ik/P_max) max(0, capture_ik) − λ P_ik] / τ_p, RCS eq. (13).

    ``capture`` is the in-gate capture term (see :func:`bond_capture`; Re(c_k e^{−iφ_i}) in the
    paper). The factor (1 − P/P_max) keeps P in [0, P_max] as §4.6 requires (eq. 13 alone grows
    without bound); with P_max = ∞ it is eq. (13) verbatim.
    """
    growth = alpha_p * G_e * P * torch.clamp_min(capture, 0.0)
    if math.isfinite(P_max):
        growth = growth * (1.0 - P / P_max)
    return (growth - lambda_p * P) / tau_p


def gate_width_step(
    W: torch.Tensor, D: torch.Tensor, eta_narrow: float, eta_widen: float, W_min: float, W_max: float, dt: float
) -> torch.Tensor:
    """Gate width W_k over Δt with D_k held, RCS eq. (10), then clipped to [W_min, W_max].

    Ẇ = −η_n(D − 1)W for D > 1, +η_w(1 − D)W for D < 1: both are linear in W, so the step is
    the exact exponential W·exp(rate·Δt) (always positive, unlike Euler).
    """
    rate = torch.where(D > 1.0, -eta_narrow * (D - 1.0), eta_widen * (1.0 - D))
    return torch.clamp(W * torch.exp(rate * dt), W_min, W_max)


def carrier_statistics(
    P: torch.Tensor, A: torch.Tensor, phi: torch.Tensor, osc: torch.Tensor, car: torch.Tensor, M: int
) -> dict[str, torch.Tensor]:
    """Weighted coherence statistics per carrier with w_ik = P_ik A_i, RCS eqs. (14)-(19).

    Returns w_sum = Σw, w_sq = Σw², u_abs = |Σ w e^{iφ}| (eq. 14), coh (eq. 15), b (eq. 18) and
    D = coh/b (eq. 19). Carriers without weight get coh = b = D = 0.
    """
    w = P * A[osc]
    ph = phi[osc]
    w_sum = scatter_sum(w, car, M)
    w_sq = scatter_sum(w * w, car, M)
    ur = scatter_sum(w * torch.cos(ph), car, M)
    ui = scatter_sum(w * torch.sin(ph), car, M)
    u_abs = torch.sqrt(ur * ur + ui * ui)
    coh = coherence(u_abs, w_sum)
    b = random_phase_baseline(w_sum, w_sq)
    tiny = torch.finfo(w.dtype).tiny
    D = torch.where(w_sq > 0, u_abs / (SQRT_PI_OVER_4 * w_sq.sqrt()).clamp_min(tiny), 0.0)
    return {"w_sum": w_sum, "w_sq": w_sq, "u_abs": u_abs, "coh": coh, "b": b, "D": D}


def spectral_profile(
    w_eff: torch.Tensor, omega: torch.Tensor, osc: torch.Tensor, car: torch.Tensor, M: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Spectral centre ω̄_k (eq. 22) and variance Var_k (eq. 23) with effective weights w = P·A·T (eq. 21).

    Carriers without weight get ω̄ = Var = 0.
    """
    om = omega[osc]
    s0 = scatter_sum(w_eff, car, M)
    s1 = scatter_sum(w_eff * om, car, M)
    safe = s0.clamp_min(torch.finfo(s0.dtype).tiny)
    center = torch.where(s0 > 0, s1 / safe, 0.0)
    dev = om - center[car]
    var = torch.where(s0 > 0, scatter_sum(w_eff * dev * dev, car, M) / safe, 0.0)
    return center, var


def effective_intake(I: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
    """Coherence-weighted intake I_k^eff = I_k · D_k, RCS eq. (24)."""
    return I * D


def ema_weight(dt: float, tau: float) -> float:
    """Weight of a new sample in an exponential moving average with time constant τ sampled every Δt."""
    return -math.expm1(-dt / tau)


def unbound_order_parameter(A_u: torch.Tensor, phi_u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(Σ_{i∈U} A_i, R_U) with R_U = |Σ A e^{iφ}| / Σ A over the unbound set, RCS eq. (25)."""
    s = A_u.sum()
    re = (A_u * torch.cos(phi_u)).sum()
    im = (A_u * torch.sin(phi_u)).sum()
    R = torch.where(s > 0, torch.sqrt(re * re + im * im) / s.clamp_min(torch.finfo(s.dtype).tiny), 0.0)
    return s, R


def genesis_criterion(A_sum: torch.Tensor, R_U: torch.Tensor, A_pressure: float, R_genesis: float) -> torch.Tensor:
    """Nucleate iff Σ_{i∈U} A_i > A_pressure and R_U > R_genesis, RCS eq. (26)."""
    return (A_sum > A_pressure) & (R_U > R_genesis)


def soft_assignment(w: torch.Tensor, osc: torch.Tensor, N: int) -> torch.Tensor:
    """m_ik = P_ik T_ik / Σ_k' P_ik' T_ik' per edge, RCS eq. (33) (w = P·T; rows with zero total get 0)."""
    tot = scatter_sum(w, osc, N)[osc]
    return torch.where(tot > 0, w / tot.clamp_min(torch.finfo(w.dtype).tiny), 0.0)


def description_length(nnz: int, M_active: int) -> int:
    """L_comp = nnz(P) + M_active, RCS eq. (49)."""
    return int(nnz) + int(M_active)


def global_order_parameter(phi: torch.Tensor) -> torch.Tensor:
    """R(t) = |N⁻¹ Σ_i e^{iφ_i}|, RCS eq. (48) (0 for N = 0)."""
    if phi.numel() == 0:
        return torch.zeros((), dtype=phi.dtype, device=phi.device)
    return torch.hypot(torch.cos(phi).mean(), torch.sin(phi).mean())


def carrier_energy_bound(U_max: float, gamma: float, beta: float) -> float:
    """Upper bound r* on |c_k| for a carrier whose drive obeys |u_k| ≤ U_max.

    From ṙ = Re(u e^{−iψ}) − γr − βr³ ≤ U_max − γr − βr³ (eq. 6; rotation does not change r),
    r cannot grow past the positive root r* of γr + βr³ = U_max. With at most q_max bonds,
    P ≤ P_max, T ≤ 1 and A ≤ a_max, U_max = q_max·P_max·a_max.
    """
    if beta == 0:
        return U_max / gamma
    # Stable closed form of the one real root (no Cardano cancellation), then Newton polishing.
    scale = 2.0 * math.sqrt(gamma / (3.0 * beta))
    r = scale * math.sinh(math.asinh(1.5 * U_max / gamma * math.sqrt(3.0 * beta / gamma)) / 3.0)
    for _ in range(3):
        f = gamma * r + beta * r**3 - U_max
        r -= f / (gamma + 3.0 * beta * r * r)
    return r
