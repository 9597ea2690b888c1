"""The DRAI learning rule and its stabilisers as small pure functions (DRAI §4, §7).

* learning functions g(Δφ) (§4 "DRAI doesn't force a particular form for g(·)", §7 "Learning
  Function Selection"): :func:`cosine`, :func:`gaussian`, :func:`sigmoid`, :func:`piecewise_linear`,
  a registry :data:`G_FUNCTIONS`, :func:`make_g`, and any user callable g(Δφ) → tensor;
* the rule Δw_ij = η⟨g(φ_i − φ_j)⟩ (§4): :func:`hebbian_delta`;
* the binary resonance indicator R_ij and Δw_ij ∝ R_ij (§4): :func:`resonance_indicator`,
  :func:`indicator_delta`;
* the complex (phase-lag learning) Hebbian rule ċ_ij = −γc_ij + βz_i z̄_j (Hoppensteadt &
  Izhikevich), window form: :func:`complex_hebbian_delta`;
* decay, bounds, symmetry and masks: :func:`apply_update`;
* "homeostatic scaling or sparsity constraints to prevent runaway weight growth" (§4):
  :func:`homeostatic_scaling`, :func:`sparsify`.

Convention: W[..., i, j] = w_ij is the strength from neuron j to neuron i (§4), so row i holds the
inputs of neuron i. The diagonal is always zero. Every function takes any leading batch shape.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

from resonant.core.phases import wrap_pi

GFunction = Callable[[torch.Tensor], torch.Tensor]


def offdiagonal_mask(N: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(N, N) boolean mask, True off the diagonal."""
    return ~torch.eye(N, dtype=torch.bool, device=device)


def zero_diagonal(W: torch.Tensor) -> torch.Tensor:
    """W with w_ii = 0 (no self-coupling), out of place."""
    return W.masked_fill(~offdiagonal_mask(W.shape[-1], W.device), 0)


# --- learning functions g(Δφ), Δφ = φ_i − φ_j -------------------------------------------------------------


def cosine(delta_phi: torch.Tensor) -> torch.Tensor:
    """g(Δφ) = cos Δφ: +1 in phase, −1 in anti-phase, mean 0 over uniformly drifting phases (§4, §7)."""
    return torch.cos(delta_phi)


def gaussian_baseline(sigma: float) -> float:
    """Mean of exp(−d²/2σ²) over d uniform on [−π, π): σ/√(2π) · erf(π/(σ√2))."""
    return sigma / math.sqrt(2.0 * math.pi) * math.erf(math.pi / (sigma * math.sqrt(2.0)))


def gaussian(delta_phi: torch.Tensor, sigma: float = 0.5, centered: bool = True) -> torch.Tensor:
    """Gaussian g (§7 "strongly emphasises synchrony, suppressing out-of-phase interactions").

    g(Δφ) = exp(−d²/(2σ²)) − b, d = wrap(Δφ) ∈ [−π, π). With ``centered`` the baseline b is the
    mean of the bump over uniformly distributed d (:func:`gaussian_baseline`), so drifting pairs get
    ⟨g⟩ = 0 like the cosine and out-of-phase pairs get a small negative value (§4: g "turns negative
    when neurons consistently oscillate out of phase"); otherwise b = 0 (g > 0 everywhere).
    """
    if sigma <= 0:
        raise ValueError(f"gaussian g: sigma={sigma!r} must be > 0")
    d = wrap_pi(delta_phi)
    b = gaussian_baseline(sigma) if centered else 0.0
    return torch.exp(-(d * d) / (2.0 * sigma * sigma)) - b


def sigmoid(delta_phi: torch.Tensor, gain: float = 4.0, offset: float = 0.0) -> torch.Tensor:
    """Sigmoid-based g (§7 "gradual transitions"): g = 2σ(a(cos Δφ − c)) − 1 = tanh(a(cos Δφ − c)/2) ∈ (−1, 1).

    a = ``gain`` (a → 0: ∝ cos; a → ∞: sign(cos Δφ − c)), c = ``offset`` (the cos Δφ at which g
    changes sign). With c = 0, g is odd in cos Δφ, so ⟨g⟩ = 0 over uniformly drifting phases.
    """
    if gain <= 0:
        raise ValueError(f"sigmoid g: gain={gain!r} must be > 0")
    return torch.tanh(0.5 * gain * (torch.cos(delta_phi) - offset))


