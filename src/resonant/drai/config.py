"""The single validated configuration of the DRAI engine.

Every constant lives here with its meaning, unit, default and allowed range. ``paper`` says where it
comes from: a section of the DRAI paper, "unspecified" where the paper needs a constant but gives
none, or "ours" where it belongs to a mechanism we added (higher harmonics, the complex rule, the
explicit gate, the surprise mechanism). Time is in seconds of model time, phases in rad, angular
frequencies in rad/s; plasticity constants are per learning window.
Run ``python -c "from resonant.drai.config import DRAIConfig; print(DRAIConfig.table())"`` for the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from resonant.core.config import ConfigMixin, param, validate
from resonant.core.errors import ConfigError
from resonant.drai.surprise import SurpriseParams

_BOOL = (True, False)
G_NAMES = ("cosine", "gaussian", "sigmoid", "piecewise_linear", "custom")


@dataclass(frozen=True)
class DRAIConfig(ConfigMixin):
    """Constants of the Dynamic Resonance AI engine (see docs/drai.md for the equation map)."""

    # --- network and phase dynamics (§4, our reading of the phase equation) -----------------------
    N: int = param(100, "number of phase oscillators (neurons)", "count", 2, None, integer=True, paper="unspecified")
    dt: float = param(0.05, "integration step Δt", "s", 0.0, 1.0, low_open=True, paper="unspecified")
    integrator: str = param("rk4", "fixed-step integrator", "-", choices=("rk4", "euler"), paper="ours")
    coupling: float = param(1.0, "global coupling K: the phase equation uses (K/N)·w_ij", "rad/s", 0.0, None,
                            paper="§4 (Kuramoto), unspecified")
    omega_mean: float = param(0.0, "mean natural frequency (0 = co-rotating frame)", "rad/s", None, None,
                              paper="§4, unspecified")
    omega_std: float = param(0.0, "s.d. of natural frequencies ω_i (frequency heterogeneity, §7 'Scaling')",
                             "rad/s", 0.0, None, paper="§7, unspecified")
    noise: float = param(0.0, "phase diffusion D: dφ_i += √(2DΔt)·ξ per step", "rad²/s", 0.0, None, paper="ours")
    h2: float = param(0.0, "second-harmonic strength h_2 (capacity; Nishikawa et al. 2004)", "rad/s", None, None,
                      paper="ours")
    h3: float = param(0.0, "third-harmonic strength h_3 (Follmann et al. 2015)", "rad/s", None, None, paper="ours")
    harmonic_mode: str = param("uniform", "harmonic terms: 'uniform' (h_k/N)Σ_j sin k(φ_j−φ_i), or 'coupling' "
                               "h_k(K/N)Σ_j w_ij sin k(φ_j−φ_i)", "-", choices=("uniform", "coupling"), paper="ours")
    w_init_std: float = param(0.0, "s.d. of the initial weights (0 = tabula rasa)", "1", 0.0, None,
                              paper="§3 'initially unstructured', unspecified")
    # --- averaging window (§4 "we average the phase relationship over a time window") -------------
    window_steps: int = param(200, "integration steps per learning window", "steps", 1, None, integer=True,
                              paper="§4, unspecified")
    transient_steps: int = param(0, "steps at the start of a window excluded from the average", "steps", 0, None,
                                 integer=True, paper="ours")
    record_every: int = param(1, "record window statistics every k-th step", "steps", 1, None, integer=True,
                              paper="ours")
    recall_steps: int = param(400, "integration steps of a recall run", "steps", 1, None, integer=True,
                              paper="unspecified")
    # --- the learning rule (§4) --------------------------------------------------------------------
    rule: str = param("scalar", "'scalar' Δw = η⟨g⟩, 'indicator' Δw = ηR_ij, 'complex' Δc = η⟨z_i z̄_j⟩", "-",
                      choices=("scalar", "indicator", "complex"), paper="§4 (scalar, indicator); complex: ours")
    eta: float = param(0.05, "learning rate η", "1/window", 0.0, None, low_open=True, paper="§4, unspecified")
    g: str = param("cosine", "learning function g(φ_i − φ_j) ('custom' = a callable given to the network)", "-",
                   choices=G_NAMES, paper="§4, §7")
    g_sigma: float = param(0.5, "width σ of the Gaussian g", "rad", 0.0, None, low_open=True, paper="§7, unspecified")
    g_gain: float = param(4.0, "gain a of the sigmoid g = tanh(a(cos Δφ − c)/2)", "1", 0.0, None, low_open=True,
                          paper="§7, unspecified")
    g_offset: float = param(0.0, "offset c of the sigmoid g", "1", -1.0, 1.0, paper="§7, unspecified")
    g_width: float = param(math.pi / 2, "zero crossing a of the piecewise-linear g", "rad", 0.0, math.pi,
                           low_open=True, high_open=True, paper="§7, unspecified")
    indicator_threshold: float = param(0.9, "R_ij = 1 needs PLV_ij ≥ this", "1", 0.0, 1.0,
                                       paper="§4 'consistently stay in sync', unspecified")
    indicator_max_lag: float = param(math.pi / 4, "R_ij = 1 needs |mean lag| ≤ this", "rad", 0.0, math.pi,
                                     paper="§3 'peaks and valleys match', unspecified")
    # --- stabilisers (§3 decay, §4 homeostasis/sparsity) -------------------------------------------
    decay: float = param(0.05, "weight decay λ per window: w ← (1 − λ)w + Δw", "1/window", 0.0, 1.0,
                         paper="§3 'built-in decay', unspecified")
    w_min: float | None = param(-1.0, "lower weight bound (None = unbounded; unused by the complex rule)", "1",
                                None, None, optional=True, paper="§4 'not too weak', unspecified")
    w_max: float | None = param(1.0, "upper weight bound (|c| ≤ w_max for the complex rule; None = unbounded)",
                                "1", None, None, optional=True, paper="§4 'not too strong', unspecified")
    symmetric: bool = param(True, "keep w_ij = w_ji (Hermitian C for the complex rule)", "-", choices=_BOOL,
                            paper="unspecified")
    homeostasis_target: float | None = param(None, "row-norm target τ of homeostatic scaling (None = off)", "1",
                                             0.0, None, low_open=True, optional=True, paper="§4, unspecified form")
    homeostasis_norm: str = param("l2", "norm of homeostatic scaling", "-", choices=("l2", "l1"), paper="ours")
    sparsity_k: int | None = param(None, "keep the k strongest inputs per neuron (None = off)", "count", 0, None,
                                   integer=True, optional=True, paper="§4 'sparsity constraints'")
    sparsity_threshold: float | None = param(None, "zero weights with |w| below this (None = off)", "1", 0.0, None,
                                             optional=True, paper="§4 'sparsity constraints'")
    # --- event-driven plasticity (§6) ---------------------------------------------------------------
    gate_threshold: float | None = param(None, "resonance gate: update only pairs with PLV ≥ this (None = all)", "1",
                                         0.0, 1.0, optional=True, paper="§6 'only resonating connections update'")
    decay_ungated: bool = param(False, "with the gate: pairs below threshold still decay (counted as writes)", "-",
                                choices=_BOOL, paper="ours")
    reset_threshold: float | None = param(None, "literal §7 'connections reset if neurons desynchronise': zero pairs "
                                          "with PLV below this (None = off; a baseline)", "1", 0.0, 1.0,
                                          optional=True, paper="§7")
    # --- surprise-driven adaptation (§7) ------------------------------------------------------------
    surprise: bool = param(False, "surprise-modulated plasticity and reactivation (docs/drai.md)", "-",
                           choices=_BOOL, paper="§7, ours")
    surprise_tau_expect: float = param(5.0, "time constant τ_e of the expected phase relation", "windows", 1.0,
                                       None, paper="ours")
    surprise_tau_plasticity: float = param(3.0, "relaxation time τ_m of the plasticity multiplier", "windows", 1.0,
                                           None, paper="ours")
    surprise_gain: float = param(4.0, "multiplier increase κ per unit of pair surprise", "1", 0.0, None, paper="ours")
    surprise_threshold: float = param(0.05, "global surprise S needed for a surprise event", "1", 0.0, None,
                                      paper="ours")
    surprise_m_max: float = param(10.0, "upper bound of the plasticity multiplier", "1", 1.0, None, paper="ours")
    reactivation_gain: float = param(4.0, "extra rate κ_r for dormant connections agreeing with their trace", "1",
                                     0.0, None, paper="§7 'rapid reactivation', ours")
    trace_tau: float = param(50.0, "time constant τ_T of the slow weight trace", "windows", 1.0, None, paper="ours")
    # --- safety -------------------------------------------------------------------------------------
    check_every: int = param(10, "check phases for NaN/Inf every this many steps", "steps", 1, None, integer=True,
                             paper="ours")

    def __post_init__(self) -> None:
        validate(self)
        if self.w_min is not None and self.w_max is not None and self.w_min >= self.w_max:
            raise ConfigError(f"DRAIConfig.w_min={self.w_min!r} must be < w_max={self.w_max!r}")
        if self.sparsity_k is not None and self.sparsity_k > self.N - 1:
            raise ConfigError(f"DRAIConfig.sparsity_k={self.sparsity_k!r} must be <= N - 1 = {self.N - 1}")
        if self.transient_steps >= self.window_steps:
            raise ConfigError(f"DRAIConfig.transient_steps={self.transient_steps!r} must be < window_steps="
                              f"{self.window_steps!r} (nothing would be averaged)")
        if self.rule == "complex" and self.g != "cosine":
            raise ConfigError(f"DRAIConfig.g={self.g!r} has no meaning for rule='complex' (it learns ⟨z_i z̄_j⟩); "
                              "use g='cosine'")

    @property
    def surprise_params(self) -> SurpriseParams:
        return SurpriseParams(tau_expect=self.surprise_tau_expect, tau_plasticity=self.surprise_tau_plasticity,
                              gain=self.surprise_gain, threshold=self.surprise_threshold, m_max=self.surprise_m_max,
                              reactivation_gain=self.reactivation_gain, tau_trace=self.trace_tau)

    @property
    def harmonics(self) -> tuple[tuple[int, float], ...]:
        """The non-zero higher harmonics as (k, h_k) pairs."""
        return tuple((k, h) for k, h in ((2, self.h2), (3, self.h3)) if h != 0.0)

    @property
    def g_params(self) -> dict[str, float]:
        """The parameters of the selected registered g."""
        return {"cosine": {}, "custom": {}, "gaussian": {"sigma": self.g_sigma},
                "sigmoid": {"gain": self.g_gain, "offset": self.g_offset},
                "piecewise_linear": {"width": self.g_width}}[self.g]
