"""Event-driven plasticity: the resonance gate and the operation counters (DRAI §6).

The paper claims that "only connections that resonate strongly enough update" (§6, "How DRAI saves
energy") and that the cost falls from O(M·B) to O(k). With g = cos almost every pair has ⟨g⟩ ≠ 0,
so nothing is skipped unless the skipping is explicit. This module makes it explicit:

* :func:`phase_locking_value` PLV_ij = |⟨e^{i(φ_i − φ_j)}⟩_window| ∈ [0, 1] (the standard
  phase-locking value; 1 = a constant phase lag over the window, ≈ 0 = drifting phases);
* :func:`resonance_gate` the mask PLV_ij ≥ θ_gate (the pairs that "resonate");
* :func:`gated_update` writes only those pairs and counts exactly the writes;
* :class:`OpCounter` counts pair evaluations, weight writes and the multiply-adds of the phase
  dynamics and window statistics, so the efficiency claim is measured rather than asserted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch

from resonant.drai.rules import apply_update, offdiagonal_mask


def phase_locking_value(mean_zz: torch.Tensor) -> torch.Tensor:
    """PLV_ij = |⟨e^{i(φ_i − φ_j)}⟩| from the window mean of z_i z̄_j, shape (..., N, N) → (..., N, N), real."""
    if not mean_zz.is_complex():
        raise TypeError(f"mean_zz must be complex (the window mean of z_i z̄_j), got dtype {mean_zz.dtype}")
    return mean_zz.abs()


def resonance_gate(plv: torch.Tensor, threshold: float) -> torch.Tensor:
    """Boolean mask of resonating pairs: PLV_ij ≥ θ_gate and i ≠ j, shape (..., N, N).

    The diagonal is never a pair (a unit is trivially locked to itself).
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"gate threshold={threshold!r} must lie in [0, 1] (PLV is in [0, 1])")
    N = plv.shape[-1]
    return (plv >= threshold) & offdiagonal_mask(N, plv.device)


@dataclass
class OpCounter:
    """Operation counts of a DRAI run (DRAI §6 "Quantifying DRAI's efficiency").

    Attributes:
        pair_evaluations: ordered pairs (i ≠ j) whose resonance was tested (one per pair per
            window per network): the digital cost of *detecting* resonance, O(N²) per window.
        weight_writes: weight entries actually changed by a plasticity update (a gated update
            counts only the pairs above threshold; an ungated one counts every candidate entry).
        dynamics_ops: multiply-adds of the coupling sums Σ_j w_ij sin(k(φ_j − φ_i)): nnz(W) per
            weighted harmonic and N per mean-field (uniform) harmonic, per right-hand-side
            evaluation (4 per RK4 step, 1 per Euler step) and per batch element.
        statistics_ops: multiply-adds of the window statistics (N² per recorded sample of
            z_i z̄_j per batch element, plus N² more when a general g is averaged).
        windows: learning windows completed.
    """

    pair_evaluations: int = 0
    weight_writes: int = 0
    dynamics_ops: int = 0
    statistics_ops: int = 0
    windows: int = 0

    def add(self, **counts: int) -> None:
        """Add counts in place, e.g. ``counter.add(weight_writes=12)``; unknown names raise."""
        names = {f.name for f in dataclasses.fields(self)}
        for k, v in counts.items():
            if k not in names:
                raise KeyError(f"unknown counter {k!r}; known: {sorted(names)}")
            setattr(self, k, getattr(self, k) + int(v))

    def __add__(self, other: OpCounter) -> OpCounter:
        return OpCounter(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self)})

    @property
    def flops(self) -> int:
        """A rough floating-point operation total: 2 per multiply-add, 1 per pair test, 2 per weight write
        (w ← (1 − λ)w + Δw). Trigonometric evaluations (O(N) per step) are not included."""
        return 2 * (self.dynamics_ops + self.statistics_ops) + self.pair_evaluations + 2 * self.weight_writes

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["flops"] = self.flops
        return d

    def reset(self) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, 0)


def gated_update(
    W: torch.Tensor,
    delta: torch.Tensor,
    plv: torch.Tensor,
    threshold: float,
    *,
    decay: float = 0.0,
    w_min: float | None = None,
    w_max: float | None = None,
    symmetric: bool = False,
    decay_ungated: bool = False,
    counter: OpCounter | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Event-driven plasticity: w_ij ← (1 − λ)w_ij + Δw_ij only where PLV_ij ≥ θ_gate.

    Shapes: W, delta, plv (..., N, N) (W may be complex for the complex rule). Returns the new W
    and the mask of written entries. With ``symmetric`` the mask is made symmetric by AND
    (PLV is symmetric anyway, so this never admits a pair below threshold). With
    ``decay_ungated`` the pairs below threshold still decay (and count as writes where w ≠ 0);
    by default they are left untouched: no resonance event, no computation.
    """
    mask = resonance_gate(plv, threshold)
    if symmetric:
        mask = mask & mask.transpose(-1, -2)
    new = apply_update(W, delta, decay=decay, w_min=w_min, w_max=w_max, symmetric=symmetric, mask=mask)
    writes = int(mask.sum())
    if decay_ungated and decay > 0.0:
        idle = ~mask & offdiagonal_mask(W.shape[-1], W.device) & (W != 0)
        new = torch.where(idle, (1.0 - decay) * W, new)
        writes += int(idle.sum())
    if counter is not None:
        N = W.shape[-1]
        n_networks = W[..., 0, 0].numel()
        counter.add(pair_evaluations=n_networks * N * (N - 1), weight_writes=writes)
    return new, mask
