"""Coherence statistics of a weighted sum of phasors (RCS §5.1-5.3)."""

from __future__ import annotations

import math

import torch

SQRT_PI_OVER_4 = math.sqrt(math.pi / 4.0)


def expected_random_magnitude(a: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """E|S| ≈ √(π/4) √(Σ a_i²) for S = Σ a_i e^{iθ_i} with i.i.d. uniform θ_i, RCS eq. (16).

    Asymptotically exact (Rayleigh limit) for many contributors of comparable weight.
    """
    return SQRT_PI_OVER_4 * (a * a).sum(dim).sqrt()


def coherence(u_abs: torch.Tensor, w_sum: torch.Tensor) -> torch.Tensor:
    """coh(k) = |u_k| / Σ_i w_ik ∈ [0, 1], RCS eq. (15); zero where the carrier has no weight."""
    tiny = torch.finfo(u_abs.dtype).tiny
    return torch.where(w_sum > 0, u_abs / w_sum.clamp_min(tiny), 0.0)


def random_phase_baseline(w_sum: torch.Tensor, w_sq_sum: torch.Tensor) -> torch.Tensor:
    """b_k = √(π/4) √(Σ w²) / Σ w, the random-phase expected coherence, RCS eqs. (17)-(18)."""
    tiny = torch.finfo(w_sum.dtype).tiny
    return torch.where(w_sum > 0, SQRT_PI_OVER_4 * w_sq_sum.sqrt() / w_sum.clamp_min(tiny), 0.0)


def division_score(u_abs: torch.Tensor, w_sum: torch.Tensor, w_sq_sum: torch.Tensor) -> torch.Tensor:
    """D_k = coh(k) / b_k, RCS eq. (19).

    Algebraically D_k = |u_k| / (√(π/4) √(Σ w²)): the ratio of the drive's magnitude to its
    random-phase expectation. A carrier with no weight gets D = 0 (no coherent input).
    """
    tiny = torch.finfo(u_abs.dtype).tiny
    denom = SQRT_PI_OVER_4 * w_sq_sum.sqrt()
    return torch.where(denom > 0, u_abs / denom.clamp_min(tiny), 0.0)
