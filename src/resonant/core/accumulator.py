"""Integer phase accumulators with Q = 64 bits, RCS §9.3.2 eq. (45).

Φ ∈ {0, …, 2^64 − 1} represents φ = 2πΦ/2^64 and advances by exact modular addition
Φ ← (Φ + Δ) mod 2^64, so the free-running phase has no rounding drift at all. PyTorch has no
portable wrapping unsigned 64-bit add, so Φ is held as two 32-bit limbs in int64 tensors
(hi, lo), and the carry is propagated explicitly: every operation is exact integer arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

_MASK32 = (1 << 32) - 1
_TWO32 = float(1 << 32)


def increment_from_frequency(omega: torch.Tensor, dt: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Integer increment Δ = round(2^64 · (ωΔt / 2π mod 1)) as (hi, lo) limbs, eq. (45).

    The fraction of a turn per step is exact in float64 to 53 bits; the remaining low bits of
    Δ are zero, which is a valid (deterministic) choice of increment.
    """
    frac = torch.remainder(omega.to(torch.float64) * dt / (2.0 * math.pi), 1.0)
    scaled_hi = frac * _TWO32
    hi = torch.floor(scaled_hi)
    lo = torch.round((scaled_hi - hi) * _TWO32)
    carry = (lo >= _TWO32).to(torch.float64)
    lo = lo - carry * _TWO32
    hi = torch.remainder(hi + carry, _TWO32)
    return hi.to(torch.int64), lo.to(torch.int64)


@dataclass
class PhaseAccumulator:
    """A batch of Q = 64-bit phase accumulators Φ = hi·2^32 + lo."""

    hi: torch.Tensor
    lo: torch.Tensor

    Q: int = 64

    @classmethod
    def from_phase(cls, phi: torch.Tensor) -> PhaseAccumulator:
        """Accumulators nearest to the given phases (radians)."""
        hi, lo = increment_from_frequency(phi, 1.0)
        return cls(hi, lo)

    @classmethod
    def zeros(cls, n: int, device: torch.device | str | None = None) -> PhaseAccumulator:
        z = torch.zeros(n, dtype=torch.int64, device=device)
        return cls(z, z.clone())

    def advance(self, d_hi: torch.Tensor, d_lo: torch.Tensor) -> PhaseAccumulator:
        """Φ ← (Φ + Δ) mod 2^64, exactly (eq. 45)."""
        lo = self.lo + d_lo
        carry = lo >> 32
        lo = lo & _MASK32
        hi = (self.hi + d_hi + carry) & _MASK32
        return PhaseAccumulator(hi, lo)

    def phase(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """φ = 2πΦ / 2^64 in [0, 2π)."""
        frac = (self.hi.to(torch.float64) + self.lo.to(torch.float64) / _TWO32) / _TWO32
        phi = (2.0 * math.pi * frac).to(dtype)
        # Φ within half an ulp of 2^64 rounds to φ = 2π, which is ≡ 0.
        return torch.where(phi >= 2.0 * math.pi, torch.zeros_like(phi), phi)

    def as_int(self) -> list[int]:
        """Exact Python integers Φ (for tests and checkpoints)."""
        return [(int(h) << 32) | int(lo) for h, lo in zip(self.hi.tolist(), self.lo.tolist(), strict=True)]
