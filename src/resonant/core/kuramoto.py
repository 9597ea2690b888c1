"""Kuramoto right-hand side and Jacobian for any symmetric coupling, batched (shared by EP and DRAI).

dθ_i/dt = ω_i + Σ_j K_ij sin(θ_j − θ_i). Tensors carry any leading batch shape: θ and ω are
(..., N), K is (..., N, N) (dense; zero where there is no edge). The Jacobian is
J_ij = K_ij cos(θ_j − θ_i) for i ≠ j and J_ii = −Σ_j J_ij, i.e. J = −L with L the cos-weighted
graph Laplacian; for symmetric K, J is symmetric.
"""

from __future__ import annotations

import torch


def phase_differences(theta: torch.Tensor) -> torch.Tensor:
    """Δ_ij = θ_j − θ_i, shape (..., N, N)."""
    return theta.unsqueeze(-2) - theta.unsqueeze(-1)


def sin_cos_differences(theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(sin(θ_j − θ_i), cos(θ_j − θ_i)) from N sines and cosines instead of N² (angle-difference identities)."""
    c, s = torch.cos(theta), torch.sin(theta)
    ci, si = c.unsqueeze(-1), s.unsqueeze(-1)
    cj, sj = c.unsqueeze(-2), s.unsqueeze(-2)
    return sj * ci - cj * si, cj * ci + sj * si


def kuramoto_rhs(theta: torch.Tensor, omega: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """ω_i + Σ_j K_ij sin(θ_j − θ_i)."""
    return omega + (K * sin_cos_differences(theta)[0]).sum(-1)


def coupling_laplacian(theta: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """L = diag(Σ_j C_ij) − C with C_ij = K_ij cos(θ_j − θ_i) (so the Jacobian of the rhs is −L)."""
    C = K * sin_cos_differences(theta)[1]
    C = C - torch.diag_embed(torch.diagonal(C, dim1=-2, dim2=-1))  # no self-coupling
    return torch.diag_embed(C.sum(-1)) - C


def kuramoto_jacobian(theta: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """∂f_i/∂θ_j of :func:`kuramoto_rhs`: J = −L."""
    return -coupling_laplacian(theta, K)
