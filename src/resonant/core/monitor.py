"""The detuning / coupling bound monitor, RCS §9.3.1 eqs. (43)-(44)."""

from __future__ import annotations

import torch

from resonant.core.sparse import scatter_sum


def coupling_bound(
    P: torch.Tensor, osc: torch.Tensor, c_abs: torch.Tensor, car: torch.Tensor, N: int, kappa: float
) -> torch.Tensor:
    """Left side of eq. (44): κ max_i Σ_k P_ik |c_k| (0 for an empty system)."""
    if N == 0 or P.numel() == 0:
        return torch.zeros((), dtype=c_abs.dtype, device=c_abs.device)
    per_osc = scatter_sum(P * c_abs[car], osc, N)
    return kappa * per_osc.max()


def detuning_halfwidth(omega: torch.Tensor) -> torch.Tensor:
    """Δ of eq. (43): half the spread of the natural frequencies, (max ω − min ω)/2."""
    if omega.numel() < 2:
        return torch.zeros((), dtype=omega.dtype, device=omega.device)
    return 0.5 * (omega.max() - omega.min())


def coupling_bound_ratio(coupling: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    """κ max_i Σ_k P_ik|c_k| / Δ: eq. (44) asks for this to stay ≲ 1 (inf when Δ = 0 and coupling > 0)."""
    return torch.where(
        delta > 0, coupling / delta.clamp_min(torch.finfo(delta.dtype).tiny),
        torch.where(coupling > 0, torch.full_like(coupling, float("inf")), torch.zeros_like(coupling)),
    )
