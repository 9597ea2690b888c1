"""Sparse presence storage as an edge list and the two products of RCS §8.1 in O(nnz).

The presence matrix P (N oscillators × M carriers) is stored as three aligned 1-D tensors:
``osc`` (row index i), ``car`` (column index k) and ``P`` (value P_ik). Then u = Pᵀz is a
gather of z over rows and a scatter-add into columns, g = Pc the mirror image: both O(nnz(P)).
"""

from __future__ import annotations

import torch


def scatter_sum(values: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """out[j] = Σ_{e: index[e] = j} values[e] for j < size (a segment sum, O(len(values)))."""
    out = torch.zeros(size, dtype=values.dtype, device=values.device)
    return out.index_add_(0, index, values)


def carrier_drive(
    P: torch.Tensor, osc: torch.Tensor, car: torch.Tensor, z: torch.Tensor, M: int
) -> torch.Tensor:
    """u = Pᵀz, u_k = Σ_i P_ik z_i, RCS eq. (37) (pass P·T as ``P`` for the tuned drive of eq. 5)."""
    return scatter_sum(P.to(z.dtype) * z[osc], car, M)


def back_influence(
    P: torch.Tensor, osc: torch.Tensor, car: torch.Tensor, c: torch.Tensor, N: int
) -> torch.Tensor:
    """g = Pc, g_i = Σ_k P_ik c_k, RCS eq. (39) (pass P·T as ``P`` for the tuned form of eq. 8)."""
    return scatter_sum(P.to(c.dtype) * c[car], osc, N)


def to_dense(P: torch.Tensor, osc: torch.Tensor, car: torch.Tensor, N: int, M: int) -> torch.Tensor:
    """Dense N×M presence matrix from the edge list (duplicate edges add)."""
    out = torch.zeros(N * M, dtype=P.dtype, device=P.device)
    out.index_add_(0, osc * M + car, P)
    return out.view(N, M)
