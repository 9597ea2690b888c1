"""The DRAI network: phase oscillators whose couplings learn from their own phase relations.

:class:`DRAINetwork` holds ω, the weights w (real, or complex C for the phase-lag rule), the
operation counters, the surprise state and one seeded ``torch.Generator``. It orchestrates; the
equations live in :mod:`~resonant.drai.dynamics`, :mod:`~resonant.drai.rules`,
:mod:`~resonant.drai.gate` and :mod:`~resonant.drai.surprise`.

Shapes. A network object can hold a batch of independent networks (``batch_shape`` B, e.g. seeds):
ω is (*B, N), W is (*B, N, N). Phases are (*P, *B, N): leading "presentation" axes P (patterns,
samples, trials) run in parallel through the same weights. A learning window averages the phase
statistics over time *and* over the presentation axes (one window containing all presentations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from resonant.core.checkpoint import atomic_save, load_checkpoint
from resonant.core.device import resolve_device_dtype
from resonant.core.errors import ConfigError
from resonant.core.phases import TWO_PI, wrap_pi
from resonant.drai.config import DRAIConfig
from resonant.drai.dynamics import (
    Clamp,
    EdgeList,
    WindowStats,
    coupling_nnz,
    integrate,
    periodic_forcing,
    phase_velocity,
    phase_velocity_complex,
)
from resonant.drai.gate import OpCounter, gated_update
from resonant.drai.rules import (
    GFunction,
    apply_update,
    clip_weights,
    complex_hebbian_delta,
    hebbian_delta,
    homeostatic_scaling,
    indicator_delta,
    make_g,
    offdiagonal_mask,
    outer_product_weights,
    resonance_indicator,
    sparsify,
    symmetrize,
    zero_diagonal,
)
from resonant.drai.surprise import SurpriseState, surprise_step

CHECKPOINT_VERSION = 1
SPARSE_DENSITY = 0.25  # a shared W sparser than this runs on the edge list (O(nnz) per step)


@dataclass(frozen=True)
class Stimulus:
    """An input presented to the network during a run.

    Attributes:
        psi: input phases ψ_i, (..., N), broadcastable to the phases (*P, *B, N).
        mode: "clamp" (units set to ψ_i + Ωt, their own dynamics ignored) or "force" (a drive
            I_i = F sin(Ωt + ψ_i − φ_i) added to the phase equation).
        strength: F for "force" (rad/s), scalar or a tensor broadcastable to the phases.
        Omega: input frequency Ω (rad/s), a float or a tensor broadcastable to the phases.
        mask: (..., N) bool, the units that receive the input (default all).
    """

    psi: torch.Tensor
    mode: str = "clamp"
    strength: float | torch.Tensor = 1.0
    Omega: float | torch.Tensor = 0.0
    mask: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("clamp", "force"):
            raise ValueError(f"Stimulus.mode={self.mode!r} must be 'clamp' or 'force'")
        if not isinstance(self.psi, torch.Tensor) or self.psi.ndim < 1:
            raise ValueError("Stimulus.psi must be a tensor of shape (..., N)")
        if not torch.isfinite(self.psi).all():
            raise ValueError("Stimulus.psi contains NaN or infinite values")
        for name in ("Omega", "strength"):
            v = getattr(self, name)
            if isinstance(v, torch.Tensor):
                if not torch.isfinite(v).all():
                    raise ValueError(f"Stimulus.{name} contains NaN or infinite values")
            elif not math.isfinite(v):
                raise ValueError(f"Stimulus.{name}={v!r} must be finite")


@dataclass
class LearnResult:
    """What one learning window did (shapes (*B, N, N) unless stated).

    stats: the raw window statistics (with presentation axes); mean_zz: ⟨z_i z̄_j⟩ averaged over time
    and presentations (one window containing all presentations); plv: |mean_zz|, the phase-locking
    value over that whole window (a pair whose relation differs between presentations is not
    locked); delta: the Δw applied
    (after surprise modulation, before gating); mask: the written entries (None = all);
    surprise: global surprise S (*B) or None; rate: the per-pair factor m·r or None; phi: final phases.
    """

    stats: WindowStats
    mean_zz: torch.Tensor
    plv: torch.Tensor
    delta: torch.Tensor
    mask: torch.Tensor | None
    surprise: torch.Tensor | None
    rate: torch.Tensor | None
    phi: torch.Tensor


class DRAINetwork:
    """A batch of DRAI networks (DRAI §3–4) on one device.

    Args:
        config: :class:`DRAIConfig` (defaults if None).
        device, dtype: float64 on the CPU by default, float32 on CUDA.
        seed: seeds the network's ``torch.Generator`` (ω, initial W and phases, noise).
        batch_shape: independent networks held together (ω (*B, N), W (*B, N, N)).
        g: a user learning function g(Δφ) → tensor (requires ``config.g == "custom"``).
    """

    def __init__(
        self,
        config: DRAIConfig | None = None,
        *,
        device: str | torch.device | None = None,
        dtype: torch.dtype | str | None = None,
        seed: int = 0,
        batch_shape: tuple[int, ...] = (),
        g: GFunction | None = None,
    ) -> None:
        self.config = config if config is not None else DRAIConfig()
        if not isinstance(self.config, DRAIConfig):
            raise TypeError(f"config must be a DRAIConfig, got {type(self.config).__name__}")
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.cdtype = torch.complex128 if self.dtype == torch.float64 else torch.complex64
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"seed={seed!r} must be an int")
        self.seed = seed
        self.batch_shape = tuple(int(b) for b in batch_shape)
        if any(b < 1 for b in self.batch_shape):
            raise ValueError(f"batch_shape={batch_shape!r} must contain positive sizes")
        cfg = self.config
        if cfg.g == "custom":
            if g is None:
                raise ConfigError("DRAIConfig.g='custom' needs a callable g passed to DRAINetwork(g=...)")
            self.g: GFunction = g
        else:
            if g is not None:
                raise ConfigError(f"a callable g was given but DRAIConfig.g={cfg.g!r}; set g='custom' to use it")
            self.g = make_g(cfg.g, **cfg.g_params)
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        N = cfg.N
        self.omega = cfg.omega_mean + cfg.omega_std * self._randn((*self.batch_shape, N))
        wdtype = self.cdtype if cfg.rule == "complex" else self.dtype
        W = torch.zeros((*self.batch_shape, N, N), dtype=wdtype, device=self.device)
        if cfg.w_init_std > 0:
            W = cfg.w_init_std * self._randn(W.shape).to(wdtype)
            if cfg.symmetric:
                W = symmetrize(W)
            W = clip_weights(zero_diagonal(W), cfg.w_min, cfg.w_max)
        self.W = W
        self.counter = OpCounter()
        self.surprise_state: SurpriseState | None = SurpriseState.zeros(W) if cfg.surprise else None
        self.windows = 0

    # --- helpers -----------------------------------------------------------------------------------
    def _randn(self, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.randn(shape, generator=self.generator, dtype=self.dtype, device=self.device)

    def _rand(self, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.rand(shape, generator=self.generator, dtype=self.dtype, device=self.device)

    @property
    def N(self) -> int:
        return self.config.N

    @property
    def n_networks(self) -> int:
        return math.prod(self.batch_shape)

    def _tensor(self, x: Any, name: str) -> torch.Tensor:
        t = torch.as_tensor(x, device=self.device)
        if t.is_complex():
            raise ValueError(f"{name} must be real phases (rad), got a complex tensor")
        t = t.to(self.dtype)
        if t.ndim < 1 or t.shape[-1] != self.N:
            raise ValueError(f"{name} must have shape (..., N={self.N}), got {tuple(t.shape)}")
        if not torch.isfinite(t).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        return t

    def _phase_shape(self, phi0: torch.Tensor | None, stimulus: Stimulus | None) -> tuple[int, ...]:
        shapes = [(*self.batch_shape, self.N)]
        if phi0 is not None:
            shapes.append(tuple(phi0.shape))
        if stimulus is not None:
            shapes.append(tuple(stimulus.psi.shape))
            if stimulus.mask is not None:
                shapes.append(tuple(stimulus.mask.shape))
        try:
            return tuple(torch.broadcast_shapes(*shapes))
        except RuntimeError as e:
            raise ValueError(f"phases, stimulus and network batch do not broadcast: shapes {shapes} "
                             f"(phases are (*presentations, *batch_shape={self.batch_shape}, N))") from e

    def scaled_coupling(self) -> torch.Tensor | EdgeList:
        """(K/N)·W as used by the phase equation; a shared W sparser than 25 % becomes an :class:`EdgeList`."""
        Wk = (self.config.coupling / self.N) * self.W
        if not self.batch_shape:
            density = float((Wk != 0).sum()) / (self.N * self.N)
            if density < SPARSE_DENSITY:
                return EdgeList.from_dense(Wk)
        return Wk

    def _prepare_stimulus(self, stimulus: Stimulus | None) -> Stimulus | None:
        if stimulus is None:
            return None
        psi = self._tensor(stimulus.psi, "stimulus.psi")
        mask = None
        if stimulus.mask is not None:
            mask = torch.as_tensor(stimulus.mask, device=self.device)
            if mask.dtype != torch.bool or mask.shape[-1] != self.N:
                raise ValueError(f"stimulus.mask must be a bool tensor of shape (..., N={self.N}), "
                                 f"got {mask.dtype} {tuple(mask.shape)}")
        F, Omega = stimulus.strength, stimulus.Omega
        if isinstance(F, torch.Tensor):
            F = F.to(device=self.device, dtype=self.dtype)
        if isinstance(Omega, torch.Tensor):
            Omega = Omega.to(device=self.device, dtype=self.dtype)
        return Stimulus(psi=psi, mode=stimulus.mode, strength=F, Omega=Omega, mask=mask)

    def _rhs(self, stimulus: Stimulus | None, shape: tuple[int, ...]) -> tuple[Any, Clamp | None, int]:
        """The closure (t, φ) → dφ/dt, the clamp, and the multiply-adds of one evaluation of the batch."""
        cfg = self.config
        clamp = None
        forcing = None
        if stimulus is not None:
            if stimulus.mode == "clamp":
                mask = stimulus.mask if stimulus.mask is not None else torch.ones(shape, dtype=torch.bool,
                                                                                  device=self.device)
                clamp = Clamp(mask=mask.expand(shape), psi=stimulus.psi, Omega=stimulus.Omega)
            else:
                F = stimulus.strength
                if stimulus.mask is not None:
                    F = torch.where(stimulus.mask, torch.as_tensor(F, dtype=self.dtype, device=self.device), 0.0)
                psi, Omega = stimulus.psi, stimulus.Omega

                def forcing(t: float, phi: torch.Tensor) -> torch.Tensor:
                    return periodic_forcing(t, phi, F, Omega, psi)

        batch_elems = math.prod(shape[:-1])
        if clamp is not None and bool(clamp.mask.all()):
            Omega = clamp.Omega  # every unit clamped: the coupling cannot act, skip the dynamics entirely

            def all_clamped(t: float, phi: torch.Tensor) -> torch.Tensor:
                return torch.zeros_like(phi) + Omega

            return all_clamped, clamp, 0
        Wk = self.scaled_coupling()
        velocity = phase_velocity_complex if cfg.rule == "complex" else phase_velocity
        harmonics = cfg.harmonics
        mask = None if clamp is None else clamp.mask
        omega = self.omega
        n_weighted = 1 + (len(harmonics) if cfg.harmonic_mode == "coupling" else 0)
        n_uniform = len(harmonics) if cfg.harmonic_mode == "uniform" else 0
        # nnz summed over the networks, times the presentations each network runs
        ops = coupling_nnz(Wk) * (batch_elems // self.n_networks) * n_weighted + batch_elems * self.N * n_uniform
        Omega_c = 0.0 if clamp is None else clamp.Omega

        def rhs(t: float, phi: torch.Tensor) -> torch.Tensor:
            return velocity(phi, omega, Wk, t=t, forcing=forcing, harmonics=harmonics,
                            harmonic_mode=cfg.harmonic_mode, clamp_mask=mask, clamp_velocity=Omega_c)

        return rhs, clamp, ops

    # --- running -----------------------------------------------------------------------------------
    def random_phases(self, shape: tuple[int, ...] | None = None) -> torch.Tensor:
        """Uniform phases on [0, 2π) from the network's generator, shape (*B, N) by default."""
        return TWO_PI * self._rand(shape if shape is not None else (*self.batch_shape, self.N))

    def run(
        self,
        phi0: torch.Tensor | None = None,
        steps: int | None = None,
        stimulus: Stimulus | None = None,
        *,
        statistics: bool = True,
        g: GFunction | None = None,
        transient: int = 0,
        record_every: int | None = None,
        trajectory: bool = False,
    ) -> tuple[torch.Tensor, WindowStats]:
        """Integrate the phase equation (no plasticity) for ``steps`` (default ``window_steps``).

        phi0: (*P, *B, N) initial phases (random from the generator if None). Returns (φ, stats)
        with stats over the run (see :func:`resonant.drai.dynamics.integrate`).
        """
        cfg = self.config
        steps = cfg.window_steps if steps is None else int(steps)
        if steps < 1:
            raise ValueError(f"steps={steps!r} must be >= 1")
        stimulus = self._prepare_stimulus(stimulus)
        if phi0 is not None:
            phi0 = self._tensor(phi0, "phi0")
        shape = self._phase_shape(phi0, stimulus)
        phi0 = self.random_phases(shape) if phi0 is None else phi0.expand(shape).clone()
        rhs, clamp, ops = self._rhs(stimulus, shape)
        return integrate(
            rhs, phi0, dt=cfg.dt, steps=steps, method=cfg.integrator, transient=transient,
            record_every=cfg.record_every if record_every is None else record_every, statistics=statistics, g=g,
            trajectory=trajectory, noise=cfg.noise, generator=self.generator, clamp=clamp,
            check_every=cfg.check_every, counter=self.counter, ops_per_eval=ops,
        )

    def recall(
        self, cues: torch.Tensor, steps: int | None = None, stimulus: Stimulus | None = None
    ) -> torch.Tensor:
        """Let the network relax from ``cues`` (*P, *B, N) for ``recall_steps``; return the final phases."""
        cues = self._tensor(cues, "cues")
        phi, _ = self.run(cues, self.config.recall_steps if steps is None else steps, stimulus, statistics=False)
        return phi

    # --- learning ----------------------------------------------------------------------------------
    def learn(
        self,
        stimulus: Stimulus | None = None,
        *,
        steps: int | None = None,
        phi0: torch.Tensor | None = None,
        error: torch.Tensor | None = None,
    ) -> LearnResult:
        """One learning window (DRAI §4): run, average the phase relations, update the weights.

        1. integrate ``window_steps`` with the stimulus, averaging after ``transient_steps``;
        2. Δ from the rule: η⟨g(φ_i − φ_j)⟩ ("scalar"), ηR_ij ("indicator") or η⟨z_i z̄_j⟩ ("complex"),
           averaged over presentation axes;
        3. surprise modulation (if on): Δ ← Δ·m·r (:mod:`resonant.drai.surprise`); ``error`` (*B)
           is an optional recall error feeding the surprise signal;
        4. w ← clip((1 − λ)w + Δ), on all pairs or only on gated pairs (PLV ≥ θ_gate);
        5. the literal-reset baseline (if set), homeostatic scaling, sparsification.
        """
        cfg = self.config
        need_g = cfg.rule == "scalar" and cfg.g != "cosine"
        phi, stats = self.run(phi0, cfg.window_steps if steps is None else steps, stimulus, statistics=True,
                              g=self.g if need_g else None, transient=cfg.transient_steps)
        if stats.samples == 0 or stats.mean_zz is None:
            raise ValueError("the learning window recorded no samples (steps <= transient_steps)")
        n_pres = stats.mean_zz.ndim - 2 - len(self.batch_shape)
        red = tuple(range(n_pres))

        def pmean(x: torch.Tensor) -> torch.Tensor:
            return x.mean(red) if red else x

        mean_zz = pmean(stats.mean_zz)
        plv = mean_zz.abs()
        if cfg.rule == "scalar":
            mean_g = pmean(stats.mean_g) if need_g else mean_zz.real
            delta = hebbian_delta(mean_g, cfg.eta)
        elif cfg.rule == "indicator":
            R = resonance_indicator(mean_zz, cfg.indicator_threshold, cfg.indicator_max_lag)
            delta = indicator_delta(R, cfg.eta)
        else:
            delta = complex_hebbian_delta(mean_zz, cfg.eta)
        if error is not None:
            error = torch.as_tensor(error, dtype=self.dtype, device=self.device).expand(self.batch_shape)
        S = rate = None
        if self.surprise_state is not None:
            self.surprise_state, rate, S = surprise_step(self.surprise_state, mean_zz, self.W, delta,
                                                         cfg.surprise_params, error)
            delta = delta * rate
        N = self.N
        if cfg.gate_threshold is not None:
            W, mask = gated_update(self.W, delta, plv, cfg.gate_threshold, decay=cfg.decay, w_min=cfg.w_min,
                                   w_max=cfg.w_max, symmetric=cfg.symmetric, decay_ungated=cfg.decay_ungated,
                                   counter=self.counter)
        else:
            W = apply_update(self.W, delta, decay=cfg.decay, w_min=cfg.w_min, w_max=cfg.w_max,
                             symmetric=cfg.symmetric)
            mask = None
            self.counter.add(weight_writes=self.n_networks * N * (N - 1))
        if cfg.reset_threshold is not None:
            lost = (plv < cfg.reset_threshold) & offdiagonal_mask(N, self.device)
            W = torch.where(lost, torch.zeros_like(W), W)
        if cfg.homeostasis_target is not None:
            W = homeostatic_scaling(W, cfg.homeostasis_target, norm=cfg.homeostasis_norm, symmetric=cfg.symmetric)
        if cfg.sparsity_k is not None or cfg.sparsity_threshold is not None:
            W = sparsify(W, cfg.sparsity_k, cfg.sparsity_threshold, symmetric=cfg.symmetric)
        self.W = W
        self.windows += 1
        self.counter.add(windows=1)
        return LearnResult(stats=stats, mean_zz=mean_zz, plv=plv, delta=delta, mask=mask, surprise=S, rate=rate,
                           phi=phi)

    def store(self, patterns: torch.Tensor, mode: str = "replace", normalization: str = "mean") -> torch.Tensor:
        """One-shot outer-product storage (for comparison with learning); ``patterns`` (P, *B, N) phases.

        normalization "mean": W = (1/P) Σ_μ cos(ξ^μ_i − ξ^μ_j) (scalar rules) or C = (1/P) Σ_μ e^{i(ξ^μ_i − ξ^μ_j)}
        (complex rule): the fixed point of the rule with η/λ = 1 when the patterns are presented equally.
        "sum": Σ_μ instead of the mean (the Hopfield / Nishikawa et al. 2004 convention, w_ij = Σ_μ ξ_iξ_j with
        the (K/N) of the phase equation). mode "replace" sets W, "add" adds to it. The weight bounds are
        *not* applied (this is the unconstrained reference). Returns the new W.
        """
        xi = self._tensor(patterns, "patterns")
        if xi.ndim < 2:
            raise ValueError(f"patterns must have shape (P, *batch_shape, N), got {tuple(xi.shape)}")
        Wp = outer_product_weights(xi, complex_weights=self.config.rule == "complex")
        if normalization == "sum":
            Wp = xi.shape[0] * Wp
        elif normalization != "mean":
            raise ValueError(f"normalization={normalization!r} must be 'mean' or 'sum'")
        try:
            Wp = Wp.expand(self.W.shape)
        except RuntimeError as e:
            raise ValueError(f"patterns of shape {tuple(xi.shape)} do not match the network batch "
                             f"{self.batch_shape} (expected (P, *batch_shape, N))") from e
        if mode == "replace":
            W = Wp
        elif mode == "add":
            W = self.W + Wp
        else:
            raise ValueError(f"mode={mode!r} must be 'replace' or 'add'")
        self.W = zero_diagonal(W).clone()
        return self.W

    # --- checkpoints -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically: config, seed, dtype, ω, W, counters, surprise, RNG."""
        return dict(
            version=CHECKPOINT_VERSION, config=self.config.to_dict(), seed=self.seed, dtype=str(self.dtype),
            batch_shape=self.batch_shape, omega=self.omega.cpu(), W=self.W.cpu(), counter=self.counter.as_dict(),
            windows=self.windows, generator=self.generator.get_state(),
            surprise=None if self.surprise_state is None else {k: (v.cpu() if isinstance(v, torch.Tensor) else v)
                                                               for k, v in self.surprise_state.state_dict().items()},
        )

    def load_state_dict(self, d: dict[str, Any]) -> None:
        if d.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"unsupported checkpoint version {d.get('version')!r} (expected {CHECKPOINT_VERSION})")
        config = DRAIConfig.from_dict(d["config"])
        if config.g == "custom" and self.config.g != "custom":
            raise ConfigError("the checkpoint uses a custom g; build the network with DRAINetwork(config, g=...)")
        if tuple(d["batch_shape"]) != self.batch_shape or config.N != self.N:
            raise ValueError(f"checkpoint batch_shape={tuple(d['batch_shape'])}, N={config.N} do not match this "
                             f"network ({self.batch_shape}, N={self.N})")
        self.config = config
        if config.g != "custom":
            self.g = make_g(config.g, **config.g_params)
        self.seed = d["seed"]
        self.omega = d["omega"].to(device=self.device, dtype=self.dtype)
        wdtype = self.cdtype if d["W"].is_complex() else self.dtype
        self.W = d["W"].to(device=self.device, dtype=wdtype)
        counts = {k: v for k, v in d["counter"].items() if k != "flops"}
        self.counter = OpCounter(**counts)
        self.windows = d["windows"]
        self.generator.set_state(d["generator"])
        s = d["surprise"]
        self.surprise_state = None if s is None else SurpriseState.from_state_dict(s, self.device)

    def save(self, path: str | Path) -> Path:
        """Atomically write a checkpoint (:func:`resonant.core.checkpoint.atomic_save`)."""
        return atomic_save(self.state_dict(), path)

    @classmethod
    def load(
        cls, path: str | Path, device: str | torch.device | None = None, g: GFunction | None = None
    ) -> DRAINetwork:
        """A network continuing a checkpoint written by :meth:`save` (same device → bit-identical continuation)."""
        d = load_checkpoint(path)
        dtype = torch.float64 if d["dtype"] == "torch.float64" else torch.float32
        net = cls(DRAIConfig.from_dict(d["config"]), device=device, dtype=dtype, seed=d["seed"],
                  batch_shape=tuple(d["batch_shape"]), g=g)
        net.load_state_dict(d)
        return net