def piecewise_linear(delta_phi: torch.Tensor, width: float = math.pi / 2) -> torch.Tensor:
    """Piecewise-linear g (§7): +1 at d = 0, 0 at |d| = a, −1 at |d| = π, linear in between (d = wrap(Δφ)).

    a = ``width``; a = π/2 is the triangle wave (mean 0 over uniform d), the piecewise-linear
    analogue of the cosine.
    """
    if not 0.0 < width < math.pi:
        raise ValueError(f"piecewise_linear g: width={width!r} must lie in (0, π)")
    ad = wrap_pi(delta_phi).abs()
    return torch.where(ad <= width, 1.0 - ad / width, -(ad - width) / (math.pi - width))


G_FUNCTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "cosine": cosine,
    "gaussian": gaussian,
    "sigmoid": sigmoid,
    "piecewise_linear": piecewise_linear,
}


def make_g(name: str, **params: float) -> GFunction:
    """The registered g called ``name`` with its parameters bound, e.g. ``make_g("gaussian", sigma=0.3)``."""
    if name not in G_FUNCTIONS:
        raise ValueError(f"unknown learning function g={name!r}; known: {sorted(G_FUNCTIONS)} (or pass a callable)")
    fn = G_FUNCTIONS[name]
    if name == "cosine":
        if params:
            raise ValueError(f"cosine g takes no parameters, got {sorted(params)}")
        return cosine
    return functools.partial(fn, **params)


def evaluate_g(g: GFunction, delta_phi: torch.Tensor) -> torch.Tensor:
    """g(Δφ) with a check that a user-supplied g returns a finite tensor of the same shape."""
    out = g(delta_phi)
    if not isinstance(out, torch.Tensor) or out.shape != delta_phi.shape:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"learning function g must return a tensor of shape {tuple(delta_phi.shape)}, got {shape}")
    if not torch.isfinite(out).all():
        raise ValueError("learning function g returned non-finite values")
    return out


# --- the rules ------------------------------------------------------------------------------------------


def hebbian_delta(mean_g: torch.Tensor, eta: float | torch.Tensor) -> torch.Tensor:
    """Δw_ij = η⟨g(φ_i − φ_j)⟩ (DRAI §4), diagonal zero. mean_g (..., N, N); η scalar or per pair."""
    return zero_diagonal(eta * mean_g)


