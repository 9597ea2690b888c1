"""Baselines on the same splits as the oscillator experiments."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch


def logistic_regression_accuracy(
    X_train: torch.Tensor, y_train: torch.Tensor, X_test: torch.Tensor, y_test: torch.Tensor,
    l2: float = 1e-4, iterations: int = 50,
) -> torch.Tensor:
    """Test accuracy of L2-regularised logistic regression fitted by Newton's method (IRLS), batched.

    X_* are (B, S, d) (B independent problems, e.g. one split per seed), y_* (B, S) in {0, 1}.
    A small ridge ``l2`` keeps separable problems finite. Returns the accuracy per problem (B,).
    """
    def design(X: torch.Tensor) -> torch.Tensor:
        return torch.cat([X, torch.ones(*X.shape[:-1], 1, dtype=X.dtype)], dim=-1)

    A = design(X_train.double())
    y = y_train.double()
    B, _, p = A.shape
    w = torch.zeros(B, p, dtype=torch.float64)
    eye = torch.eye(p, dtype=torch.float64)
    for _ in range(iterations):
        prob = torch.sigmoid((A @ w.unsqueeze(-1)).squeeze(-1))
        grad = (A * (prob - y).unsqueeze(-1)).sum(1) + l2 * w
        Hs = (A.transpose(1, 2) * (prob * (1 - prob)).unsqueeze(1)) @ A + l2 * eye
        step = torch.linalg.solve(Hs, grad.unsqueeze(-1)).squeeze(-1)
        w = w - step
        if float(step.abs().max()) < 1e-12:
            break
    pred = ((design(X_test.double()) @ w.unsqueeze(-1)).squeeze(-1) > 0).long()
    return (pred == y_test.long()).double().mean(-1)


# --- continual-learning baselines (DRAI task 3, resonant.experiments.drai_continual) ---------------------------


def nearest_class_mean(
    X_train: torch.Tensor, y_train: torch.Tensor, X_test: torch.Tensor, classes: Sequence[int]
) -> torch.Tensor:
    """Nearest-class-mean predictions among ``classes`` (Mensink et al. 2013; the iCaRL classifier rule).

    μ_c = mean of the training rows of class c; a test row gets argmin_c ‖x − μ_c‖² (ties: the first class in
    ``classes``). Batched: X_train (B, n, d) or (n, d), y_train (B, n) or (n,), X_test (B, m, d) or (m, d).
    Returns the predicted class labels, (B, m) or (m,). A class without training rows is an error.
    """
    squeeze = X_train.ndim == 2
    if squeeze:
        X_train, y_train, X_test = X_train.unsqueeze(0), y_train.unsqueeze(0), X_test.unsqueeze(0)
    if X_train.ndim != 3 or X_test.ndim != 3 or y_train.shape != X_train.shape[:2]:
        raise ValueError(f"need X_train (B, n, d), y_train (B, n), X_test (B, m, d); got {tuple(X_train.shape)}, "
                         f"{tuple(y_train.shape)}, {tuple(X_test.shape)}")
    cls = torch.as_tensor(list(classes), dtype=torch.long)
    if cls.numel() == 0:
        raise ValueError("classes must not be empty")
    onehot = (y_train.long().unsqueeze(-1) == cls).to(X_train.dtype)  # (B, n, C)
    counts = onehot.sum(1)  # (B, C)
    if bool((counts == 0).any()):
        missing = cls[(counts == 0).any(0)].tolist()
        raise ValueError(f"classes {missing} have no training rows")
    means = onehot.transpose(1, 2) @ X_train / counts.unsqueeze(-1)  # (B, C, d)
    d2 = (X_test.unsqueeze(2) - means.unsqueeze(1)).square().sum(-1)  # (B, m, C)
    pred = cls[d2.argmin(-1)]
    return pred[0] if squeeze else pred


@dataclass
class BatchedMLP:
    """B independent one-hidden-layer ReLU perceptrons (one per seed), weights in the leading axis.

    logits = relu(X W1 + b1) W2 + b2 with W1 (B, d, h), b1 (B, 1, h), W2 (B, h, C), b2 (B, 1, C).
    """

    W1: torch.Tensor
    b1: torch.Tensor
    W2: torch.Tensor
    b2: torch.Tensor

    @classmethod
    def init(cls, n_in: int, n_hidden: int, n_out: int, generators: Sequence[torch.Generator],
             dtype: torch.dtype = torch.float64) -> BatchedMLP:
        """PyTorch's default nn.Linear initialisation, U(±1/√fan_in), drawn per network from its own generator
        (network b depends only on generators[b])."""
        if min(n_in, n_hidden, n_out) < 1 or not generators:
            raise ValueError(f"need n_in, n_hidden, n_out >= 1 and at least one generator; got {n_in}, {n_hidden}, "
                             f"{n_out}, {len(generators)} generators")

        def u(shape: tuple[int, ...], fan_in: int, g: torch.Generator) -> torch.Tensor:
            return (2.0 * torch.rand(shape, generator=g, dtype=dtype) - 1.0) / math.sqrt(fan_in)

        parts = [(u((n_in, n_hidden), n_in, g), u((1, n_hidden), n_in, g), u((n_hidden, n_out), n_hidden, g),
                  u((1, n_out), n_hidden, g)) for g in generators]
        return cls(*(torch.stack(p) for p in zip(*parts, strict=True)))

    def parameters(self) -> list[torch.Tensor]:
        return [self.W1, self.b1, self.W2, self.b2]

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """(B, m, d) → (B, m, C)."""
        return torch.relu(X @ self.W1 + self.b1) @ self.W2 + self.b2

    def predict(self, X: torch.Tensor, classes: Sequence[int] | None = None) -> torch.Tensor:
        """argmax of the logits, restricted to ``classes`` if given (class-incremental: among the classes seen)."""
        with torch.no_grad():
            z = self.logits(X)
        if classes is None:
            return z.argmax(-1)
        cls = torch.as_tensor(list(classes), dtype=torch.long)
        return cls[z[..., cls].argmax(-1)]

    def clone(self) -> BatchedMLP:
        return BatchedMLP(*(p.detach().clone() for p in self.parameters()))


def adam_step(
    params: Sequence[torch.Tensor], grads: Sequence[torch.Tensor], m: list[torch.Tensor], v: list[torch.Tensor],
    step: int, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
) -> list[torch.Tensor]:
    """One Adam update (Kingma & Ba 2015, Algorithm 1), out of place: m ← β1 m + (1 − β1) g,
    v ← β2 v + (1 − β2) g², p ← p − lr m̂/(√v̂ + ε) with m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t); ``step`` = t ≥ 1.
    ``m`` and ``v`` are updated in the lists. (Written out so the baselines do not pull in torch.optim's compiler
    imports, several seconds on a loaded CPU.)"""
    b1, b2 = betas
    out = []
    for k, (p, g) in enumerate(zip(params, grads, strict=True)):
        m[k] = b1 * m[k] + (1 - b1) * g
        v[k] = b2 * v[k] + (1 - b2) * g * g
        m_hat = m[k] / (1 - b1**step)
        v_hat = v[k] / (1 - b2**step)
        out.append(p - lr * m_hat / (torch.sqrt(v_hat) + eps))
    return out


def train_mlp(
    mlp: BatchedMLP, X: torch.Tensor, y: torch.Tensor, generators: Sequence[torch.Generator], *, epochs: int,
    batch_size: int = 32, lr: float = 1e-3,
) -> BatchedMLP:
    """Train B networks by backprop (Adam, :func:`adam_step`; cross-entropy over all outputs; fresh optimiser
    state per call).

    X (B, n, d), y (B, n); network b sees its own data in an order drawn from generators[b] each epoch, so its
    result does not depend on the other networks in the batch (the loss is a sum of per-network means and Adam
    is elementwise). Returns a trained copy.
    """
    B, n, d = X.shape
    if y.shape != (B, n) or len(generators) != B:
        raise ValueError(f"need y (B, n) = ({B}, {n}) and B = {B} generators; got {tuple(y.shape)}, "
                         f"{len(generators)}")
    if epochs < 0 or batch_size < 1 or not lr > 0:
        raise ValueError(f"need epochs >= 0, batch_size >= 1, lr > 0; got {epochs}, {batch_size}, {lr}")
    params = [p.detach().clone() for p in mlp.parameters()]
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    y = y.long()
    step = 0
    for _ in range(epochs):
        order = torch.stack([torch.randperm(n, generator=g) for g in generators])  # (B, n)
        for start in range(0, n, batch_size):
            idx = order[:, start:start + batch_size]
            Xb = torch.gather(X, 1, idx.unsqueeze(-1).expand(-1, -1, d))
            yb = torch.gather(y, 1, idx)
            leaves = [p.requires_grad_(True) for p in params]
            z = BatchedMLP(*leaves).logits(Xb)
            loss = torch.nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]), yb.reshape(-1),
                                                     reduction="none").view(B, -1).mean(1).sum()
            grads = torch.autograd.grad(loss, leaves)
            step += 1
            with torch.no_grad():
                params = adam_step([p.detach() for p in leaves], grads, m, v, step, lr)
    return BatchedMLP(*(p.detach() for p in params))


def train_mlp_sequential(
    mlp: BatchedMLP, X_tasks: Sequence[torch.Tensor], y_tasks: Sequence[torch.Tensor],
    generators: Sequence[torch.Generator], *, epochs: int, batch_size: int = 32, lr: float = 1e-3,
) -> list[BatchedMLP]:
    """Fine-tune the same networks on each task in turn (no replay, no regulariser): the naive sequential
    baseline of continual learning. Returns the networks after each task."""
    snapshots = []
    for X, y in zip(X_tasks, y_tasks, strict=True):
        mlp = train_mlp(mlp, X, y, generators, epochs=epochs, batch_size=batch_size, lr=lr)
        snapshots.append(mlp.clone())
    return snapshots


# --- associative-memory baselines (DRAI task 2, resonant.experiments.drai_memory) ------------------------------


def hopfield_weights(patterns: torch.Tensor) -> torch.Tensor:
    """Hebbian (outer-product) Hopfield weights W = (1/N) Σ_μ ξ^μ (ξ^μ)ᴴ with w_ii = 0 (Hopfield 1982).

    ``patterns`` (P, ..., N): real ±1 patterns give the classical W_ij = (1/N) Σ_μ ξ^μ_i ξ^μ_j; complex unit
    phasors ξ = e^{iθ} give the Hermitian phasor-network weights W_ij = (1/N) Σ_μ ξ^μ_i conj(ξ^μ_j) (Noest 1988).
    Returns (..., N, N).
    """
    if patterns.ndim < 2:
        raise ValueError(f"patterns must have shape (P, ..., N), got {tuple(patterns.shape)}")
    if not torch.isfinite(torch.view_as_real(patterns) if patterns.is_complex() else patterns).all():
        raise ValueError("patterns contain NaN or infinite values")
    N = patterns.shape[-1]
    xi = patterns
    W = (xi.unsqueeze(-1) * (xi.conj() if xi.is_complex() else xi).unsqueeze(-2)).sum(0) / N
    return W * (1 - torch.eye(N, dtype=W.real.dtype, device=W.device))


@dataclass
class HopfieldRecall:
    """Result of :func:`hopfield_recall`: final states (*B, R, N), sweeps used (*B, R) (full sweeps until the
    first sweep without a change, ``max_sweeps`` if none), converged (*B, R) (a sweep without a change was seen)."""

    states: torch.Tensor
    sweeps: torch.Tensor
    converged: torch.Tensor


def _hopfield_activation(h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """sign(h) for real states, h/|h| for phasors; a zero field keeps the old state (no tie-breaking bias)."""
    if h.is_complex():
        mag = h.abs()
        return torch.where(mag > 0, h / mag.clamp_min(torch.finfo(mag.dtype).tiny), s)
    return torch.where(h > 0, 1.0, torch.where(h < 0, -1.0, s)).to(s.dtype)


def hopfield_recall(
    W: torch.Tensor,
    s0: torch.Tensor,
    *,
    mode: str = "async",
    max_sweeps: int = 100,
    generator: torch.Generator | None = None,
    tol: float = 1e-9,
) -> HopfieldRecall:
    """Recall in a Hopfield network: s_i ← sign(Σ_j W_ij s_j) (Hopfield 1982), or the phasor network
    s_i ← h_i/|h_i|, h = W s, when W and s0 are complex (unit-modulus states; Noest 1988).

    Args:
        W: (*B, N, N) weights (e.g. :func:`hopfield_weights`), one network per batch element; (N, N) for one.
        s0: (*B, R, N) initial states (cues): R states recalled in each of the networks. Real states should be
            ±1, complex states unit phasors.
        mode: "async": one sweep updates every unit once, in a fresh random order per sweep and per state
            (the classical asynchronous dynamics: the energy −½ sᴴWs never increases for symmetric W); the
            Python loop runs over the N update positions of a sweep, each step one batched gather over all
            B·R states. "sync": all units at once, s ← f(W s) (may end in a 2-cycle, then not converged).
        max_sweeps: upper bound on sweeps (async) or iterations (sync).
        generator: torch.Generator for the async update orders (required for "async": every run takes a seed).
        tol: a sweep changes nothing when max |Δs| ≤ tol (exact for ±1 states).

    A state that has converged stays fixed (further sweeps cannot change it), so the batch runs until every
    state has converged or ``max_sweeps`` is reached.
    """
    if mode not in ("async", "sync"):
        raise ValueError(f"mode={mode!r} must be 'async' or 'sync'")
    if not isinstance(max_sweeps, int) or isinstance(max_sweeps, bool) or max_sweeps < 1:
        raise ValueError(f"max_sweeps={max_sweeps!r} must be an int >= 1")
    if W.ndim < 2 or W.shape[-1] != W.shape[-2]:
        raise ValueError(f"W must have shape (*B, N, N), got {tuple(W.shape)}")
    N = W.shape[-1]
    if s0.ndim != W.ndim or s0.shape[:-2] != W.shape[:-2] or s0.shape[-1] != N:
        raise ValueError(f"s0 must have shape (*B, R, N) = {(*W.shape[:-2], 'R', N)} for W of shape "
                         f"{tuple(W.shape)}, got {tuple(s0.shape)}")
    if W.is_complex() != s0.is_complex():
        raise ValueError(f"W ({W.dtype}) and s0 ({s0.dtype}) must both be real (±1 network) or both complex "
                         "(phasor network)")
    for name, x in (("W", W), ("s0", s0)):
        if not torch.isfinite(torch.view_as_real(x) if x.is_complex() else x).all():
            raise ValueError(f"{name} contains NaN or infinite values")
    if mode == "async" and generator is None:
        raise ValueError("mode='async' needs a torch.Generator for the update orders (every run takes a seed)")
    batch = W.shape[:-2]
    R = s0.shape[-2]
    Wf = W.reshape(-1, N, N)
    s = s0.reshape(-1, R, N).clone()
    Bn = Wf.shape[0]
    Wt = Wf.transpose(-1, -2)
    sweeps = torch.full((Bn, R), max_sweeps, dtype=torch.long, device=s.device)
    done = torch.zeros((Bn, R), dtype=torch.bool, device=s.device)
    b_idx = torch.arange(Bn, device=s.device).unsqueeze(-1).expand(Bn, R)
    for sweep in range(1, max_sweeps + 1):
        before = s.clone()
        if mode == "sync":
            s = _hopfield_activation(torch.bmm(s, Wt), s)
        else:
            order = torch.rand((Bn, R, N), generator=generator, device=s.device).argsort(-1)
            for n in range(N):
                k = order[..., n]  # (Bn, R): the unit each state updates at this step
                h = (Wf[b_idx, k] * s).sum(-1)  # local field h_k = Σ_j W_kj s_j
                new = _hopfield_activation(h, s.gather(-1, k.unsqueeze(-1)).squeeze(-1))
                s.scatter_(-1, k.unsqueeze(-1), new.unsqueeze(-1))
        s = torch.where(done.unsqueeze(-1), before, s)
        still = (s - before).abs().amax(-1) <= tol
        newly = still & ~done
        sweeps = torch.where(newly, torch.full_like(sweeps, sweep), sweeps)
        done |= still
        if bool(done.all()):
            break
    return HopfieldRecall(states=s.reshape(*batch, R, N), sweeps=sweeps.reshape(*batch, R),
                          converged=done.reshape(*batch, R))
