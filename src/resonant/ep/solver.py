"""Batched, gauge-fixed Newton solver for Kuramoto equilibria (float64, analytic Jacobian).

Gauge: equilibria are found in the frame rotating at the mean natural frequency ω̄ (ω is centred)
and with the pinned node's phase held at 0, i.e. on the reduced system of the N − 1 other nodes
(method notes, ``shared/notes/ep-method.md``). For a free network (β = 0) the pinned node's own
equation then holds automatically (the coupling terms sum to zero). Under output nudging
β·m_o·(t_o − θ_o) the nudge does not sum to zero, so the nudged network would drift relative to
the free frame; we keep the free frame and hold the pinned (input) node at 0, which absorbs the
force −Σ_i β m_i (t_i − θ_i). This is the reference implementation's gauge, made explicit: the
solver reports that anchor force separately from the residual of the equations it solves. With
it, the two-phase displacement −(θ^β − θ*)/β equals L̃⁻¹ ∂L/∂θ̃, whose centred version is ∂L/∂ω
(see :mod:`resonant.ep.gradients`).

Newton steps use the analytic Jacobian J̃ = −(L̃ + β diag(m̃)) and a backtracking line search on
max |F̃|, batched over any number of systems in one tensor op. Each system is flagged
``converged`` (max |F̃| ≤ tol) and ``stable`` (smallest eigenvalue of L̃ + β diag(m̃) > 0: a stable
fixed point of the gradient flow; a saddle has a negative eigenvalue).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from resonant.core.kuramoto import coupling_laplacian, kuramoto_rhs


class EquilibriumError(RuntimeError):
    """Raised by ``policy="raise"`` when some system did not converge to a stable equilibrium."""


@dataclass
class EquilibriumResult:
    """Equilibria of a batch of systems (leading shape B).

    Attributes:
        theta: phases (B, N), pinned node at 0, not wrapped (continuous from the initial guess).
        residual: max |F̃| over the reduced equations (B,).
        anchor_force: |F| on the pinned node's row in the free frame (B,) (0 for β = 0).
        lambda_min: smallest eigenvalue of L̃ + β diag(m̃) (B,); > 0 for a stable equilibrium.
        converged: residual ≤ tol (B,).
        stable: lambda_min > stability_tol (B,).
        iterations: Newton iterations used.
    """

    theta: torch.Tensor
    residual: torch.Tensor
    anchor_force: torch.Tensor
    lambda_min: torch.Tensor
    converged: torch.Tensor
    stable: torch.Tensor
    iterations: int

    @property
    def ok(self) -> torch.Tensor:
        """converged & stable, per system."""
        return self.converged & self.stable


def _reduced_index(N: int, pinned: int, device: torch.device) -> torch.Tensor:
    return torch.tensor([i for i in range(N) if i != pinned], dtype=torch.long, device=device)


def equilibrium_residual(
    theta: torch.Tensor, omega: torch.Tensor, K: torch.Tensor, beta: float | torch.Tensor = 0.0,
    targets: torch.Tensor | None = None, mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """F(θ) = ω − ω̄ + Σ_j K_ij sin(θ_j − θ_i) + β m (t − θ) on every node (the full rows)."""
    F = kuramoto_rhs(theta, omega - omega.mean(-1, keepdim=True), K)
    if targets is not None and mask is not None:
        b = torch.as_tensor(beta, dtype=theta.dtype, device=theta.device)
        if b.ndim:
            b = b.unsqueeze(-1)
        F = F + b * mask * (targets - theta)
    return F


def solve_equilibrium(
    omega: torch.Tensor,
    K: torch.Tensor,
    pinned: int = 0,
    beta: float | torch.Tensor = 0.0,
    targets: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
    theta0: torch.Tensor | None = None,
    tol: float = 1e-12,
    max_iter: int = 60,
    stability_tol: float = 1e-10,
    policy: str = "flag",
    eigenvalues: bool = True,
) -> EquilibriumResult:
    """Solve F̃(θ̃) = 0 for a batch of networks (see the module docstring for the gauge).

    Args:
        omega: natural frequencies (..., N).
        K: symmetric couplings (..., N, N), broadcastable against omega's batch shape.
        pinned: node held at phase 0.
        beta, targets, mask: optional output nudge β·m·(t − θ) (targets, mask shaped like omega).
        theta0: initial phases (default 0: all in phase).
        tol: convergence threshold on max |F̃|.
        policy: "flag" (return flags), or "raise" (EquilibriumError if any system is not converged and stable).
        eigenvalues: compute lambda_min (eigvalsh); with False, stability is decided by a Cholesky
            factorisation of L̃ + β diag(m̃) − stability_tol·I (cheaper; lambda_min is then NaN).
    """
    if policy not in ("flag", "raise"):
        raise ValueError(f"policy={policy!r} must be 'flag' or 'raise'")
    omega = torch.as_tensor(omega, dtype=torch.float64)
    K = torch.as_tensor(K, dtype=torch.float64, device=omega.device)
    N = omega.shape[-1]
    if K.shape[-2:] != (N, N):
        raise ValueError(f"K must end in ({N}, {N}), got {tuple(K.shape)}")
    if not 0 <= pinned < N:
        raise ValueError(f"pinned={pinned} is not a node index in [0, {N})")
    batch = torch.broadcast_shapes(omega.shape[:-1], K.shape[:-2])
    omega = omega.expand(*batch, N)
    K = K.expand(*batch, N, N)
    if (targets is None) != (mask is None):
        raise ValueError("targets and mask must be given together")
    nudged = targets is not None
    if nudged:
        targets = torch.as_tensor(targets, dtype=torch.float64, device=omega.device).expand(*batch, N)
        mask = torch.as_tensor(mask, dtype=torch.float64, device=omega.device).expand(*batch, N)
    b = torch.as_tensor(beta, dtype=torch.float64, device=omega.device)
    b_col = b.unsqueeze(-1) if b.ndim else b
    red = _reduced_index(N, pinned, omega.device)
    theta = torch.zeros(*batch, N, dtype=torch.float64, device=omega.device) if theta0 is None else \
        torch.as_tensor(theta0, dtype=torch.float64, device=omega.device).expand(*batch, N).clone()
    theta = theta - theta[..., pinned:pinned + 1]

    def residual(th: torch.Tensor) -> torch.Tensor:
        return equilibrium_residual(th, omega, K, b, targets, mask)

    def hessian(th: torch.Tensor) -> torch.Tensor:
        """L̃ + β diag(m̃) = −J̃ (reduced)."""
        H = coupling_laplacian(th, K)
        if nudged:
            H = H + torch.diag_embed(b_col * mask)
        return H[..., red, :][..., :, red]

    F = residual(theta)
    err = F[..., red].abs().amax(-1)
    # iterate past tol to the rounding floor (Newton converges quadratically); stop a system once
    # a step no longer lowers its residual
    done = err <= tol * 1e-3
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
        active = ~done
        if not bool(active.any()):
            break
        H = hessian(theta)
        step, info = torch.linalg.solve_ex(H, F[..., red].unsqueeze(-1))
        step = step.squeeze(-1)
        bad = info != 0
        if bool(bad.any()):  # singular Jacobian: a regularised (Levenberg) step instead
            eye = torch.eye(N - 1, dtype=H.dtype, device=H.device)
            Ht = H.transpose(-1, -2)
            reg = torch.linalg.solve(Ht @ H + 1e-8 * eye, (Ht @ F[..., red].unsqueeze(-1))).squeeze(-1)
            step = torch.where(bad.unsqueeze(-1), reg, step)
        # Newton: (L̃ + βm̃)Δ = F̃, θ̃ ← θ̃ + αΔ, backtracking on max|F̃|
        alpha = torch.ones_like(err)
        best_theta, best_err = theta, err
        improved = torch.zeros_like(done)
        for _ in range(12):
            cand = theta.clone()
            cand[..., red] = theta[..., red] + alpha.unsqueeze(-1) * step
            c_err = residual(cand)[..., red].abs().amax(-1)
            better = (c_err < best_err) & active & ~improved
            best_theta = torch.where(better.unsqueeze(-1), cand, best_theta)
            best_err = torch.where(better, c_err, best_err)
            improved = improved | better
            if bool((improved | ~active).all()):
                break
            alpha = torch.where(improved, alpha, alpha * 0.5)
        done = done | (active & ~improved) | (best_err <= tol * 1e-3)
        theta, err = best_theta, best_err
        F = residual(theta)
    H = hessian(theta)
    if eigenvalues:
        lam = torch.linalg.eigvalsh(H)[..., 0]
        stable = lam > stability_tol
    else:
        eye = torch.eye(N - 1, dtype=H.dtype, device=H.device)
        stable = torch.linalg.cholesky_ex(H - stability_tol * eye).info == 0
        lam = torch.full_like(err, float("nan"))
    anchor = F[..., pinned].abs()
    res = EquilibriumResult(theta=theta, residual=err, anchor_force=anchor, lambda_min=lam,
                            converged=err <= tol, stable=stable, iterations=it)
    if policy == "raise" and not bool(res.ok.all()):
        idx = torch.nonzero(~res.ok.reshape(-1)).squeeze(-1)[:10].tolist()
        raise EquilibriumError(
            f"{int((~res.ok).sum())} of {res.ok.numel()} systems have no converged stable equilibrium "
            f"(first flat indices {idx}; max residual {float(res.residual.max()):.3g}, "
            f"min eigenvalue {float(res.lambda_min.min()):.3g})")
    return res
