"""∂L/∂ω and ∂L/∂K at a Kuramoto equilibrium by four independent routes.

Loss L = ½ Σ_o m_o (θ_o − t_o)², e = ∂L/∂θ = m (θ − t). With θ* the free equilibrium in the gauge
of :mod:`resonant.ep.solver` (frame at ω̄, pinned node at 0) and L̃ the reduced cos-weighted
Laplacian (−J̃), the implicit-function theorem gives g̃ = L̃⁻¹ ẽ (g = 0 on the pinned node) and

* ∂L/∂ω_k = g_k − ḡ (centred: the frame follows ω̄, so a uniform shift of ω changes nothing),
* ∂L/∂K_ij = sin(θ_j − θ_i)(g_i − g_j) for the symmetric edge parameter K_ij = K_ji.

Routes: :func:`analytic_gradients` (those formulas), :func:`ep_gradients` (two-phase equilibrium
propagation: −(θ^β − θ*)/β, or the symmetric ±β variant), :func:`finite_difference_gradients`
(central differences of L(ω), L(K) through the solver, all perturbations in one batch) and
:func:`autograd_gradients` (torch autograd through the equilibrium by implicit differentiation,
with the Jacobian and the parameter partials also taken by autograd, not by our formulas).
Every function is batched over leading dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from resonant.core.kuramoto import coupling_laplacian, sin_cos_differences
from resonant.ep.solver import EquilibriumResult, equilibrium_residual, solve_equilibrium


@dataclass
class Gradients:
    """Gradients of one loss: ``omega`` (..., N) and ``K`` (..., N, N), symmetric, zero off the edges."""

    omega: torch.Tensor
    K: torch.Tensor

    def flat(self, edge_mask: torch.Tensor) -> torch.Tensor:
        """ω-gradient and upper-triangle edge gradients concatenated (..., N + E)."""
        iu = torch.nonzero(torch.triu(edge_mask, 1), as_tuple=True)
        return torch.cat([self.omega, self.K[..., iu[0], iu[1]]], dim=-1)


def loss(theta: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """L = ½ Σ_o m_o (θ_o − t_o)² per system."""
    return 0.5 * (mask * (theta - targets) ** 2).sum(-1)


def _reduced(N: int, pinned: int, device: torch.device) -> torch.Tensor:
    return torch.tensor([i for i in range(N) if i != pinned], dtype=torch.long, device=device)


def _edge_mask(K: torch.Tensor) -> torch.Tensor:
    return K > 0


def analytic_gradients(
    theta: torch.Tensor, K: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, pinned: int = 0
) -> Gradients:
    """Implicit-function-theorem gradients at the free equilibrium θ* (module docstring)."""
    N = theta.shape[-1]
    red = _reduced(N, pinned, theta.device)
    Lt = coupling_laplacian(theta, K)[..., red, :][..., :, red]
    e = mask * (theta - targets)
    g = torch.zeros_like(theta)
    g[..., red] = torch.linalg.solve(Lt, e[..., red].unsqueeze(-1)).squeeze(-1)
    g_omega = g - g.mean(-1, keepdim=True)
    gK = sin_cos_differences(theta)[0] * (g.unsqueeze(-1) - g.unsqueeze(-2))
    gK = torch.where(_edge_mask(K), gK, torch.zeros_like(gK))
    return Gradients(g_omega, gK)


def ep_gradients(
    omega: torch.Tensor, K: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, beta: float,
    pinned: int = 0, symmetric: bool = False, free: EquilibriumResult | None = None, tol: float = 1e-12,
    eigenvalues: bool = True,
) -> tuple[Gradients, EquilibriumResult, EquilibriumResult]:
    """Two-phase equilibrium propagation.

    Free phase θ*, nudged phase θ^β (force β m (t − θ), warm-started from θ*). Then
    ∂L/∂ω ≈ centred −(θ^β − θ*)/β and ∂L/∂K_ij ≈ [cos(θ*_j − θ*_i) − cos(θ^β_j − θ^β_i)]/β.
    With ``symmetric``, the phases at ±β replace θ* and θ^β and the denominator is 2β (error O(β²)).
    Returns (gradients, first phase, second phase).
    """
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    if free is None:
        free = solve_equilibrium(omega, K, pinned=pinned, tol=tol, eigenvalues=eigenvalues)
    plus = solve_equilibrium(omega, K, pinned=pinned, beta=beta, targets=targets, mask=mask, theta0=free.theta,
                             tol=tol, eigenvalues=eigenvalues)
    if symmetric:
        lo = solve_equilibrium(omega, K, pinned=pinned, beta=-beta, targets=targets, mask=mask,
                               theta0=free.theta, tol=tol, eigenvalues=eigenvalues)
        a, b, denom = lo, plus, 2.0 * beta
    else:
        a, b, denom = free, plus, beta
    d = -(b.theta - a.theta) / denom
    g_omega = d - d.mean(-1, keepdim=True)
    gK = (sin_cos_differences(a.theta)[1] - sin_cos_differences(b.theta)[1]) / denom
    gK = torch.where(_edge_mask(K), gK, torch.zeros_like(gK))
    return Gradients(g_omega, gK), a, b


def finite_difference_gradients(
    omega: torch.Tensor, K: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, pinned: int = 0,
    eps: float = 1e-5, theta0: torch.Tensor | None = None, tol: float = 1e-13, max_batch_bytes: float = 2e8,
) -> Gradients:
    """Central differences of the equilibrium loss, the 2(N + E) perturbed systems solved in batches
    (as many per batch as fit in ``max_batch_bytes`` of N×N matrices).

    ``omega`` (N,), ``K`` (N, N) and ``targets``/``mask`` (N,) describe one system.
    """
    N = omega.shape[-1]
    edges = torch.nonzero(torch.triu(_edge_mask(K), 1))
    P = N + edges.shape[0]
    om = omega.expand(2 * P, N).clone()
    Ks = K.expand(2 * P, N, N).clone()
    sign = torch.cat([torch.ones(P), -torch.ones(P)]).to(omega)
    for j in range(N):  # build the perturbation batch (setup only; the solves are one batched call)
        om[j, j] += eps
        om[P + j, j] -= eps
    for e, (i, j) in enumerate(edges.tolist()):
        for r, s in ((N + e, eps), (P + N + e, -eps)):
            Ks[r, i, j] += s
            Ks[r, j, i] += s
    chunk = max(1, int(max_batch_bytes // (8 * N * N * 8)))  # ~8 N×N temporaries per system in the solver
    Lval = torch.cat([
        loss(solve_equilibrium(om[a:a + chunk], Ks[a:a + chunk], pinned=pinned, theta0=theta0, tol=tol).theta,
             targets, mask)
        for a in range(0, 2 * P, chunk)
    ])
    grad = (Lval[:P] - Lval[P:]) / (2 * eps) * sign[:P]
    gK = torch.zeros_like(K)
    gK[edges[:, 0], edges[:, 1]] = grad[N:]
    gK[edges[:, 1], edges[:, 0]] = grad[N:]
    return Gradients(grad[:N] - grad[:N].mean(), gK)


class _ImplicitEquilibrium(torch.autograd.Function):
    """θ*(ω, w) with w the upper-triangle edge weights; backward by implicit differentiation."""

    @staticmethod
    def forward(ctx, omega, w, iu0, iu1, pinned, theta0, tol):  # type: ignore[override]
        K = _symmetric(w, iu0, iu1, omega.shape[-1])
        res = solve_equilibrium(omega.detach(), K.detach(), pinned=pinned, theta0=theta0, tol=tol)
        ctx.save_for_backward(omega, w, res.theta, iu0, iu1)
        ctx.pinned = pinned
        return res.theta

    @staticmethod
    def backward(ctx, grad_theta):  # type: ignore[override]
        omega, w, theta, iu0, iu1 = ctx.saved_tensors
        N = theta.shape[-1]
        red = _reduced(N, ctx.pinned, theta.device)

        def F_red(th_red, om, ww):
            th = torch.zeros(N, dtype=th_red.dtype, device=th_red.device).index_put((red,), th_red)
            return equilibrium_residual(th, om, _symmetric(ww, iu0, iu1, N))[red]

        grads_om, grads_w = [], []
        for b in range(theta.shape[0]):  # per system: autograd Jacobians (a check, not the fast path)
            th_red = theta[b, red]
            J = torch.autograd.functional.jacobian(lambda t, b=b: F_red(t, omega[b], w[b]), th_red)
            lam = torch.linalg.solve(J.T, grad_theta[b, red])
            with torch.enable_grad():
                om_b = omega[b].detach().requires_grad_(True)
                w_b = w[b].detach().requires_grad_(True)
                Fv = F_red(th_red.detach(), om_b, w_b)
                go, gw = torch.autograd.grad(Fv, (om_b, w_b), grad_outputs=-lam)
            grads_om.append(go)
            grads_w.append(gw)
        return torch.stack(grads_om), torch.stack(grads_w), None, None, None, None, None


def _symmetric(w: torch.Tensor, iu0: torch.Tensor, iu1: torch.Tensor, N: int) -> torch.Tensor:
    K = torch.zeros(*w.shape[:-1], N, N, dtype=w.dtype, device=w.device)
    K[..., iu0, iu1] = w
    return K + K.transpose(-1, -2)


def autograd_gradients(
    omega: torch.Tensor, K: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, pinned: int = 0,
    theta0: torch.Tensor | None = None, tol: float = 1e-13,
) -> Gradients:
    """Autograd through the equilibrium (implicit differentiation), batched over leading dim (B, N)."""
    squeeze = omega.ndim == 1
    om = omega.reshape(-1, omega.shape[-1]).clone().requires_grad_(True)
    N = om.shape[-1]
    iu0, iu1 = torch.nonzero(torch.triu(_edge_mask(K if K.ndim == 2 else K[0]), 1), as_tuple=True)
    Kb = K.expand(om.shape[0], N, N)
    w = Kb[:, iu0, iu1].clone().requires_grad_(True)
    with torch.enable_grad():
        theta = _ImplicitEquilibrium.apply(om, w, iu0, iu1, pinned, theta0, tol)
        L = loss(theta, targets.reshape(-1, N) if targets.ndim > 1 else targets,
                 mask.reshape(-1, N) if mask.ndim > 1 else mask).sum()
        g_om, g_w = torch.autograd.grad(L, (om, w))
    gK = torch.zeros(om.shape[0], N, N, dtype=om.dtype)
    gK[:, iu0, iu1] = g_w
    gK[:, iu1, iu0] = g_w
    g_om = g_om - g_om.mean(-1, keepdim=True)
    if squeeze:
        return Gradients(g_om[0], gK[0])
    return Gradients(g_om, gK)
