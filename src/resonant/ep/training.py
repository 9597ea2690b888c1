"""Training natural frequencies and/or couplings by equilibrium propagation, batched over runs.

A *run* is one network trained on one data set split with one seed and one condition (which
parameters learn). All runs advance together: at each online step every run takes its next
sample, and the free and nudged equilibria of all runs are solved in one batched call, so a
100-seed × 3-condition ablation is one loop over samples, not 300 loops.

Protocol of the paper (method notes): inputs enter as natural frequencies ω_in = input_scale·x;
loss ½ Σ_o (θ_o − t_o)² with targets −0.2 on the correct class's output and +0.2 on the other;
online SGD (batch 1), lr 1e-3, β = 0.1 two-phase EP, gradient components clipped to ±2, ω to
[−3, 3], couplings to [0.01, 8]. Readouts: the paper's argmax_o cos θ_o, and the loss-consistent
one (the class whose target vector is nearest to the output phases).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from resonant.ep import kernels
from resonant.ep.gradients import ep_gradients, loss
from resonant.ep.network import Network
from resonant.ep.solver import solve_equilibrium

READOUTS = ("paper", "consistent")


@dataclass(frozen=True)
class TrainConfig:
    """Constants of EP training (defaults: the paper's protocol)."""

    lr: float = 1e-3
    beta: float = 0.1
    epochs: int = 150
    input_scale: float = 1.5
    target: float = 0.2
    grad_clip: float = 2.0
    omega_clip: float = 3.0
    K_min: float = 0.01
    K_max: float = 8.0
    symmetric_beta: bool = False

    def __post_init__(self) -> None:
        for name in ("lr", "beta", "input_scale", "target", "grad_clip", "omega_clip", "K_max"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v > 0 and v == v and v != float("inf")):
                raise ValueError(f"TrainConfig.{name}={v!r} must be a finite number > 0")
        if not (isinstance(self.epochs, int) and self.epochs >= 0):
            raise ValueError(f"TrainConfig.epochs={self.epochs!r} must be an int >= 0")
        if not 0 <= self.K_min < self.K_max:
            raise ValueError(f"TrainConfig.K_min={self.K_min!r} must be in [0, K_max={self.K_max})")


@dataclass
class Runs:
    """R runs of the same architecture: parameters (R, N) and (R, N, N) and what each run may learn."""

    omega: torch.Tensor
    K: torch.Tensor
    learn_omega: torch.Tensor  # (R, N) bool
    learn_K: torch.Tensor  # (R, N, N) bool, symmetric
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    pinned: int
    history: list[dict[str, torch.Tensor]] = field(default_factory=list)

    @classmethod
    def from_networks(cls, nets: list[Network], learn_omega: torch.Tensor, learn_K: torch.Tensor) -> Runs:
        first = nets[0]
        for n in nets:
            if (n.N, n.inputs, n.outputs, n.pinned) != (first.N, first.inputs, first.outputs, first.pinned):
                raise ValueError("all runs must share N, inputs, outputs and the pinned node")
        return cls(torch.stack([n.omega for n in nets]), torch.stack([n.K for n in nets]), learn_omega.bool(),
                   learn_K.bool(), first.inputs, first.outputs, first.pinned)

    @property
    def R(self) -> int:
        return self.omega.shape[0]


def targets_for(y: torch.Tensor, outputs: tuple[int, ...], N: int, target: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets (…, N) and output mask: −target on the correct class's output, +target on the others."""
    t = torch.zeros(*y.shape, N, dtype=torch.float64)
    m = torch.zeros(N, dtype=torch.float64)
    out = torch.tensor(outputs)
    m[out] = 1.0
    cls = torch.full((*y.shape, len(outputs)), target, dtype=torch.float64)
    cls.scatter_(-1, y.long().unsqueeze(-1), -target)
    t[..., out] = cls
    return t, m.expand_as(t)


def readout(theta: torch.Tensor, outputs: tuple[int, ...], kind: str, target: float = 0.2) -> torch.Tensor:
    """Predicted class from output phases. "paper": argmax_o cos θ_o (even in θ, so ±target tie:
    the readout/loss mismatch of the method notes); "consistent": the class c whose target vector
    (−target on output c, +target elsewhere) is nearest to θ_out, i.e. argmin_o θ_o for these targets."""
    th = theta[..., list(outputs)]
    if kind == "paper":
        return torch.argmax(torch.cos(th), dim=-1)
    if kind == "consistent":
        return torch.argmin(th, dim=-1)
    raise ValueError(f"readout={kind!r} must be one of {READOUTS}")


def _with_inputs(omega: torch.Tensor, x: torch.Tensor, inputs: tuple[int, ...], scale: float) -> torch.Tensor:
    om = omega.clone()
    om[..., list(inputs)] = scale * x
    return om


def _per_run(X: torch.Tensor, y: torch.Tensor, R: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Data shared by all runs (X (S, d), y (S,)) or one set per run (X (R, S, d), y (R, S)) → per-run views."""
    if X.ndim == 2:
        return X.unsqueeze(0).expand(R, *X.shape), y.unsqueeze(0).expand(R, *y.shape)
    if X.ndim != 3 or X.shape[0] != R or y.shape != X.shape[:2]:
        raise ValueError(f"X must be (S, d) or (R={R}, S, d) with y matching, got {tuple(X.shape)}, {tuple(y.shape)}")
    return X, y


def evaluate(runs: Runs, X: torch.Tensor, y: torch.Tensor, cfg: TrainConfig) -> dict[str, torch.Tensor]:
    """Mean loss, accuracy under both readouts and the fraction of samples with a stable equilibrium, per run.

    X (S, d) shared or (R, S, d) per run: all runs × samples are solved in one batch. A sample whose
    equilibrium is not converged and stable counts as wrong.
    """
    R = runs.R
    Xr, yr = _per_run(X, y, R)
    S = Xr.shape[1]
    om = _with_inputs(runs.omega.unsqueeze(1).expand(R, S, -1), Xr, runs.inputs, cfg.input_scale)
    res = solve_equilibrium(om, runs.K.unsqueeze(1), pinned=runs.pinned, eigenvalues=False)
    t, m = targets_for(yr, runs.outputs, om.shape[-1], cfg.target)
    out = {"ok_fraction": res.ok.double().mean(-1), "loss": loss(res.theta, t, m).mean(-1)}
    for kind in READOUTS:
        pred = readout(res.theta, runs.outputs, kind, cfg.target)
        out[f"acc_{kind}"] = ((pred == yr) & res.ok).double().mean(-1)
    return out


def train(
    runs: Runs, X: torch.Tensor, y: torch.Tensor, orders: torch.Tensor, cfg: TrainConfig,
    X_eval: torch.Tensor | None = None, y_eval: torch.Tensor | None = None, eval_every: int = 1,
    progress=None, backend: str = "auto",
) -> Runs:
    """Online SGD by EP for all runs at once.

    X (S, d) / y (S,) shared by all runs, or (R, S, d) / (R, S) with one split per run.
    ``orders`` (epochs, R, S) gives each run's sample order per epoch (shuffles are per seed).
    ``backend``: "torch" (the reference solver and gradients), "numba" (the fused kernel of
    :mod:`resonant.ep.kernels`, same equations, one-sided β only) or "auto" (numba when installed and
    the symmetric variant is not asked for).
    A step whose free or nudged equilibrium is not converged and stable is skipped for that run
    (counted in the history as ``skipped``), never applied.
    """
    R, N = runs.R, runs.omega.shape[-1]
    epochs, _, S = orders.shape
    if orders.shape[1] != R:
        raise ValueError(f"orders must be (epochs, R={R}, S), got {tuple(orders.shape)}")
    if backend not in ("auto", "torch", "numba"):
        raise ValueError(f"backend={backend!r} must be 'auto', 'torch' or 'numba'")
    use_kernel = backend == "numba" or (backend == "auto" and kernels.HAVE_NUMBA and not cfg.symmetric_beta)
    if use_kernel and (not kernels.HAVE_NUMBA or cfg.symmetric_beta):
        raise ValueError("backend='numba' needs numba and a one-sided β (symmetric_beta=False)")
    Xr, yr = _per_run(X, y, R)
    rows = torch.arange(R)
    upper = torch.triu(torch.ones(N, N, dtype=torch.bool), 1)
    for ep in range(epochs):
        skipped = torch.zeros(R, dtype=torch.long)
        if use_kernel:  # the whole epoch in the compiled loop
            om_np, K_np = runs.omega.numpy().copy(), runs.K.numpy().copy()
            kernels.train_epoch(om_np, K_np, runs.learn_omega.numpy(), runs.learn_K.numpy(),
                                Xr.contiguous().numpy(), yr.contiguous().numpy(), orders[ep].contiguous().numpy(),
                                np.asarray(runs.inputs, dtype=np.int64), np.asarray(runs.outputs, dtype=np.int64),
                                cfg.input_scale, cfg.target, cfg.beta, cfg.lr, cfg.grad_clip, cfg.omega_clip, cfg.K_min,
                                cfg.K_max, runs.pinned, 1e-12, 60, 1e-10, skipped.numpy())
            runs.omega, runs.K = torch.from_numpy(om_np), torch.from_numpy(K_np)
        for s in range(0 if use_kernel else S):
            idx = orders[ep, :, s]
            x, lab = Xr[rows, idx], yr[rows, idx]
            om = _with_inputs(runs.omega, x, runs.inputs, cfg.input_scale)
            t, m = targets_for(lab, runs.outputs, N, cfg.target)
            g, a, b = ep_gradients(om, runs.K, t, m, beta=cfg.beta, pinned=runs.pinned,
                                   symmetric=cfg.symmetric_beta, eigenvalues=False)
            ok = (a.ok & b.ok).unsqueeze(-1)
            skipped += (~ok.squeeze(-1)).long()
            g_om = torch.clamp(g.omega, -cfg.grad_clip, cfg.grad_clip)
            g_K = torch.clamp(g.K, -cfg.grad_clip, cfg.grad_clip)
            d_om = torch.where(runs.learn_omega & ok, -cfg.lr * g_om, 0.0)
            runs.omega = torch.clamp(runs.omega + d_om, -cfg.omega_clip, cfg.omega_clip)
            lk = runs.learn_K & ok.unsqueeze(-1) & (runs.K > 0)
            K_new = torch.where(lk, torch.clamp(runs.K - cfg.lr * g_K, cfg.K_min, cfg.K_max), runs.K)
            K_new = torch.where(upper, K_new, torch.zeros_like(K_new))
            runs.K = K_new + K_new.transpose(-1, -2)
        rec: dict[str, torch.Tensor] = {"epoch": torch.tensor(ep + 1), "skipped": skipped}
        if (ep + 1) % eval_every == 0 or ep + 1 == epochs:
            rec.update({f"train_{k}": v for k, v in evaluate(runs, X, y, cfg).items()})
            if X_eval is not None and y_eval is not None:
                rec.update({f"test_{k}": v for k, v in evaluate(runs, X_eval, y_eval, cfg).items()})
        runs.history.append(rec)
        if progress is not None:
            progress(ep + 1, epochs)
    return runs
