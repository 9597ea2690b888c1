"""Phases, phasors and order parameters."""

from __future__ import annotations

import math

import torch

TWO_PI = 2.0 * math.pi


def wrap_phase(phi: torch.Tensor) -> torch.Tensor:
    """Wrap phases to [0, 2π) (the ``wrap`` of RCS eq. 40)."""
    r = torch.remainder(phi, TWO_PI)
    # A tiny negative phase gives r = phi + 2π, which rounds up to exactly 2π (≡ 0).
    return torch.where(r >= TWO_PI, r - TWO_PI, r)


def wrap_pi(x: torch.Tensor) -> torch.Tensor:
    """Shortest signed angular distance: wrap to [-π, π) (used for Δφ_ik in RCS eq. 9)."""
    # fmod is exact and both corrections are exact (Sterbenz), so the result is x - 2πk exactly
    # and lies in [-π, π) even next to ±π and for large |x|.
    r = torch.fmod(x, TWO_PI)
    r = torch.where(r >= math.pi, r - TWO_PI, r)
    return torch.where(r < -math.pi, r + TWO_PI, r)


def phasor(A: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Complex phasor z = A e^{iφ}, RCS eq. (2) and (36)."""
    return torch.polar(A, phi)


def order_parameter(
    phi: torch.Tensor, weights: torch.Tensor | None = None, dim: int = -1
) -> torch.Tensor:
    """Kuramoto order parameter R = |Σ a_i e^{iφ_i}| / Σ a_i along ``dim``.

    Unweighted it is the global R(t) of RCS eq. (48); with amplitudes as weights it is R_U of
    eq. (25). An empty set (or zero total weight) gives R = 0.
    """
    if weights is None:
        weights = torch.ones_like(phi)
    # hypot, not sqrt(x² + y²): squaring tiny weighted sums underflows to subnormals and R drifts above 1.
    num = torch.hypot((weights * torch.cos(phi)).sum(dim), (weights * torch.sin(phi)).sum(dim))
    den = weights.sum(dim)
    return torch.where(den > 0, num / den.clamp_min(torch.finfo(phi.dtype).tiny), 0.0)
