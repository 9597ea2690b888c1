"""Integrators, kept separate from the right-hand sides they advance (diffrax style).

* :func:`euler_step` -- the explicit scheme of RCS eqs. (36)-(40).
* :func:`exponential_linear_step` -- the exponential integrator of RCS eq. (41) for a linear
  term ċ = a c + u with the drive u held over the step; ``a`` may be complex, so the intrinsic
  carrier rotation iω_k is integrated exactly together with the damping -γ_k.
* :func:`cubic_saturation_flow` -- the exact flow of the saturation term ċ = -β|c|²c,
  "saturation handled explicitly" (eq. 41) by Lie splitting.
"""

from __future__ import annotations

import torch


def euler_step(y: torch.Tensor, dydt: torch.Tensor, dt: float) -> torch.Tensor:
    """Explicit Euler y ← y + Δt·ẏ, RCS eqs. (38) and (40)."""
    return y + dt * dydt


def phi1(x: torch.Tensor) -> torch.Tensor:
    """φ₁(x) = (eˣ − 1)/x, continuous at 0 (series below |x| < 1e-4), real or complex."""
    small = x.abs() < 1e-4
    safe = torch.where(small, torch.ones_like(x), x)
    series = 1.0 + x / 2.0 + x * x / 6.0
    return torch.where(small, series, torch.expm1(safe) / safe)


def exponential_linear_step(c: torch.Tensor, u: torch.Tensor, a: torch.Tensor, dt: float) -> torch.Tensor:
    """Exact step of ċ = a·c + u with u constant over the step, RCS eq. (41).

    c(t+Δt) = e^{aΔt} c(t) + Δt φ₁(aΔt) u(t). With a = -γ this is eq. (41) verbatim,
    (1 − e^{−γΔt})/γ · u; with a = -γ + iω it also rotates the carrier exactly.
    """
    adt = a * dt
    return torch.exp(adt) * c + dt * phi1(adt) * u


def cubic_saturation_flow(c: torch.Tensor, beta: torch.Tensor | float, dt: float) -> torch.Tensor:
    """Exact flow of ċ = -β|c|²c over Δt: c / √(1 + 2βΔt|c|²) (phase unchanged, |c| non-increasing)."""
    r2 = c.real * c.real + c.imag * c.imag if c.is_complex() else c * c
    return c * torch.rsqrt(1.0 + 2.0 * beta * dt * r2)
