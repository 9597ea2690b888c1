"""Training natural frequencies and/or couplings by equilibrium propagation, batched over runs.

A *run* is one network trained on one data set split with one seed and one condition (which
parameters learn). All runs advance together: at each online step every run takes its next
sample, and the free and nudged equilibria of all runs are solved in one batched call, so a
100-seed × 3-condition ablation is one loop over samples, not 300 loops.

Protocol of the paper (method notes): inputs enter as natural frequencies ω_in = input_scale·x;
loss ½ Σ_o (θ_o − t_o)² with targets −0.2 on the correct class's output and +0.2 on the other
("differential" targets); online SGD (batch 1), lr 1e-3, β = 0.1 two-phase EP, gradient components
clipped to ±2, ω to [−3, 3], couplings to [0.01, 8]. Readouts: the paper's argmax_o cos θ_o, and the
loss-consistent one (the class whose target vector is nearest to the output phases).

Options beyond the paper (ours; the defaults are the published protocol, bit-identical to it):

* ``targets="common"``: every output's target is −target for class 0 and +target for class 1, i.e. the
  class is asked of the common mode of the output phases (which the frequencies move), not of their
  difference. The loss keeps its form ½ Σ_o m_o (θ_o − t_o)², so the EP nudge β m (t − θ) is still its
  gradient force; only the target table changes.
* ``batch_size`` B: the per-sample EP gradients (components clipped to ±grad_clip, as published) of B
  consecutive samples of the run's order, all at the same parameters, are averaged over the samples whose
  free and nudged equilibria are converged and stable; B = 1 is online SGD. A run's last mini-batch of an
  epoch may be smaller (S mod B).
* ``optimizer``: "sgd" (p ← p − lr·g), "momentum" (heavy ball as in ``torch.optim.SGD``: v ← μ v + g,
  p ← p − lr·v) or "adam" (Kingma & Ba 2015, Algorithm 1: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
  p ← p − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), t counting the run's applied steps).
  Optimiser state lives per run and per parameter in :attr:`Runs.opt_state`; a step a run skips (no
  stable equilibrium for any sample of its mini-batch) leaves its parameters and its state unchanged.
  ω is clipped to ±omega_clip and K to [K_min, K_max] after every step, as published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from resonant.ep import kernels
from resonant.ep.gradients import ep_gradients, loss
from resonant.ep.network import Network
from resonant.ep.solver import solve_equilibrium

READOUTS = ("paper", "consistent")
TARGETS = ("differential", "common")
OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclass(frozen=True)
class TrainConfig:
    """Constants of EP training (defaults: the paper's protocol; see the module docstring for the options).

    ``targets``: "differential" (the paper's: −target on the correct class's output, +target on the other)
    or "common" (ours: all outputs at −target for class 0, +target for class 1). ``batch_size``: samples per
    update (1 = online, as published). ``optimizer``: "sgd" (published), "momentum" (uses ``momentum`` μ) or
    "adam" (uses ``adam_beta1``, ``adam_beta2``, ``adam_eps``).
    """

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
    targets: str = "differential"
    batch_size: int = 1
    optimizer: str = "sgd"
    momentum: float = 0.9
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_eps: float = 1e-8

    def __post_init__(self) -> None:
        for name in ("lr", "beta", "input_scale", "target", "grad_clip", "omega_clip", "K_max", "adam_eps"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and math.isfinite(v)):
                raise ValueError(f"TrainConfig.{name}={v!r} must be a finite number > 0")
        for name in ("momentum", "adam_beta1", "adam_beta2"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1):
                raise ValueError(f"TrainConfig.{name}={v!r} must be a number in [0, 1)")
        if not (isinstance(self.epochs, int) and not isinstance(self.epochs, bool) and self.epochs >= 0):
            raise ValueError(f"TrainConfig.epochs={self.epochs!r} must be an int >= 0")
        if not (isinstance(self.batch_size, int) and not isinstance(self.batch_size, bool) and self.batch_size >= 1):
            raise ValueError(f"TrainConfig.batch_size={self.batch_size!r} must be an int >= 1")
        if not (isinstance(self.K_min, (int, float)) and 0 <= self.K_min < self.K_max):
            raise ValueError(f"TrainConfig.K_min={self.K_min!r} must be in [0, K_max={self.K_max})")
        if self.targets not in TARGETS:
            raise ValueError(f"TrainConfig.targets={self.targets!r} must be one of {TARGETS}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"TrainConfig.optimizer={self.optimizer!r} must be one of {OPTIMIZERS}")


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
    #: optimiser state per run (momentum buffer / Adam moments of ω and K, Adam step count), created by train
    opt_state: dict[str, torch.Tensor] = field(default_factory=dict)

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


def target_table(n_out: int, target: float, targets: str = "differential") -> torch.Tensor:
    """Target phases of the outputs per class, (C, n_out).

    "differential" (the paper's): C = n_out classes, row c is −target on output c and +target elsewhere.
    "common" (ours): C = 2 classes, row 0 is −target on every output, row 1 is +target on every output.
    """
    if targets == "differential":
        T = torch.full((n_out, n_out), target, dtype=torch.float64)
        T.fill_diagonal_(-target)
        return T
    if targets == "common":
        return torch.tensor([[-target] * n_out, [target] * n_out], dtype=torch.float64)
    raise ValueError(f"targets={targets!r} must be one of {TARGETS}")


def targets_for(
    y: torch.Tensor, outputs: tuple[int, ...], N: int, target: float, targets: str = "differential"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets (…, N) and output mask for labels y: the outputs take row y of :func:`target_table`."""
    T = target_table(len(outputs), target, targets)
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= T.shape[0]):
        raise ValueError(f"labels must be in [0, {T.shape[0]}) for targets={targets!r}, got {y.unique().tolist()}")
    t = torch.zeros(*y.shape, N, dtype=torch.float64)
    m = torch.zeros(N, dtype=torch.float64)
    out = torch.tensor(outputs)
    m[out] = 1.0
    t[..., out] = T[y.long()]
    return t, m.expand_as(t)


def readout(
    theta: torch.Tensor, outputs: tuple[int, ...], kind: str, target: float = 0.2, targets: str = "differential"
) -> torch.Tensor:
    """Predicted class from output phases. "paper": argmax_o cos θ_o (even in θ, so ±target tie:
    the readout/loss mismatch of the method notes; it only makes sense for differential targets);
    "consistent": the class whose target vector (row of :func:`target_table`) is nearest to θ_out in the
    loss's own metric ½ Σ_o (θ_o − t_o)² (differential: argmin_o θ_o; common: the sign of Σ_o θ_o)."""
    th = theta[..., list(outputs)]
    if kind == "paper":
        return torch.argmax(torch.cos(th), dim=-1)
    if kind == "consistent":
        T = target_table(len(outputs), target, targets).to(th)
        if targets == "differential":  # the nearest row is exactly the smallest phase (d_c = const + 4·target·θ_c)
            return torch.argmin(th, dim=-1)
        return torch.argmin(((th.unsqueeze(-2) - T) ** 2).sum(-1), dim=-1)
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
    t, m = targets_for(yr, runs.outputs, om.shape[-1], cfg.target, cfg.targets)
    out = {"ok_fraction": res.ok.double().mean(-1), "loss": loss(res.theta, t, m).mean(-1)}
    for kind in READOUTS:
        pred = readout(res.theta, runs.outputs, kind, cfg.target, cfg.targets)
        out[f"acc_{kind}"] = ((pred == yr) & res.ok).double().mean(-1)
    return out


_OPT_CODE = {name: i for i, name in enumerate(OPTIMIZERS)}


def _init_opt_state(runs: Runs) -> dict[str, torch.Tensor]:
    """Zero optimiser state (kept across calls to :func:`train`, so training can be continued)."""
    st = runs.opt_state
    shapes = {"m_omega": runs.omega.shape, "v_omega": runs.omega.shape, "m_K": runs.K.shape, "v_K": runs.K.shape}
    for key, shape in shapes.items():
        if key not in st or tuple(st[key].shape) != tuple(shape):
            st[key] = torch.zeros(shape, dtype=torch.float64)
    if "step" not in st or st["step"].shape != (runs.R,):
        st["step"] = torch.zeros(runs.R, dtype=torch.long)
    return st


def _direction(g: torch.Tensor, upd: torch.Tensor, m: torch.Tensor, v: torch.Tensor, step: torch.Tensor,
               cfg: TrainConfig) -> torch.Tensor:
    """Optimiser direction d (p ← p − lr·d) from the mean clipped gradient g; updates the state m, v in place
    where ``upd`` (a run applies this step and the parameter learns). ``step``: the run's step count t
    after this step, broadcast against g."""
    if cfg.optimizer == "sgd":
        return g
    if cfg.optimizer == "momentum":  # torch.optim.SGD heavy ball, dampening 0: v ← μ v + g
        m.copy_(torch.where(upd, cfg.momentum * m + g, m))
        return m
    b1, b2 = cfg.adam_beta1, cfg.adam_beta2  # Adam, Algorithm 1 of Kingma & Ba
    m.copy_(torch.where(upd, b1 * m + (1.0 - b1) * g, m))
    v.copy_(torch.where(upd, b2 * v + (1.0 - b2) * g * g, v))
    t = step.double().clamp(min=1.0)
    m_hat = m / (1.0 - b1 ** t)
    v_hat = v / (1.0 - b2 ** t)
    return m_hat / (torch.sqrt(v_hat) + cfg.adam_eps)


def train(
    runs: Runs, X: torch.Tensor, y: torch.Tensor, orders: torch.Tensor, cfg: TrainConfig,
    X_eval: torch.Tensor | None = None, y_eval: torch.Tensor | None = None, eval_every: int = 1,
    progress=None, backend: str = "auto",
) -> Runs:
    """EP training (online or mini-batch; SGD, momentum or Adam) for all runs at once.

    X (S, d) / y (S,) shared by all runs, or (R, S, d) / (R, S) with one split per run.
    ``orders`` (epochs, R, S) gives each run's sample order per epoch (shuffles are per seed); mini-batches
    are consecutive blocks of ``cfg.batch_size`` samples of that order.
    ``backend``: "torch" (the reference solver and gradients), "numba" (the fused kernel of
    :mod:`resonant.ep.kernels`, same equations, one-sided β only) or "auto" (numba when installed and
    the symmetric variant is not asked for).
    A sample whose free or nudged equilibrium is not converged and stable contributes no gradient (counted
    in the history as ``skipped``); a mini-batch without any such sample applies no step.
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
    T = target_table(len(runs.outputs), cfg.target, cfg.targets)
    if yr.numel() and (int(yr.min()) < 0 or int(yr.max()) >= T.shape[0]):
        raise ValueError(f"labels must be in [0, {T.shape[0]}) for targets={cfg.targets!r}")
    st = _init_opt_state(runs)
    B = cfg.batch_size
    upper = torch.triu(torch.ones(N, N, dtype=torch.bool), 1)
    for ep in range(epochs):
        skipped = torch.zeros(R, dtype=torch.long)
        if use_kernel:  # the whole epoch in the compiled loop
            om_np, K_np = runs.omega.numpy().copy(), runs.K.numpy().copy()
            kernels.train_epoch(om_np, K_np, runs.learn_omega.numpy(), runs.learn_K.numpy(),
                                Xr.contiguous().numpy(), yr.contiguous().numpy(), orders[ep].contiguous().numpy(),
                                np.asarray(runs.inputs, dtype=np.int64), np.asarray(runs.outputs, dtype=np.int64),
                                cfg.input_scale, T.numpy(), cfg.beta, cfg.lr, cfg.grad_clip, cfg.omega_clip,
                                cfg.K_min, cfg.K_max, runs.pinned, 1e-12, 60, 1e-10, skipped.numpy(),
                                B, _OPT_CODE[cfg.optimizer], cfg.momentum, cfg.adam_beta1, cfg.adam_beta2,
                                cfg.adam_eps, st["m_omega"].numpy(), st["v_omega"].numpy(), st["m_K"].numpy(),
                                st["v_K"].numpy(), st["step"].numpy())
            runs.omega, runs.K = torch.from_numpy(om_np), torch.from_numpy(K_np)
        for b0 in range(0, 0 if use_kernel else S, B):
            idx = orders[ep, :, b0:b0 + B]  # (R, b)
            b = idx.shape[1]
            x = torch.gather(Xr, 1, idx.unsqueeze(-1).expand(R, b, Xr.shape[-1]))
            lab = torch.gather(yr, 1, idx)
            om = _with_inputs(runs.omega.unsqueeze(1).expand(R, b, N), x, runs.inputs, cfg.input_scale)
            t, m = targets_for(lab, runs.outputs, N, cfg.target, cfg.targets)
            Kb = runs.K.unsqueeze(1).expand(R, b, N, N).reshape(R * b, N, N)
            g, fr, nu = ep_gradients(om.reshape(R * b, N), Kb, t.reshape(R * b, N), m.reshape(R * b, N),
                                     beta=cfg.beta, pinned=runs.pinned, symmetric=cfg.symmetric_beta,
                                     eigenvalues=False)
            ok = (fr.ok & nu.ok).reshape(R, b)
            skipped += (~ok).long().sum(1)
            # per-sample component clipping (published), then the mean over the usable samples of the batch
            g_om = torch.where(ok.unsqueeze(-1), torch.clamp(g.omega.reshape(R, b, N), -cfg.grad_clip,
                                                             cfg.grad_clip), 0.0).sum(1)
            g_K = torch.where(ok.reshape(R, b, 1, 1), torch.clamp(g.K.reshape(R, b, N, N), -cfg.grad_clip,
                                                                  cfg.grad_clip), 0.0).sum(1)
            n_ok = ok.sum(1)
            has = n_ok > 0  # (R,)
            denom = n_ok.clamp(min=1).double()
            g_om = g_om / denom.unsqueeze(-1)
            g_K = g_K / denom.reshape(R, 1, 1)
            st["step"] += has.long()
            upd_om = runs.learn_omega & has.unsqueeze(-1)
            lk = runs.learn_K & has.reshape(R, 1, 1) & (runs.K > 0)
            d_om = _direction(g_om, upd_om, st["m_omega"], st["v_omega"], st["step"].unsqueeze(-1), cfg)
            d_K = _direction(g_K, lk, st["m_K"], st["v_K"], st["step"].reshape(R, 1, 1), cfg)
            runs.omega = torch.clamp(runs.omega + torch.where(upd_om, -cfg.lr * d_om, 0.0), -cfg.omega_clip,
                                     cfg.omega_clip)
            K_new = torch.where(lk, torch.clamp(runs.K - cfg.lr * d_K, cfg.K_min, cfg.K_max), runs.K)
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