# --- patterns and read-outs of recall (pure functions) ------------------------------------------------


def binary_patterns(P: int, N: int, generator: torch.Generator, *, dtype: torch.dtype = torch.float64,
                    device: str | torch.device | None = None) -> torch.Tensor:
    """P random ±1 patterns as phases ξ ∈ {0, π} (s = +1 ↔ 0, s = −1 ↔ π), shape (P, N)."""
    bits = torch.randint(0, 2, (P, N), generator=generator, device=device)
    # scale after the cast: int64 * π promotes to float32, and float32 π makes cos ξ ≠ −1 exactly.
    return math.pi * bits.to(dtype)


def random_phase_patterns(P: int, N: int, generator: torch.Generator, *, dtype: torch.dtype = torch.float64,
                          device: str | torch.device | None = None) -> torch.Tensor:
    """P continuous phase patterns, ξ uniform on [0, 2π), shape (P, N)."""
    return TWO_PI * torch.rand((P, N), generator=generator, dtype=dtype, device=device)


def flip_units(xi: torch.Tensor, fraction: float, generator: torch.Generator, jitter: float = 0.0) -> torch.Tensor:
    """A cue: ξ with exactly round(fraction·N) randomly chosen units per pattern shifted by π (a ±1 flip),
    plus Gaussian phase jitter of s.d. ``jitter`` rad on every unit.

    Some jitter is needed to recall binary patterns: any configuration of phases in {0, π} is an
    (unstable) equilibrium of the Kuramoto coupling, since every sin(φ_j − φ_i) vanishes there.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction={fraction!r} must lie in [0, 1]")
    if not (jitter >= 0.0 and math.isfinite(jitter)):
        raise ValueError(f"jitter={jitter!r} must be a finite number >= 0")
    N = xi.shape[-1]
    n = round(fraction * N)
    order = torch.rand(xi.shape, generator=generator, device=xi.device).argsort(-1)
    flip = torch.zeros(xi.shape, dtype=torch.bool, device=xi.device).scatter_(-1, order[..., :n], True)
    cue = torch.where(flip, xi + math.pi, xi)
    if jitter > 0:
        cue = cue + jitter * torch.randn(xi.shape, generator=generator, dtype=xi.dtype, device=xi.device)
    return cue


def overlap(phi: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
    """m = |(1/N) Σ_i e^{i(φ_i − ξ_i)}| ∈ [0, 1]: invariant to a global phase shift; 1 = the pattern up to rotation."""
    d = phi - xi
    return torch.hypot(torch.cos(d).mean(-1), torch.sin(d).mean(-1))


def _aligned_error(phi: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
    d = phi - xi
    theta = torch.atan2(torch.sin(d).sum(-1, keepdim=True), torch.cos(d).sum(-1, keepdim=True))
    return wrap_pi(d - theta)


def phase_drift(phi: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
    """Mean |φ_i − ξ_i − θ| after removing the best global rotation θ = arg Σ e^{i(φ_i − ξ_i)} (rad), shape (...)."""
    return _aligned_error(phi, xi).abs().mean(-1)


def fraction_wrong(phi: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
    """Fraction of units on the wrong side after global alignment: |φ_i − ξ_i − θ| > π/2 (binary read-out)."""
    return (_aligned_error(phi, xi).abs() > math.pi / 2).to(phi.dtype).mean(-1)