def resonance_indicator(mean_zz: torch.Tensor, threshold: float = 0.9, max_lag: float = math.pi / 4) -> torch.Tensor:
    """Binary resonance indicator R_ij (DRAI §4: "R_ij = 1 if neurons i and j consistently stay in sync").

    Our reading of "consistently in sync" ("their peaks and valleys consistently match in timing",
    §3): locked (PLV_ij = |⟨e^{i(φ_i−φ_j)}⟩| ≥ ``threshold``) *and* near in-phase (|arg⟨e^{i(φ_i−φ_j)}⟩|
    ≤ ``max_lag``). Returns a real 0/1 tensor (..., N, N) with zero diagonal.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"indicator threshold={threshold!r} must lie in [0, 1]")
    R = (mean_zz.abs() >= threshold) & (torch.angle(mean_zz).abs() <= max_lag)
    return zero_diagonal(R.to(mean_zz.real.dtype))


def indicator_delta(R: torch.Tensor, eta: float | torch.Tensor) -> torch.Tensor:
    """Δw_ij = η R_ij (DRAI §4, Δw_ij ∝ R_ij)."""
    return zero_diagonal(eta * R)


def complex_hebbian_delta(mean_zz: torch.Tensor, eta: float | torch.Tensor) -> torch.Tensor:
    """Δc_ij = η⟨z_i z̄_j⟩, z = e^{iφ}: the window form of ċ_ij = −γc_ij + βz_i z̄_j (Hoppensteadt–Izhikevich).

    Together with decay λ (:func:`apply_update`) its fixed point is c*_ij = (η/λ)⟨e^{i(φ_i−φ_j)}⟩, which
    stores phase *lags*, so a continuous-phase pattern becomes a fixed point of
    :func:`resonant.drai.dynamics.phase_velocity_complex`. Re c reproduces the cosine rule.
    """
    if not mean_zz.is_complex():
        raise TypeError(f"mean_zz must be complex, got dtype {mean_zz.dtype}")
    return zero_diagonal(eta * mean_zz)


def symmetrize(X: torch.Tensor) -> torch.Tensor:
    """(X + Xᵀ)/2 (Hermitian part (X + Xᴴ)/2 for complex X); exactly symmetric in floating point."""
    Xt = X.transpose(-1, -2)
    return 0.5 * (X + (Xt.conj() if X.is_complex() else Xt))


def clip_weights(W: torch.Tensor, w_min: float | None = None, w_max: float | None = None) -> torch.Tensor:
    """Weight bounds: clamp to [w_min, w_max] (real W); for complex W only |c| ≤ w_max (the phase is kept)."""
    if W.is_complex():
        if w_max is None:
            return W
        mag = W.abs()
        scale = torch.where(mag > w_max, w_max / mag.clamp_min(torch.finfo(mag.dtype).tiny), 1.0)
        return W * scale
    if w_min is None and w_max is None:
        return W
    return W.clamp(min=w_min, max=w_max)


def apply_update(
    W: torch.Tensor,
    delta: torch.Tensor,
    *,
    decay: float = 0.0,
    w_min: float | None = None,
    w_max: float | None = None,
    symmetric: bool = False,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """One plasticity step: w_ij ← clip((1 − λ)w_ij + Δw_ij), only where ``mask`` is True; w_ii = 0.

    λ = ``decay`` (per window, §3 "built-in decay mechanism"). With λ > 0 and a fixed average the
    iteration w_{n+1} = (1 − λ)w_n + η⟨g⟩ converges geometrically to w* = (η/λ)⟨g⟩ (the
    discrete-window form of the adaptive-Kuramoto rule κ̇ = ε(α cos Δφ − κ), Seliger et al. 2002).
    ``symmetric``: Δ (and the mask) are symmetrised first, so a symmetric W stays exactly symmetric
    (asymmetric g or per-pair learning rates otherwise break the symmetry). Entries outside
    ``mask`` are not written at all (neither decay nor Δ).
    """
    if W.shape != delta.shape and torch.broadcast_shapes(W.shape, delta.shape) != W.shape:
        raise ValueError(f"delta of shape {tuple(delta.shape)} does not broadcast to W of shape {tuple(W.shape)}")
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"decay={decay!r} must lie in [0, 1] (fraction of w removed per window)")
    if w_min is not None and w_max is not None and w_min > w_max:
        raise ValueError(f"w_min={w_min!r} must be <= w_max={w_max!r}")
    if symmetric:
        delta = symmetrize(delta)
        if mask is not None:
            mask = mask & mask.transpose(-1, -2)
    new = clip_weights((1.0 - decay) * W + delta, w_min, w_max)
    if mask is not None:
        new = torch.where(mask, new, W)
    return zero_diagonal(new)


def row_norms(W: torch.Tensor, norm: str = "l2") -> torch.Tensor:
    """‖w_i·‖ per row (the inputs of neuron i), shape (..., N); complex W uses |c_ij|."""
    if norm == "l2":
        return torch.linalg.vector_norm(W, ord=2, dim=-1)
    if norm == "l1":
        return W.abs().sum(-1)
    raise ValueError(f"norm={norm!r} must be 'l2' or 'l1'")


def homeostatic_scaling(
    W: torch.Tensor, target: float, *, norm: str = "l2", symmetric: bool = False, iters: int = 200, tol: float = 1e-13
) -> torch.Tensor:
    """Multiplicative homeostatic (synaptic) scaling of each neuron's inputs to a target norm (DRAI §4).

    Non-symmetric: w_ij ← w_ij · τ/‖w_i·‖ (rows with zero norm are left at zero), so every non-zero
    row ends with ‖w_i·‖ = τ exactly (Turrigiano-style scaling of all inputs of a neuron by one factor).

    Symmetric: w_ij ← d_i w_ij d_j, which keeps W symmetric; d solves x_i Σ_j |w_ij|^p x_j = τ^p
    with x = d^p (p = 2 for "l2", 1 for "l1") by the damped symmetric Sinkhorn–Knopp iteration
    x ← √(x · τ^p/(A x)), A = |W|^p (Knight 2008). This converges when such a d exists (e.g. a dense
    matrix with positive off-diagonal entries); on graphs where no symmetric scaling can equalise the
    rows (e.g. a star) it returns the last iterate, whose row norms are only approximately τ.
    """
    if not (target > 0 and math.isfinite(target)):
        raise ValueError(f"homeostasis target={target!r} must be a finite number > 0")
    n = row_norms(W, norm)
    tiny = torch.finfo(n.dtype).tiny
    if not symmetric:
        s = torch.where(n > 0, target / n.clamp_min(tiny), 1.0)
        return W * s.unsqueeze(-1)
    p = 2.0 if norm == "l2" else 1.0
    A = W.abs() ** p
    tp = target**p
    x = torch.where(n > 0, torch.ones_like(n), torch.zeros_like(n))
    for _ in range(iters):
        Ax = (A @ x.unsqueeze(-1)).squeeze(-1)
        x_new = torch.where(Ax > 0, torch.sqrt(x * tp / Ax.clamp_min(tiny)), x)
        done = bool(((x_new - x).abs() <= tol * x_new.abs().clamp_min(1.0)).all())
        x = x_new
        if done:
            break
    d = x ** (1.0 / p)
    return (d.unsqueeze(-1) * d.unsqueeze(-2)) * W  # d_i d_j is exactly symmetric, so W stays exactly symmetric


def sparsify(
    W: torch.Tensor, k: int | None = None, threshold: float | None = None, *, symmetric: bool = False
) -> torch.Tensor:
    """Sparsity constraint (DRAI §4, §7 "Sparse connectivity may improve efficiency").

    ``k``: keep the k largest |w_ij| of each row (j ≠ i; ties broken by torch.topk), zero the rest.
    ``threshold``: zero every |w_ij| < threshold. With ``symmetric`` an entry survives only if it
    survives in both row i and row j (mutual top-k), so rows keep at most k entries and W stays
    symmetric. Shapes (..., N, N).
    """
    N = W.shape[-1]
    keep = offdiagonal_mask(N, W.device).expand(W.shape).clone()
    mag = W.abs()
    if k is not None:
        if not 0 <= k <= N - 1:
            raise ValueError(f"sparsity k={k!r} must lie in [0, N-1] = [0, {N - 1}]")
        scores = mag.masked_fill(~offdiagonal_mask(N, W.device), -math.inf)
        idx = torch.topk(scores, k, dim=-1).indices
        top = torch.zeros(W.shape, dtype=torch.bool, device=W.device).scatter_(-1, idx, True)
        keep &= top
    if threshold is not None:
        if threshold < 0:
            raise ValueError(f"sparsity threshold={threshold!r} must be >= 0")
        keep &= mag >= threshold
    if symmetric:
        keep = keep & keep.transpose(-1, -2)
    return torch.where(keep, W, torch.zeros_like(W))


def outer_product_weights(xi: torch.Tensor, complex_weights: bool = False) -> torch.Tensor:
    """One-shot Hebbian storage: C_ij = (1/P) Σ_μ e^{i(ξ^μ_i − ξ^μ_j)} over the first axis of ξ (P, ..., N).

    Real part (``complex_weights=False``): w_ij = (1/P) Σ_μ cos(ξ^μ_i − ξ^μ_j), for ±1 patterns
    (phases 0/π) the Hopfield outer product (1/P) Σ_μ s^μ_i s^μ_j. This is also the fixed point
    (η/λ = 1) of the cosine rule with decay when the patterns are presented equally often.
    Diagonal zero. Returns (..., N, N).
    """
    z = torch.polar(torch.ones_like(xi), xi)
    C = (z.unsqueeze(-1) * z.conj().unsqueeze(-2)).mean(0)
    return zero_diagonal(C if complex_weights else C.real)
