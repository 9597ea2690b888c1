"""Events that change the shape of the system (RCS §4.6, §5.3-5.6), vectorised over carriers.

Each function mutates an :class:`~resonant.rcs.state.RCSState` in place and returns what it
did (counts or audit records); the engine runs them every ``r_arch`` steps (§8.3.2).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from resonant.core.phases import TWO_PI, wrap_pi
from resonant.core.sparse import scatter_sum
from resonant.rcs.config import RCSConfig
from resonant.rcs.dynamics import (
    carrier_statistics,
    ema_weight,
    gate_width_step,
    genesis_criterion,
    unbound_order_parameter,
)
from resonant.rcs.state import RCSState


def degrees(state: RCSState) -> tuple[torch.Tensor, torch.Tensor]:
    """(bonds per oscillator, bonds per carrier)."""
    return (torch.bincount(state.osc, minlength=state.N), torch.bincount(state.car, minlength=state.M))


def update_statistics(state: RCSState, cfg: RCSConfig, dt_block: float, steps_in_block: int, t: float) -> None:
    """Carrier statistics over the last block of ``steps_in_block`` steps (length Δt_block = r_arch·Δt).

    * D_k from eqs. (14)-(19) with w = P·A;
    * intake I_k = EMA(|u_k|) (eq. 24) fed with the block mean of |u_k|;
    * gate width W_k by eq. (10) with D_k held over the block;
    * instability evidence: EMA (time constant T_div) of 1[D_k < θ_div] (eq. 20, see docs), and the time t of
      the latest block with D_k < θ_div (the EMA alone keeps evidence older than T_div);
    * metabolism: time for which I_k^eff = I_k·D̄_k (eq. 24) has stayed below I_min.
    """
    if state.M == 0:
        return
    stats = carrier_statistics(state.P, state.A, state.phi, state.osc, state.car, state.M)
    D = stats["D"]
    state.D = D
    a_I = ema_weight(dt_block, cfg.tau_I)
    state.I_ema = state.I_ema + a_I * (state.u_abs_acc / max(steps_in_block, 1) - state.I_ema)
    state.u_abs_acc = torch.zeros_like(state.u_abs_acc)
    state.D_ema = state.D_ema + a_I * (D - state.D_ema)
    a_div = ema_weight(dt_block, cfg.T_div)
    low_D = D < cfg.theta_div
    state.unstable_ema = state.unstable_ema + a_div * (low_D.to(D.dtype) - state.unstable_ema)
    state.last_unstable = torch.where(low_D, torch.full_like(state.last_unstable, t), state.last_unstable)
    state.W = gate_width_step(state.W, D, cfg.eta_narrow, cfg.eta_widen, cfg.W_min, cfg.W_max, dt_block)
    I_eff = state.I_ema * state.D_ema
    state.low_time = torch.where(I_eff < cfg.I_min, state.low_time + dt_block, torch.zeros_like(state.low_time))


def dissolve(state: RCSState, cfg: RCSConfig, t: float) -> list[tuple[int, float, float]]:
    """Remove carriers whose effective intake stayed below I_min for T_dissolve (§5.5).

    Their bonds go with them (not counted as snaps, pitfall 8). Returns (id, birth, death) per carrier.
    """
    if state.M == 0:
        return []
    dead = state.low_time >= cfg.T_dissolve
    if not bool(dead.any()):
        return []
    out = [(int(i), float(b), t) for i, b in zip(state.car_id[dead].tolist(), state.birth_time[dead].tolist(),
                                                  strict=True)]
    state.keep_carriers(~dead)
    return out


def depart(state: RCSState, cfg: RCSConfig, t: float) -> int:
    """Oscillators whose drive has ended and whose amplitude rang down below A_leave leave (§10)."""
    if state.N == 0:
        return 0
    gone = (state.t_end <= t) & (state.A < cfg.A_leave)
    n = int(gone.sum())
    if n:
        state.keep_oscillators(~gone)
    return n


def mitosis(state: RCSState, cfg: RCSConfig, t: float, generator: torch.Generator) -> list[dict[str, Any]]:
    """Spectral factorisation of persistently unstable, multimodal carriers (§5.3-5.4, Algorithm 2).

    A carrier divides when (i) D_k < θ_div for at least a fraction f_div of the window T_div
    (eq. 20) and at least once within the last T_div (so that evidence older than the window, which the EMA
    still carries, cannot trigger a division), (ii) it is older than T_div and out of its refractory period,
    and (iii) its
    bonded oscillators' frequencies are bimodal: they are split at the largest gap of the
    sorted ω_i into a low cluster L and a high cluster H, and the split counts as multimodal when
    the weighted cluster centres are at least ``min_separation_hz`` apart and Ashman's
    D = √2|ω̄_H − ω̄_L| / √(σ_L² + σ_H²) exceeds ``ashman_D`` (weights w = P·A).
    The parent keeps L, a new child carrier gets H (bonds are moved, not copied); each offspring's
    ω_k is recentred to its cluster's weighted mean frequency, its phase set to its cluster's
    resultant phase plus a small kick, and the energy |c_k| shared in proportion to the weights.
    Returns one audit record per division.
    """
    M = state.M
    if M == 0 or state.nnz < 2:
        return []
    _, col = degrees(state)
    cand = (
        (state.unstable_ema >= cfg.f_div)
        & (t - state.last_unstable <= cfg.T_div)
        & (t - state.birth_time >= cfg.T_div)
        & (t >= state.refractory_until)
        & (col >= 2)
    )
    if not bool(cand.any()):
        return []
    e = torch.nonzero(cand[state.car]).squeeze(1)
    k = state.car[e]
    om = state.omega[state.osc[e]]
    w = state.P[e] * state.A[state.osc[e]]
    # sort edges by (carrier, ω): a stable sort by ω, then a stable sort by carrier.
    o1 = torch.argsort(om, stable=True)
    o2 = torch.argsort(k[o1], stable=True)
    order = o1[o2]
    ks, oms = k[order], om[order]
    same = ks[1:] == ks[:-1]
    gap = torch.where(same, oms[1:] - oms[:-1], torch.full_like(oms[1:], -1.0))
    gmax = torch.full((M,), -1.0, dtype=om.dtype, device=om.device).scatter_reduce(
        0, ks[:-1], gap, reduce="amax", include_self=True
    )
    pos = torch.arange(gap.shape[0], device=om.device)
    at_max = (gap == gmax[ks[:-1]]) & (gap > 0)
    big = gap.shape[0] + 1
    first = torch.full((M,), big, dtype=torch.int64, device=om.device).scatter_reduce(
        0, ks[:-1], torch.where(at_max, pos, torch.full_like(pos, big)), reduce="amin", include_self=True
    )
    has_split = first < big
    fidx = first.clamp_max(max(gap.shape[0] - 1, 0))
    split_at = torch.where(has_split, 0.5 * (oms[fidx] + oms[(fidx + 1).clamp_max(oms.shape[0] - 1)]),
                           torch.full_like(gmax, math.inf))
    high = om > split_at[k]
    wL = scatter_sum(torch.where(high, 0.0, w), k, M)
    wH = scatter_sum(torch.where(high, w, 0.0), k, M)
    tiny = torch.finfo(w.dtype).tiny
    muL = scatter_sum(torch.where(high, 0.0, w * om), k, M) / wL.clamp_min(tiny)
    muH = scatter_sum(torch.where(high, w * om, 0.0), k, M) / wH.clamp_min(tiny)
    dev = om - torch.where(high, muH[k], muL[k])
    varL = scatter_sum(torch.where(high, 0.0, w * dev * dev), k, M) / wL.clamp_min(tiny)
    varH = scatter_sum(torch.where(high, w * dev * dev, 0.0), k, M) / wH.clamp_min(tiny)
    sep = muH - muL
    pooled = torch.sqrt(varL + varH)
    ashman = torch.where(pooled > 0, math.sqrt(2.0) * sep / pooled.clamp_min(tiny), torch.full_like(sep, math.inf))
    multimodal = cand & has_split & (wL > 0) & (wH > 0) & (sep >= TWO_PI * cfg.min_separation_hz) & (
        ashman > cfg.ashman_D
    )
    if not bool(multimodal.any()):
        return []
    parents = torch.nonzero(multimodal).squeeze(1)
    n_new = parents.shape[0]
    child_of = torch.full((M,), -1, dtype=torch.int64, device=om.device)
    child_of[parents] = torch.arange(M, M + n_new, device=om.device)
    # cluster resultant phases (w-weighted) for apex-like alignment of the offspring
    ph = state.phi[state.osc[e]]
    zr, zi = w * torch.cos(ph), w * torch.sin(ph)
    psiL = torch.atan2(scatter_sum(torch.where(high, 0.0, zi), k, M), scatter_sum(torch.where(high, 0.0, zr), k, M))
    psiH = torch.atan2(scatter_sum(torch.where(high, zi, 0.0), k, M), scatter_sum(torch.where(high, zr, 0.0), k, M))
    var_parent = scatter_sum(w * (om - (scatter_sum(w * om, k, M) / (wL + wH).clamp_min(tiny))[k]) ** 2, k, M) / (
        wL + wH
    ).clamp_min(tiny)
    # audit before mutating
    audit = []
    for p in parents.tolist():
        audit.append(dict(
            t=round(t, 9), parent_id=int(state.car_id[p]), child_id=state.next_car_id + len(audit),
            D=float(state.D[p]), unstable_fraction=float(state.unstable_ema[p]),
            since_low_D=round(t - float(state.last_unstable[p]), 9),
            n_low=int(((k == p) & ~high).sum()), n_high=int(((k == p) & high).sum()),
            f_low_hz=float(muL[p]) / TWO_PI, f_high_hz=float(muH[p]) / TWO_PI,
            ashman_D=float(ashman[p]), var_hz2=float(var_parent[p]) / TWO_PI**2,
        ))
    # move the high-cluster bonds to the children
    moved = e[high & multimodal[k]]
    state.car[moved] = child_of[state.car[moved]]
    r = state.c.abs()
    share = wH / (wL + wH).clamp_min(tiny)
    noise = cfg.mitosis_phase_noise * torch.randn(2 * n_new, generator=generator, dtype=om.dtype,
                                                  device="cpu").to(om.device)
    pr = parents
    c_parent = torch.polar(r[pr] * (1.0 - share[pr]), psiL[pr] + noise[:n_new])
    c_child = torch.polar(r[pr] * share[pr], psiH[pr] + noise[n_new:])
    state.c = state.c.clone()
    state.c[pr] = c_parent.to(state.c.dtype)
    state.omega_k = state.omega_k.clone()
    state.omega_k[pr] = muL[pr]
    until = torch.full((n_new,), t + cfg.refractory, dtype=om.dtype, device=om.device)
    state.refractory_until = state.refractory_until.clone()
    state.refractory_until[pr] = until
    state.unstable_ema = state.unstable_ema.clone()
    state.unstable_ema[pr] = 0.0
    state.last_unstable = state.last_unstable.clone()
    state.last_unstable[pr] = t - 2.0 * cfg.T_div
    zeros = torch.zeros(n_new, dtype=om.dtype, device=om.device)
    state.append_carriers(
        c=c_child, omega_k=muH[pr], W=state.W[pr], I_ema=state.I_ema[pr] * share[pr], D=state.D[pr],
        D_ema=state.D_ema[pr], unstable_ema=zeros, last_unstable=zeros + (t - 2.0 * cfg.T_div), low_time=zeros,
        birth_time=zeros + t,
        refractory_until=until, u_abs_acc=zeros,
    )
    state.I_ema = state.I_ema.clone()
    state.I_ema[pr] = state.I_ema[pr] * (1.0 - share[pr])
    return audit


def recruit(state: RCSState, cfg: RCSConfig, t: float) -> int:
    """Create new bonds, the mechanism eq. (13) lacks (pitfall 2).

    An oscillator that is still driven and below its degree cap d_max may bond to the carrier
    nearest to it in frequency if (i) |ω_i − ω_k| ≤ 2π·recruit_bandwidth_hz, (ii) its peak is
    inside that carrier's gate window now, |wrap(φ_i − ψ_k)| < W_k/2 (in-gate capture, §4.6), (iii)
    the carrier is below its column cap q_max and (iv) they are not bonded yet. The bond starts at
    P_recruit > ε_snap; eq. (13) then decides: it grows if the pair keeps capturing energy in-gate
    and otherwise decays and snaps (a counted snap: its own dynamics broke it).
    """
    N, M = state.N, state.M
    if N == 0 or M == 0:
        return 0
    row, col = degrees(state)
    free = (row < cfg.d_max) & (state.t_end > t)
    if not bool(free.any()):
        return 0
    order = torch.argsort(state.omega_k)
    oms = state.omega_k[order]
    pos = torch.searchsorted(oms, state.omega)
    left = order[(pos - 1).clamp(0, M - 1)]
    right = order[pos.clamp(0, M - 1)]
    dl = (state.omega - state.omega_k[left]).abs()
    dr = (state.omega - state.omega_k[right]).abs()
    k = torch.where(dl <= dr, left, right)
    dist = torch.minimum(dl, dr)
    psi = torch.angle(state.c)
    in_gate = wrap_pi(state.phi - psi[k]).abs() < 0.5 * state.W[k]
    ok = free & (dist <= TWO_PI * cfg.recruit_bandwidth_hz) & in_gate & (col[k] < cfg.q_max)
    if not bool(ok.any()):
        return 0
    i = torch.nonzero(ok).squeeze(1)
    k = k[i]
    if state.nnz:
        existing = state.osc * M + state.car
        fresh = ~torch.isin(i * M + k, existing)
        i, k = i[fresh], k[fresh]
    if i.numel() == 0:
        return 0
    # column cap among the new bonds: rank within carrier
    o = torch.argsort(k, stable=True)
    i, k = i[o], k[o]
    start = torch.searchsorted(k, k, side="left")
    rank = torch.arange(k.shape[0], device=k.device) - start
    allowed = rank < (cfg.q_max - col[k])
    i, k = i[allowed], k[allowed]
    if i.numel() == 0:
        return 0
    state.append_edges(i, k, torch.full((i.shape[0],), cfg.P_recruit, dtype=state.P.dtype, device=state.P.device))
    return int(i.shape[0])


def nucleate(state: RCSState, cfg: RCSConfig, t: float) -> int:
    """Phase-clustered, apex-aligned genesis of one carrier, eqs. (25)-(26), §5.6.

    U = oscillators with max_k P_ik < P_min, amplitude ≥ A_leave and a free bond slot. If
    Σ_U A_i > A_pressure and R_U > R_genesis, a carrier is born with its phase at the strongest
    unbound oscillator's (apex alignment), its ω_k = that oscillator's ω, energy c_birth, and bonds
    of strength P_birth to the unbound oscillators within half a gate width W_init/2 of the apex
    (its phase cluster; at most q_max). Returns the number of carriers born (0 or 1).
    """
    N = state.N
    if N == 0:
        return 0
    row, _ = degrees(state)
    maxP = torch.zeros(N, dtype=state.P.dtype, device=state.P.device)
    if state.nnz:
        maxP = maxP.scatter_reduce(0, state.osc, state.P, reduce="amax", include_self=True)
    U = (maxP < cfg.P_min) & (state.A >= cfg.A_leave) & (row < cfg.d_max)
    if not bool(U.any()):
        return 0
    A_sum, R_U = unbound_order_parameter(state.A[U], state.phi[U])
    if not bool(genesis_criterion(A_sum, R_U, cfg.A_pressure, cfg.R_genesis)):
        return 0
    A_masked = torch.where(U, state.A, torch.full_like(state.A, -1.0))
    apex = int(torch.argmax(A_masked))
    phi_a = state.phi[apex]
    member = U & (wrap_pi(state.phi - phi_a).abs() < 0.5 * cfg.W_init)
    idx = torch.nonzero(member).squeeze(1)
    if idx.numel() > cfg.q_max:
        idx = idx[torch.argsort(state.A[idx], descending=True)[: cfg.q_max]]
    M = state.M
    dtype = state.phi.dtype
    one = torch.ones(1, dtype=dtype, device=state.phi.device)
    state.append_carriers(
        c=torch.polar(one * cfg.c_birth, phi_a.reshape(1)), omega_k=state.omega[apex].reshape(1), W=one * cfg.W_init,
        I_ema=one * 0.0, D=one * 0.0, D_ema=one * 1.0, unstable_ema=one * 0.0,
        last_unstable=one * (t - 2.0 * cfg.T_div), refractory_until=one * t, u_abs_acc=one * 0.0,
        low_time=one * 0.0, birth_time=one * t,
    )
    state.append_edges(idx, torch.full_like(idx, M), torch.full((idx.shape[0],), cfg.P_birth, dtype=dtype,
                                                                 device=state.phi.device))
    return 1
