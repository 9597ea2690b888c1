"""Controlled stochastic dither, RCS §9.3.3 eq. (46)."""

from __future__ import annotations

import math

import torch


def dither_increment(
    shape: tuple[int, ...] | torch.Size,
    sigma: float,
    dt: float,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Phase increment of the frequency noise ω_i(t) = ω_i + σ ξ_i(t), eq. (46).

    ξ is Gaussian white noise, so over a step the phase gains σ√Δt·N(0, 1) (Euler-Maruyama):
    the increment has variance σ²Δt, independent of how the interval is subdivided.
    """
    if sigma == 0.0:
        return torch.zeros(shape, dtype=dtype, device=device)
    noise = torch.randn(shape, generator=generator, dtype=dtype, device=device)
    return (sigma * math.sqrt(dt)) * noise
