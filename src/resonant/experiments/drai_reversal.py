"""DRAI task 4: reversal learning with surprise-modulated plasticity (issue 4).

The DRAI paper (§7, "Surprise-Driven Adaptation Mechanisms") proposes "surprise tokens" so that DRAI handles
changing associations smoothly: weaken rather than reset, adjust connections when unexpected changes occur,
reactivate previously learned connections rapidly. The engine operationalises them in
:mod:`resonant.drai.surprise` (a per-pair plasticity multiplier m raised on connections whose phase relation
broke its expectation, and a reactivation factor r for dormant connections agreeing with their trace). This
module measures what that buys in a reversal: learn A→B, switch to A→C, switch back to A→B.

Protocol (every constant in :class:`ReversalConfig`, declared before any result was seen):

1. Units: a cue assembly A (``n_cue`` units) and a response assembly R (``n_resp``), N = n_cue + n_resp. Per
   seed: cue patterns a₁, a₂ on A and response patterns b, c, u on R, independent random ±1 patterns as phases
   {0, π} (:func:`~resonant.drai.network.binary_patterns`). Associations are full-network phase patterns:
   A→B = (a₁, b), A→C = (a₁, c) (c independent of b: about half of R changes its relation to A), and an
   *unrelated* association U = (a₂, u) stored in the same weights.
2. Learning windows (the engine's :meth:`~resonant.drai.network.DRAINetwork.learn`, scalar cosine rule
   Δw_ij = η⟨cos(φ_i − φ_j)⟩ with decay λ, symmetric, w ∈ [−1, 1]): every window clamps all units to the
   presented pattern(s) (two presentation slots per window; the window averages over them). Three phases of
   ``acquire`` / ``reverse`` / ``back`` windows: A→B, then A→C, then A→B again. Two worlds:

   * ``blocked``: acquisition windows present A→B and U together; reversal windows present only the current
     association (U is stored, not rehearsed: its damage is the interference);
   * ``interleaved``: every window presents one association, U with probability ``p_unrelated`` (a seeded
     schedule shared by all conditions), else the current A-association; U stays part of the world.
3. Conditions (one :class:`DRAINetwork` each, ``batch_shape = (worlds × seeds,)``, same seed):
   ``baseline`` η; ``surprise`` η·m·r per pair from the engine's surprise module (defaults: m ≤ m_max = 10,
   reactivation gain κ_r = 4, so the per-pair factor m·r peaks at m_max(1 + κ_r) = 50); ``global_m`` η·m_max on
   every pair in every window; ``global_peak`` η·m_max(1 + κ_r): the same peak η as surprise, everywhere.
4. Test after every window (read-out only, no learning): clamp A to a cue (a₁ for the current association, a₂ for
   U), start R from random phases (the same draws for every condition), integrate the phase equation (ω = 0, no
   noise) for ``recall_steps``; accuracy = fraction of R units within π/2 of the target phase (b, c or u; A is
   clamped, so there is no global-rotation ambiguity; chance = 0.5), mean over ``trials`` starts. Every W is first
   rescaled to the same mean coupling strength ḡ = (K/N) mean_i Σ_j |w_ij| = ``recall_strength`` (the flow's speed
   scales with W; the accuracy should measure the stored structure, not how far weights have grown).
5. Relearning time of a switch: the number of windows after it until the recall of the current association is
   ≥ ``threshold`` for ``stay`` consecutive windows (the first of them); censored at the phase length (None per
   seed; the mean uses phase length + 1 as a lower bound and says how many seeds were censored).
   Interference: U accuracy before the first switch (mean of the last ``pre_windows`` acquisition windows) and
   during the reversal phases (mean over all their windows); drop = pre − during. Supplementary: U at the window
   each switch counts as relearned (the price paid for the relearning).
6. Mean ± std over seeds; verdicts (:func:`claims_drai_reversal`) from the module constants below.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from resonant.core.config import param, validate
from resonant.core.errors import ConfigError
from resonant.core.phases import TWO_PI, wrap_pi
from resonant.drai.config import DRAIConfig
from resonant.drai.network import DRAINetwork, Stimulus, binary_patterns
from resonant.experiments.claims import ClaimResult, mean_spread, verdict_from
from resonant.experiments.seeding import check_seeds, keyed_generator, seed_from_keys
from resonant.reports.common import new_figure, save_figure

__all__ = [
    "CONDITIONS",
    "INTERFERENCE_MARGIN",
    "RELEARN_RATIO",
    "SIZES",
    "WORLDS",
    "ReversalConfig",
    "ReversalRecord",
    "claims_drai_reversal",
    "figure_drai_reversal",
    "mean_coupling_strength",
    "phase_of",
    "recall_accuracy",
    "relearning_time",
    "run_drai_reversal",
    "schedule",
    "window_patterns",
]

#: "Surprise speeds relearning": mean relearning time with surprise ≤ this × baseline's (each switch).
RELEARN_RATIO = 0.5
#: "A global η raise damages the unrelated association more": U accuracy during the reversals with surprise at
#: least this much (fraction of units) above the same-peak global raise; refuted if not above at all.
INTERFERENCE_MARGIN = 0.02

CONDITIONS = ("baseline", "surprise", "global_m", "global_peak")
WORLDS = ("blocked", "interleaved")
_PURPOSE = {"patterns": 41, "schedule": 42, "recall": 43, "network": 44}


@dataclass(frozen=True)
class ReversalConfig:
    """Every constant of the reversal protocol (module docstring)."""

    n_cue: int = param(20, "units of the cue assembly A", "count", 2, None, integer=True, paper="ours")
    n_resp: int = param(20, "units of the response assembly R", "count", 2, None, integer=True, paper="ours")
    acquire: int = param(60, "windows of the acquisition phase (A→B, U)", "windows", 1, None, integer=True,
                         paper="ours")
    reverse: int = param(50, "windows after the switch to A→C", "windows", 1, None, integer=True, paper="ours")
    back: int = param(50, "windows after the switch back to A→B", "windows", 1, None, integer=True, paper="ours")
    p_unrelated: float = param(0.5, "interleaved world: probability that a window presents U", "1", 0.0, 1.0,
                               low_open=True, high_open=True, paper="ours")
    eta: float = param(0.05, "baseline learning rate η", "1/window", 0.0, None, low_open=True,
                       paper="§4, unspecified (engine default)")
    decay: float = param(0.02, "weight decay λ per window (an unrehearsed association halves in ~35 windows)",
                         "1/window", 0.0, 1.0, paper="§3, unspecified")
    coupling: float = param(2.0, "coupling K ((K/N)·w) of the test recall before rescaling", "rad/s", 0.0, None,
                            low_open=True, paper="unspecified")
    dt: float = param(0.1, "integration step Δt (RK4)", "s", 0.0, 1.0, low_open=True, paper="unspecified")
    window_steps: int = param(5, "steps per learning window (all units clamped: the statistics are exact)",
                              "steps", 1, None, integer=True, paper="§4, unspecified")
    recall_steps: int = param(100, "steps of a test recall (10 s = 10 coupling times at ḡ = 1 rad/s)", "steps",
                              1, None, integer=True, paper="unspecified")
    recall_strength: float = param(1.0, "mean coupling strength ḡ every W is rescaled to before a test",
                                   "rad/s", 0.0, None, low_open=True, paper="ours")
    trials: int = param(2, "random starts of R per test", "count", 1, None, integer=True, paper="ours")
    threshold: float = param(0.9, "recall accuracy that counts as 'relearned'", "1", 0.5, 1.0, low_open=True,
                             paper="ours (chance = 0.5)")
    stay: int = param(3, "consecutive windows at or above the threshold", "windows", 1, None, integer=True,
                      paper="ours")
    pre_windows: int = param(10, "last acquisition windows averaged for U before the switch", "windows", 1, None,
                             integer=True, paper="ours")

    def __post_init__(self) -> None:
        validate(self)
        if self.pre_windows > self.acquire:
            raise ConfigError(f"ReversalConfig.pre_windows={self.pre_windows!r} must be <= acquire={self.acquire!r}")

    @property
    def N(self) -> int:
        return self.n_cue + self.n_resp

    @property
    def windows(self) -> int:
        return self.acquire + self.reverse + self.back

    def drai_config(self, condition: str) -> DRAIConfig:
        """The engine configuration of one condition (:data:`CONDITIONS`)."""
        base = DRAIConfig(N=self.N, dt=self.dt, coupling=self.coupling, eta=self.eta, decay=self.decay,
                          window_steps=self.window_steps, recall_steps=self.recall_steps, symmetric=True,
                          w_min=-1.0, w_max=1.0)
        if condition == "baseline":
            return base
        if condition == "surprise":
            return base.replace(surprise=True)
        if condition == "global_m":
            return base.replace(eta=self.eta * base.surprise_m_max)
        if condition == "global_peak":
            return base.replace(eta=self.eta * base.surprise_m_max * (1.0 + base.reactivation_gain))
        raise ValueError(f"condition={condition!r} must be one of {CONDITIONS}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


#: The declared sizes. smoke: seconds (CI); full: the real run (minutes).
SIZES: dict[str, ReversalConfig] = {
    "smoke": ReversalConfig(n_cue=8, n_resp=8, acquire=6, reverse=5, back=5, recall_steps=40, trials=2,
                            pre_windows=3, stay=2),
    "full": ReversalConfig(),
}


# ================================================================================ seeds


# ================================================================================ pieces
def schedule(seed: int, windows: int, p_unrelated: float) -> np.ndarray:
    """Interleaved world: True where window n presents U (Bernoulli(p) per window, from the seed only)."""
    g = keyed_generator(seed, _PURPOSE["schedule"])
    return (torch.rand(windows, generator=g, dtype=torch.float64) < p_unrelated).numpy()


def phase_of(n: int, config: ReversalConfig) -> int:
    """Phase of window n (0-based): 0 acquisition (A→B), 1 reversal (A→C), 2 back (A→B)."""
    if not 0 <= n < config.windows:
        raise ValueError(f"window n={n!r} must lie in [0, {config.windows})")
    return 0 if n < config.acquire else (1 if n < config.acquire + config.reverse else 2)


def window_patterns(n: int, config: ReversalConfig, unrelated: torch.Tensor, AB: torch.Tensor, AC: torch.Tensor,
                    U: torch.Tensor) -> torch.Tensor:
    """The clamped patterns ψ of window n, shape (2, worlds × S, N) (two presentation slots, world-major).

    blocked: (A→B, U) in acquisition, then (current, current); interleaved: (X, X) with X = U where
    ``unrelated`` (S,) is True, else the current association. AB, AC, U: (S, N).
    """
    cur = AC if phase_of(n, config) == 1 else AB
    inter = torch.where(torch.as_tensor(unrelated, dtype=torch.bool)[:, None], U, cur)
    blocked = torch.stack([cur, U]) if phase_of(n, config) == 0 else torch.stack([cur, cur])
    return torch.cat([blocked, torch.stack([inter, inter])], 1)


def relearning_time(accuracy: Iterable[float], threshold: float, stay: int) -> int | None:
    """Windows after a switch until the accuracy is ≥ ``threshold`` for ``stay`` consecutive windows.

    ``accuracy[n]`` is the test after window n + 1 of the phase; returns the 1-based index of the first window of
    the run, or None if no such run starts within the phase (censored; a run cut by the phase end does not count).
    """
    a = np.asarray(list(accuracy), dtype=float)
    if a.ndim != 1:
        raise ValueError(f"accuracy must be one-dimensional, got shape {a.shape}")
    if stay < 1:
        raise ValueError(f"stay={stay!r} must be >= 1")
    ok = a >= threshold
    for n in range(len(a) - stay + 1):
        if ok[n:n + stay].all():
            return n + 1
    return None


def mean_coupling_strength(W: torch.Tensor, coupling: float) -> torch.Tensor:
    """ḡ = (K/N) · mean_i Σ_j |w_ij| per matrix, shape (...)."""
    return (coupling / W.shape[-1]) * W.abs().sum(-1).mean(-1)


def recall_accuracy(W: torch.Tensor, cue: torch.Tensor, target: torch.Tensor, phi0: torch.Tensor,
                    config: ReversalConfig) -> torch.Tensor:
    """Test recall (protocol step 4): accuracy of R per cue kind, trial and network.

    W: (B, N, N); cue: (K, B, n_cue) cue phases on A; target: (K, B, n_resp) target phases on R; phi0:
    (T, K, B, N) initial phases (the A part is overwritten by the clamp). Every W is rescaled to mean coupling
    strength ``recall_strength`` (a W of zeros stays zero) and run by the engine with A clamped; the trial and cue
    axes are folded into the network batch. Returns (T, K, B) fractions of R units within π/2 of the target.
    """
    T, K, B, N = phi0.shape
    nA = config.n_cue
    if tuple(W.shape) != (B, N, N) or tuple(cue.shape) != (K, B, nA) or tuple(target.shape) != (K, B, N - nA):
        raise ValueError(f"shapes do not match: W {tuple(W.shape)}, cue {tuple(cue.shape)}, target "
                         f"{tuple(target.shape)}, phi0 {tuple(phi0.shape)} (n_cue={nA})")
    g = mean_coupling_strength(W, config.coupling)
    scale = torch.where(g > 0, config.recall_strength / g.clamp_min(torch.finfo(g.dtype).tiny), 0.0)
    Wr = (W * scale[:, None, None]).expand(T, K, B, N, N).reshape(T * K * B, N, N).contiguous()
    cfg = config.drai_config("baseline")
    rec = DRAINetwork(cfg, dtype=W.dtype, device=W.device, seed=0, batch_shape=(T * K * B,))
    rec.W = Wr
    psi = torch.cat([cue, torch.zeros_like(target)], -1).expand(T, K, B, N).reshape(T * K * B, N)
    mask = torch.zeros(N, dtype=torch.bool, device=W.device)
    mask[:nA] = True
    phi = rec.recall(phi0.reshape(T * K * B, N), stimulus=Stimulus(psi, mode="clamp", mask=mask))
    phi = phi.reshape(T, K, B, N)[..., nA:]
    return (wrap_pi(phi - target).abs() < math.pi / 2).to(W.dtype).mean(-1)


# ================================================================================ the experiment
@dataclass
class ReversalRecord:
    """Everything :func:`run_drai_reversal` measured (JSON-serialisable through :meth:`to_dict`).

    results[world][condition]: per-seed curves (accuracy of the current association and of U after every
    window), relearning times per switch, U before/during the reversals, and summaries; peak_rate: the largest
    per-pair factor m·r the surprise condition applied, per world.
    """

    size: str
    config: dict[str, Any]
    seeds: list[int]
    switches: list[int]
    results: dict[str, dict[str, dict[str, Any]]]
    peak_rate: dict[str, float]
    eta: dict[str, float]
    wall_seconds: float
    torch_version: str = field(default_factory=lambda: torch.__version__)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReversalRecord:
        return cls(**d)


def _summary(values: Iterable[float]) -> dict[str, float]:
    m, s, n = mean_spread(list(values))
    return {"mean": m, "std": s, "n": n}


def run_drai_reversal(size: str | ReversalConfig = "full", seeds: Iterable[int] = range(5),
                      progress: bool = False) -> ReversalRecord:
    """Run the reversal protocol (module docstring) for all worlds and conditions. Same seeds → identical numbers.

    ``size``: "smoke", "full" (:data:`SIZES`) or a :class:`ReversalConfig`. Worlds × seeds run in the leading
    batch axis of one network per condition; patterns, schedules and test starts depend on each seed only.
    """
    if isinstance(size, ReversalConfig):
        config, name = size, "custom"
    elif size in SIZES:
        config, name = SIZES[size], size
    else:
        raise ValueError(f"size must be one of {sorted(SIZES)} or a ReversalConfig, got {size!r}")
    seeds = check_seeds(seeds)
    t0 = time.perf_counter()
    S, nA, nR, N = len(seeds), config.n_cue, config.n_resp, config.N
    nW, nC = len(WORLDS), len(CONDITIONS)
    B = nW * S  # network batch: world-major, then seed
    # cues (2, S, nA), responses (3, S, nR)
    cues = torch.stack([binary_patterns(2, nA, keyed_generator(s, _PURPOSE["patterns"], 0)) for s in seeds], 1)
    resp = torch.stack([binary_patterns(3, nR, keyed_generator(s, _PURPOSE["patterns"], 1)) for s in seeds], 1)
    a1, a2 = cues[0], cues[1]
    b, c, u = resp[0], resp[1], resp[2]
    AB, AC, U = torch.cat([a1, b], -1), torch.cat([a1, c], -1), torch.cat([a2, u], -1)  # (S, N)
    sched = torch.as_tensor(np.stack([schedule(s, config.windows, config.p_unrelated) for s in seeds], 1))  # (n, S)
    recall_gens = [keyed_generator(s, _PURPOSE["recall"]) for s in seeds]
    net_seed = seed_from_keys(_PURPOSE["network"], len(seeds), *seeds)
    nets = {k: DRAINetwork(config.drai_config(k), seed=net_seed, batch_shape=(B,)) for k in CONDITIONS}
    bounds = [config.acquire, config.acquire + config.reverse]
    acc_cur = np.zeros((nC, config.windows, nW, S))
    acc_unr = np.zeros((nC, config.windows, nW, S))
    peak = {w: 1.0 for w in WORLDS}
    for n in range(config.windows):
        psi = window_patterns(n, config, sched[n], AB, AC, U)
        tgt = c if phase_of(n, config) == 1 else b
        for k in CONDITIONS:
            res = nets[k].learn(Stimulus(psi))
            if res.rate is not None:
                r = res.rate.reshape(nW, S, N, N).amax((1, 2, 3))
                for j, w in enumerate(WORLDS):
                    peak[w] = max(peak[w], float(r[j]))
        # tests: all conditions × worlds × seeds in one batch, the same starts for every condition and world
        T = config.trials
        phi0 = torch.stack([TWO_PI * torch.rand((T, 2, N), generator=g, dtype=torch.float64) for g in recall_gens],
                           2)  # (T, 2, S, N)
        W_all = torch.cat([nets[k].W for k in CONDITIONS], 0)  # (nC·B, N, N)
        cue = torch.stack([a1, a2]).repeat(1, nC * nW, 1)  # (2, nC·B, nA)
        target = torch.stack([tgt, u]).repeat(1, nC * nW, 1)
        phi0 = phi0.repeat(1, 1, nC * nW, 1)
        acc = recall_accuracy(W_all, cue, target, phi0, config).mean(0)  # (2, nC·B)
        acc = acc.reshape(2, nC, nW, S).numpy()
        acc_cur[:, n], acc_unr[:, n] = acc[0], acc[1]
        if progress and (n + 1) % 10 == 0:
            print(f"[drai_reversal] window {n + 1}/{config.windows}: "
                  + ", ".join(f"{k} {acc[0, i].mean():.2f}/{acc[1, i].mean():.2f}" for i, k in enumerate(CONDITIONS)),
                  flush=True)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    lengths = [config.reverse, config.back]
    for j, w in enumerate(WORLDS):
        results[w] = {}
        for i, k in enumerate(CONDITIONS):
            cur, unr = acc_cur[i, :, j], acc_unr[i, :, j]  # (windows, S)
            times: list[list[int | None]] = []
            for lo, L in zip(bounds, lengths, strict=True):
                times.append([relearning_time(cur[lo:lo + L, s], config.threshold, config.stay) for s in range(S)])
            bounded = [[(L + 1 if t is None else t) for t in ts] for ts, L in zip(times, lengths, strict=True)]
            # supplementary: U at the window the current association counts as relearned (phase end if censored)
            at_relearn = [[float(unr[lo + (L if t is None else t) - 1, s]) for s, t in enumerate(ts)]
                          for ts, lo, L in zip(times, bounds, lengths, strict=True)]
            pre = unr[bounds[0] - config.pre_windows:bounds[0]].mean(0)
            during = unr[bounds[0]:].mean(0)
            results[w][k] = dict(
                accuracy_current=cur.T.tolist(),
                accuracy_unrelated=unr.T.tolist(),
                relearning_time=times,
                relearning_time_bounded=bounded,
                censored=[sum(t is None for t in ts) for ts in times],
                relearning_summary=[_summary(v) for v in bounded],
                acquisition_time=[relearning_time(cur[:bounds[0], s], config.threshold, config.stay)
                                  for s in range(S)],
                unrelated_pre=pre.tolist(),
                unrelated_during=during.tolist(),
                unrelated_drop=(pre - during).tolist(),
                unrelated_at_relearning=at_relearn,
                unrelated_at_relearning_summary=_summary([v for vs in at_relearn for v in vs]),
                unrelated_during_summary=_summary(during),
                unrelated_drop_summary=_summary(pre - during),
            )
    eta = {k: nets[k].config.eta for k in CONDITIONS}
    return ReversalRecord(size=name, config=config.to_dict(), seeds=seeds, switches=bounds, results=results,
                          peak_rate=peak, eta=eta, wall_seconds=time.perf_counter() - t0)


# ================================================================================ claims
def _record(record: ReversalRecord | dict[str, Any]) -> dict[str, Any]:
    return record.to_dict() if isinstance(record, ReversalRecord) else dict(record)


def claims_drai_reversal(record: ReversalRecord | dict[str, Any], figure: str | None = None) -> list[ClaimResult]:
    """Verdicts from the pre-declared criteria :data:`RELEARN_RATIO` and :data:`INTERFERENCE_MARGIN`, per world."""
    r = _record(record)
    cfg, seeds = r["config"], r["seeds"]
    out = []
    for w in WORLDS:
        res = r["results"][w]
        world = ("U stored with A→B, not rehearsed afterwards" if w == "blocked"
                 else f"one association per window, U with probability {cfg['p_unrelated']}")
        protocol = (f"{w} world ({world}); N = {cfg['n_cue']} cue + {cfg['n_resp']} response units; "
                    f"{cfg['acquire']} windows A→B, {cfg['reverse']} A→C, {cfg['back']} A→B; cosine rule η = "
                    f"{cfg['eta']}, λ = {cfg['decay']}; recall tested after every window ({cfg['trials']} starts); "
                    f"relearned = accuracy ≥ {cfg['threshold']} for {cfg['stay']} windows; {len(seeds)} seeds, all "
                    "conditions in the same run.")
        t = {k: [res[k]["relearning_summary"][q]["mean"] for q in range(2)] for k in CONDITIONS}
        cens = {k: res[k]["censored"] for k in CONDITIONS}
        ok = all(t["surprise"][q] <= RELEARN_RATIO * t["baseline"][q] for q in range(2))
        details = dict(relearning_time_mean={k: t[k] for k in CONDITIONS}, censored=cens,
                       relearning_time_per_seed={k: res[k]["relearning_time"] for k in CONDITIONS},
                       unrelated_during={k: res[k]["unrelated_during_summary"] for k in CONDITIONS},
                       unrelated_drop={k: res[k]["unrelated_drop_summary"] for k in CONDITIONS},
                       unrelated_at_relearning={k: res[k]["unrelated_at_relearning_summary"] for k in CONDITIONS},
                       peak_rate_surprise=r["peak_rate"][w], eta=r["eta"])
        ratio = [t["surprise"][q] / t["baseline"][q] for q in range(2)]
        out.append(ClaimResult(
            claim=f"task 4a ({w}): surprise speeds up relearning after a reversal",
            verdict=verdict_from(bool(ok)),
            metric="mean relearning time with surprise, switch to A→C and switch back (windows)",
            value=t["surprise"],
            baseline=t["baseline"],
            criterion=(f"supported if, for both switches, the mean relearning time with surprise is <= "
                       f"{RELEARN_RATIO} × the baseline's; refuted otherwise (censored seeds count as phase length "
                       "+ 1)"),
            seeds=seeds,
            spread=[res["surprise"]["relearning_summary"][q]["std"] for q in range(2)],
            section="DRAI §7 'Surprise-Driven Adaptation Mechanisms'",
            hypothesis="Surprise-modulated plasticity relearns a changed association faster than the plain rule.",
            protocol=protocol,
            figure=figure,
            notes=(f"ratios surprise/baseline {ratio[0]:.2f}, {ratio[1]:.2f}; global_m {t['global_m']}, global_peak "
                   f"{t['global_peak']} windows; censored seeds {cens}; peak per-pair factor applied by surprise "
                   f"{r['peak_rate'][w]:.1f}."),
            details=details,
        ))
        ud = {k: res[k]["unrelated_during_summary"]["mean"] for k in CONDITIONS}
        diff = ud["surprise"] - ud["global_peak"]
        out.append(ClaimResult(
            claim=f"task 4b ({w}): surprise is selective: a global η raise damages an unrelated association more",
            verdict=verdict_from(True if diff >= INTERFERENCE_MARGIN else (False if diff <= 0 else None)),
            metric="recall accuracy of the unrelated association U during the reversal phases, surprise",
            value=ud["surprise"],
            baseline=ud["global_peak"],
            criterion=(f"supported if U's mean accuracy with surprise is >= {INTERFERENCE_MARGIN} above that with "
                       "the same-peak global η raise; refuted if it is not above; inconclusive in between"),
            seeds=seeds,
            spread=res["surprise"]["unrelated_during_summary"]["std"],
            section="DRAI §7",
            hypothesis="Raising plasticity only on the connections implicated by the surprise spares other memories.",
            protocol=protocol,
            figure=figure,
            notes=(f"U during the reversals: baseline {ud['baseline']:.3f}, surprise {ud['surprise']:.3f}, global_m "
                   f"{ud['global_m']:.3f}, global_peak {ud['global_peak']:.3f}; drop from before the switch: "
                   + ", ".join(f"{k} {res[k]['unrelated_drop_summary']['mean']:+.3f}" for k in CONDITIONS)
                   + ". Supplementary (not the criterion): U at the window the current association is relearned, "
                   + ", ".join(f"{k} {res[k]['unrelated_at_relearning_summary']['mean']:.3f}" for k in CONDITIONS)
                   + "."),
            details=details,
        ))
    return out


# ================================================================================ figure
_COLORS = {"baseline": "tab:blue", "surprise": "tab:red", "global_m": "tab:orange", "global_peak": "tab:purple"}


def figure_drai_reversal(record: ReversalRecord | dict[str, Any], path: str | Path) -> Path:
    """Per world: mean recall accuracy of the current association (top) and of U (bottom) after every window,
    per condition; dotted lines mark the switches and the threshold."""
    r = _record(record)
    fig = new_figure((12.0, 6.0))
    axes = fig.subplots(2, len(WORLDS), sharex=True, sharey=True)
    for j, w in enumerate(WORLDS):
        for row, key in enumerate(("accuracy_current", "accuracy_unrelated")):
            ax = axes[row, j]
            for k in CONDITIONS:
                a = np.asarray(r["results"][w][k][key], dtype=float).mean(0)
                ax.plot(np.arange(1, len(a) + 1), a, color=_COLORS[k], lw=1.1, label=k)
            for s in r["switches"]:
                ax.axvline(s + 0.5, color="0.5", ls=":", lw=0.8)
            if row == 0:
                ax.axhline(r["config"]["threshold"], color="0.7", ls="--", lw=0.8)
                ax.set_title(f"{w}: current association (A→B, A→C, A→B)", fontsize=9)
            else:
                ax.set_title(f"{w}: unrelated association U", fontsize=9)
                ax.set_xlabel("learning window")
            ax.set_ylim(0.3, 1.02)
            if j == 0:
                ax.set_ylabel("recall accuracy (fraction of R)")
    axes[0, -1].legend(fontsize=7, loc="lower right")
    return save_figure(fig, Path(path))
