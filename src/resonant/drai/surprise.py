"""Surprise-driven adaptation, made concrete (DRAI §7 "Surprise-Driven Adaptation Mechanisms").

The paper asks that "Surprise Tokens" (its citation for them does not exist as cited; the closest real
work gates memory updates by a decaying surprise signal, Behrouz et al. 2025, "Titans")
  (a) gradually weaken connections rather than abruptly resetting them,
  (b) dynamically adjust connections when unexpected changes occur,
  (c) allow rapid reactivation of previously learned connections.
Our operationalisation, one learning window at a time (all time constants in windows):

* expectation: M̄_ij, an exponential moving average (time constant τ_e) of the window phase
  relation ⟨z_i z̄_j⟩ = ⟨e^{i(φ_i−φ_j)}⟩;
* locking to the expected relation: L_ij = Re(⟨z_i z̄_j⟩ · conj(M̄_ij)/|M̄_ij|) ∈ [−1, 1];
* pair surprise (a drop in phase locking): d_ij = max(0, |M̄_ij| − L_ij) ∈ [0, 2] (1 when an expected
  lock is lost, 2 when it flips to anti-phase, 0 when nothing changed or nothing was expected);
* global surprise ("surprise token"): S = mean_{i≠j} d_ij + max(0, e − ē) (the second term only when
  a recall error e is supplied; ē its moving average);
* plasticity multiplier (b): m_ij ← clip(1 + (m_ij − 1)e^{−1/τ_m} + κ(d_ij + S_err)·[S ≥ θ_S], 1, m_max):
  raised on the implicated connections when a surprise event occurs, decaying back to 1 otherwise;
* weakening (a): never a reset; weights move only by the rule, η·m·⟨g⟩ − λw per window, so a lost
  association fades over several windows;
* reactivation (c): a trace T_ij remembers past associations with fast attack and slow release: it
  jumps to w_ij whenever w_ij is at least as strong as T_ij in the same direction (|w| ≥ |T| and
  Re(w conj T) ≥ 0), and otherwise relaxes toward w_ij with time constant τ_T. A weakened (dormant)
  connection thus keeps its remembered value for ~τ_T windows. When the current update agrees with
  the trace (Re(Δw_ij conj T_ij) > 0), the update is multiplied by
  r_ij = 1 + κ_r · clip(1 − Re(w_ij conj T_ij)/|T_ij|², 0, 1) — large for dormant connections far
  below their remembered value, 1 for connections already at it.
The learning rate of pair (i, j) in the window is η · m_ij · r_ij.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from resonant.drai.rules import offdiagonal_mask


@dataclass(frozen=True)
class SurpriseParams:
    """Constants of the surprise mechanism (see the module docstring; times in learning windows)."""

    tau_expect: float = 5.0
    tau_plasticity: float = 3.0
    gain: float = 4.0
    threshold: float = 0.05
    m_max: float = 10.0
    reactivation_gain: float = 4.0
    tau_trace: float = 50.0

    def __post_init__(self) -> None:
        for name in ("tau_expect", "tau_plasticity", "tau_trace"):
            v = getattr(self, name)
            if not (v >= 1.0 and math.isfinite(v)):
                raise ValueError(f"SurpriseParams.{name}={v!r} must be a finite number >= 1 (windows)")
        for name in ("gain", "threshold", "reactivation_gain"):
            v = getattr(self, name)
            if not (v >= 0.0 and math.isfinite(v)):
                raise ValueError(f"SurpriseParams.{name}={v!r} must be a finite number >= 0")
        if not (self.m_max >= 1.0 and math.isfinite(self.m_max)):
            raise ValueError(f"SurpriseParams.m_max={self.m_max!r} must be a finite number >= 1")


def ema_rate(tau: float) -> float:
    """α = 1 − e^{−1/τ}: the per-window weight of an exponential moving average with time constant τ windows."""
    return -math.expm1(-1.0 / tau)


def locking_to_expected(mean_zz: torch.Tensor, expected: torch.Tensor) -> torch.Tensor:
    """L_ij = Re(⟨z_i z̄_j⟩ conj(M̄_ij)/|M̄_ij|) (0 where nothing is expected, |M̄_ij| = 0), real (..., N, N)."""
    mag = expected.abs()
    u = torch.where(mag > 0, expected / mag.clamp_min(torch.finfo(mag.dtype).tiny), torch.zeros_like(expected))
    return (mean_zz * u.conj()).real


def locking_drop(mean_zz: torch.Tensor, expected: torch.Tensor) -> torch.Tensor:
    """Pair surprise d_ij = max(0, |M̄_ij| − L_ij): the drop in phase locking relative to the expected relation."""
    return (expected.abs() - locking_to_expected(mean_zz, expected)).clamp_min(0.0)


def error_surprise(error: torch.Tensor, expected_error: torch.Tensor) -> torch.Tensor:
    """S_err = max(0, e − ē): a rise in recall error above its running expectation, shape of ``error``."""
    return (error - expected_error).clamp_min(0.0)


def global_surprise(d: torch.Tensor, s_err: torch.Tensor | None = None) -> torch.Tensor:
    """S = mean_{i≠j} d_ij (+ S_err), one value per network, shape (...)."""
    N = d.shape[-1]
    S = d.masked_fill(~offdiagonal_mask(N, d.device), 0.0).sum((-1, -2)) / (N * (N - 1))
    return S if s_err is None else S + s_err


def plasticity_update(
    m: torch.Tensor, d: torch.Tensor, S: torch.Tensor, params: SurpriseParams, s_err: torch.Tensor | None = None
) -> torch.Tensor:
    """m_ij ← clip(1 + (m_ij − 1)e^{−1/τ_m} + κ(d_ij + S_err)[S ≥ θ_S], 1, m_max). S (...) broadcasts over pairs."""
    relax = math.exp(-1.0 / params.tau_plasticity)
    event = (S >= params.threshold).to(m.dtype)[..., None, None]
    drive = d if s_err is None else d + s_err[..., None, None]
    return (1.0 + (m - 1.0) * relax + params.gain * drive * event).clamp(1.0, params.m_max)


def reactivation_factor(W: torch.Tensor, trace: torch.Tensor, delta: torch.Tensor, gain: float) -> torch.Tensor:
    """Reactivation factor r_ij = 1 + κ_r · clip(1 − Re(w_ij conj T_ij)/|T_ij|², 0, 1).

    Applied where the update agrees with the trace (Re(Δw_ij conj T_ij) > 0) and T_ij ≠ 0; r_ij = 1 elsewhere.
    """
    t2 = (trace * trace.conj()).real if trace.is_complex() else trace * trace
    proj = (W * trace.conj()).real if W.is_complex() else W * trace
    agree = ((delta * trace.conj()).real if delta.is_complex() else delta * trace) > 0
    deficit = torch.where(t2 > 0, 1.0 - proj / t2.clamp_min(torch.finfo(t2.dtype).tiny), 0.0).clamp(0.0, 1.0)
    return 1.0 + gain * torch.where(agree & (t2 > 0), deficit, 0.0)


def trace_update(trace: torch.Tensor, W: torch.Tensor, tau: float) -> torch.Tensor:
    """Fast-attack, slow-release trace: T ← w where |w| ≥ |T| and Re(w conj T) ≥ 0, else T + (1 − e^{−1/τ})(w − T)."""
    proj = (W * trace.conj()).real if W.is_complex() else W * trace
    stronger = (W.abs() >= trace.abs()) & (proj >= 0)
    return torch.where(stronger, W, trace + ema_rate(tau) * (W - trace))


@dataclass
class SurpriseState:
    """Per-network surprise state: expected relation M̄ (..., N, N) complex, multiplier m (..., N, N) real,
    trace T (like W), expected error ē (...) (NaN until a first error is seen), and whether M̄ is set."""

    expected: torch.Tensor
    multiplier: torch.Tensor
    trace: torch.Tensor
    expected_error: torch.Tensor
    initialised: bool = False

    @classmethod
    def zeros(cls, W: torch.Tensor) -> SurpriseState:
        cdtype = torch.complex128 if W.real.dtype == torch.float64 else torch.complex64
        return cls(
            expected=torch.zeros(W.shape, dtype=cdtype, device=W.device),
            multiplier=torch.ones(W.shape, dtype=W.real.dtype, device=W.device),
            trace=torch.zeros_like(W),
            expected_error=torch.full(W.shape[:-2], math.nan, dtype=W.real.dtype, device=W.device),
        )

    def state_dict(self) -> dict[str, Any]:
        return dict(expected=self.expected, multiplier=self.multiplier, trace=self.trace,
                    expected_error=self.expected_error, initialised=self.initialised)

    @classmethod
    def from_state_dict(cls, d: dict[str, Any], device: torch.device | None = None) -> SurpriseState:
        return cls(expected=d["expected"].to(device), multiplier=d["multiplier"].to(device),
                   trace=d["trace"].to(device), expected_error=d["expected_error"].to(device),
                   initialised=bool(d["initialised"]))


def surprise_step(
    state: SurpriseState,
    mean_zz: torch.Tensor,
    W: torch.Tensor,
    delta: torch.Tensor,
    params: SurpriseParams,
    error: torch.Tensor | None = None,
) -> tuple[SurpriseState, torch.Tensor, torch.Tensor]:
    """One window of the surprise mechanism. Returns (new state, per-pair rate factor m·r, global surprise S).

    Shapes: mean_zz, W, delta (..., N, N); error (...) or None. The first window only sets the
    expectation (nothing is surprising before anything is expected). The trace is updated with the
    W *before* this window's update; the caller multiplies Δw by the returned factor.
    """
    if not state.initialised:
        new = SurpriseState(expected=mean_zz.clone(), multiplier=state.multiplier, trace=state.trace,
                            expected_error=state.expected_error if error is None else error.clone(),
                            initialised=True)
        r = reactivation_factor(W, state.trace, delta, params.reactivation_gain)
        new.trace = trace_update(state.trace, W, params.tau_trace)
        S = torch.zeros(W.shape[:-2], dtype=W.real.dtype, device=W.device)
        return new, state.multiplier * r, S
    d = locking_drop(mean_zz, state.expected)
    s_err = None
    expected_error = state.expected_error
    if error is not None:
        known = torch.isfinite(state.expected_error)
        s_err = torch.where(known, error_surprise(error, state.expected_error), 0.0)
        expected_error = torch.where(known, state.expected_error + ema_rate(params.tau_expect)
                                     * (error - state.expected_error), error)
    S = global_surprise(d, s_err)
    m = plasticity_update(state.multiplier, d, S, params, s_err)
    r = reactivation_factor(W, state.trace, delta, params.reactivation_gain)
    new = SurpriseState(
        expected=state.expected + ema_rate(params.tau_expect) * (mean_zz - state.expected),
        multiplier=m,
        trace=trace_update(state.trace, W, params.tau_trace),
        expected_error=expected_error,
        initialised=True,
    )
    return new, m * r, S
