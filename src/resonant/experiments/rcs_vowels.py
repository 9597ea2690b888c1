"""The RCS vowel experiment: the §7 readouts on data no one here generated (Hillenbrand et al. 1995).

Protocol (declared before any result was seen; :class:`VowelExperimentConfig` holds every constant):

1. Tokens (F1, F2 in Hz, 5 vowels) come from :func:`~resonant.datasets.vowels.load_vowels` (the shared CSV,
   or, when it is absent, the synthetic sample from the published means, flagged ``data_source="synthetic"``).
2. Per seed s: the tokens arrive in a random order (seeded by s) as a :class:`~resonant.datasets.vowel_stream.
   VowelStream`: token j is a burst of two oscillators at f = F1/scale and F2/scale (scale 750 Hz/Hz puts
   250-3300 Hz at 0.33-4.4 Hz, the band of the paper's stream, 0.6-4.5 Hz) lasting ``duration`` (3 s), with
   a common random onset phase, followed by ``gap`` (4 s: a ringing-down oscillator leaves ln(1/A_leave)/α_A
   = 3 s after its drive ends). Vowel labels are hidden from the engine (side table only).
3. One engine (default :class:`~resonant.rcs.config.RCSConfig`, seed s) runs over the whole stream. A recorder
   takes an ``observe()`` snapshot every ``obs_every`` (0.25 s) from ``obs_start`` (0.25 s) after each onset
   to the end of the burst (12 per token) and keeps only what the readouts need.
4. Readouts (all outside the engine, §7.1):
   - carrier configuration h(t) (eq. 34a, :class:`~resonant.readouts.classification.CarrierFeatureConfig`
     defaults), averaged over a token's snapshots → one feature vector per token;
   - classification: an 80/20 stratified split per seed; the eq. (34) prototype classifier on the carrier
     features against a logistic regression on the raw (standardised) F1, F2 on the same split; also, for
     reference, the same logistic regression on the carrier features (is the information there at all?);
   - structure: eq. (33) hard assignments at each token's last snapshot, pooled over tokens, against the vowel
     labels (and against token identity) by ARI, and the fraction of tokens whose two formants share one
     carrier at each snapshot offset (nucleation binds both, mitosis may split them); and k-means
     (k = number of vowels) on the carrier features and on the raw formants against the vowel labels;
   - compression: L_comp (eq. 49) divided by the number of tokens whose oscillators are present, averaged
     over all snapshots.
5. Mean ± std over seeds. Numbers are reported as they come; nothing is tuned per result.

Sizes: ``smoke`` (5 tokens per vowel, 2 seeds: seconds, for tests) and ``full`` (every token, 5 seeds).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from resonant.core.config import param, validate
from resonant.datasets.vowel_stream import VowelStream
from resonant.datasets.vowels import VowelData, load_vowels
from resonant.rcs.config import RCSConfig
from resonant.rcs.engine import Engine, Observation
from resonant.readouts.classification import (
    CarrierFeatureConfig,
    CarrierPrototypeClassifier,
    carrier_features,
    segment_features,
)
from resonant.readouts.structure import UNASSIGNED, adjusted_rand_index, observation_assignments

__all__ = ["SIZES", "VowelExperimentConfig", "VowelSnapshotRecorder", "run_rcs_vowels", "run_vowel_seed"]


@dataclass(frozen=True)
class VowelExperimentConfig:
    """Every constant of the vowel experiment (the protocol in the module docstring)."""

    tokens_per_vowel: int | None = param(None, "tokens drawn per vowel (stratified, seeded); None = all", "count",
                                         1, None, integer=True, optional=True, paper="ours")
    n_seeds: int = param(5, "number of seeds (stream order, phases, engine, split)", "count", 1, None,
                         integer=True, paper="ours")
    scale: float = param(750.0, "formant Hz per signal Hz (f = F/scale)", "Hz/Hz", 0.0, None, low_open=True,
                         paper="ours")
    duration: float = param(3.0, "burst length of a token", "s", 0.0, None, low_open=True, paper="ours")
    gap: float = param(4.0, "silence after each burst", "s", 0.0, None, paper="ours")
    obs_start: float = param(0.25, "first snapshot after a token's onset", "s", 0.0, None, low_open=True,
                             paper="ours")
    obs_every: float = param(0.25, "snapshot spacing within a burst", "s", 0.0, None, low_open=True, paper="ours")
    train_frac: float = param(0.8, "fraction of tokens used for training", "1", 0.0, 1.0, low_open=True,
                              high_open=True, paper="ours")
    features: CarrierFeatureConfig = field(default_factory=CarrierFeatureConfig)

    def __post_init__(self) -> None:
        validate(self)
        if self.obs_start > self.duration:
            from resonant.core.errors import ConfigError

            raise ConfigError(f"VowelExperimentConfig.obs_start={self.obs_start!r} must be <= duration="
                              f"{self.duration!r} (snapshots are taken during the burst)")

    @property
    def offsets(self) -> np.ndarray:
        """Snapshot times after onset: obs_start, obs_start + obs_every, … ≤ duration."""
        n = int(math.floor((self.duration - self.obs_start) / self.obs_every + 1e-9)) + 1
        return self.obs_start + self.obs_every * np.arange(n)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["features"] = self.features.to_dict()
        return d


#: The two declared sizes.
SIZES: dict[str, VowelExperimentConfig] = {
    "smoke": VowelExperimentConfig(tokens_per_vowel=5, n_seeds=2),
    "full": VowelExperimentConfig(tokens_per_vowel=None, n_seeds=5),
}


class VowelSnapshotRecorder:
    """A :class:`~resonant.rcs.engine.Recorder` taking ``observe()`` snapshots at scheduled steps during each
    token's burst, keeping only the readouts' inputs (a consumer only, §7.1).

    Per snapshot: the carrier configuration h (eq. 34a), the token it belongs to, L_comp (eq. 49), the number
    of tokens whose oscillators are present, and the hard eq. (33) assignment of the token's two oscillators.
    """

    trace_window: tuple[float, float] | None = None

    def __init__(self, stream: VowelStream, offsets: np.ndarray, dt: float,
                 features: CarrierFeatureConfig | None = None) -> None:
        self.features = features or CarrierFeatureConfig()
        steps, toks, slot = [], [], []
        for tok in stream.tokens:
            for q, off in enumerate(np.asarray(offsets, dtype=float)):
                steps.append(int(round((tok.onset + off) / dt)))
                toks.append(tok.index)
                slot.append(q)
        order = np.argsort(steps, kind="stable")
        self._steps = np.asarray(steps, dtype=np.int64)[order]
        if np.any(np.diff(self._steps) == 0):
            raise ValueError("two snapshots fall on the same step: tokens overlap or obs_every < dt")
        self._tok = np.asarray(toks, dtype=np.int64)[order]
        self._slot = np.asarray(slot, dtype=np.int64)[order]
        self._at = {int(s): j for j, s in enumerate(self._steps)}
        ids = np.array([tok.osc_ids for tok in stream.tokens], dtype=np.int64)  # (S, 2)
        self._first_id = int(ids.min())
        self._tok_of_id = np.full(int(ids.max()) - self._first_id + 1, -1, dtype=np.int64)
        self._tok_of_id[ids.reshape(-1) - self._first_id] = np.repeat(np.arange(len(ids)), 2)
        self._osc_ids = ids
        self.rows: list[dict[str, Any]] = []
        self.h: list[np.ndarray] = []

    # --- Recorder protocol ----------------------------------------------------------------------------
    def add_rows(self, rows: np.ndarray) -> None:
        pass

    def add_traces(self, *args: Any) -> None:
        pass

    def next_observation_step(self, step: int, dt: float) -> int | None:
        j = int(np.searchsorted(self._steps, step, side="left"))
        return int(self._steps[j]) if j < len(self._steps) else None

    def add_observation(self, obs: Observation) -> None:
        j = self._at.get(int(obs.step))
        if j is None or (self.rows and self.rows[-1]["snap"] == j):
            return
        tok = int(self._tok[j])
        osc_ids, car_ids = observation_assignments(obs)
        rel = osc_ids - self._first_id
        inside = (rel >= 0) & (rel < len(self._tok_of_id))
        present = np.unique(self._tok_of_id[rel[inside]])
        present = present[present >= 0]
        own = {int(o): int(c) for o, c in zip(osc_ids.tolist(), car_ids.tolist(), strict=True)}
        assign = [own.get(int(o), UNASSIGNED) for o in self._osc_ids[tok]]
        self.h.append(carrier_features(obs, self.features))
        self.rows.append(dict(snap=j, token=tok, slot=int(self._slot[j]), t=obs.t, L_comp=obs.L_comp,
                              M_active=obs.M_active, nnz=obs.nnz, tokens_present=len(present), assign=assign))


def _mean_std(x: Sequence[float]) -> dict[str, float]:
    a = np.asarray(x, dtype=float)
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if a.size > 1 else 0.0}


def run_vowel_seed(data: VowelData, seed: int, config: VowelExperimentConfig | None = None,
                   engine_config: RCSConfig | None = None, backend: str = "auto") -> dict[str, Any]:
    """One seed of the protocol: stream, engine run, readouts. Returns a JSON-serialisable dict."""
    cfg = config or VowelExperimentConfig()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    seed = int(seed)
    vowels, y_all = np.unique(data.vowel, return_inverse=True)
    rng = np.random.default_rng([seed, 0xB0E1])
    if cfg.tokens_per_vowel is None:
        idx = np.arange(len(y_all))
    else:
        idx = []
        for v in range(len(vowels)):
            members = np.flatnonzero(y_all == v)
            if len(members) < cfg.tokens_per_vowel:
                raise ValueError(f"vowel {vowels[v]!r} has {len(members)} tokens, fewer than tokens_per_vowel="
                                 f"{cfg.tokens_per_vowel}")
            idx.extend(rng.choice(members, cfg.tokens_per_vowel, replace=False).tolist())
        idx = np.asarray(idx)
    idx = idx[rng.permutation(len(idx))]  # arrival order
    F, y = data.F[idx], y_all[idx]
    stream = VowelStream(F, y, data.vowel[idx], scale=cfg.scale, duration=cfg.duration, gap=cfg.gap, seed=seed)
    ecfg = engine_config or RCSConfig()
    engine = Engine(ecfg, seed=seed, backend=backend)
    rec = VowelSnapshotRecorder(stream, cfg.offsets, ecfg.dt, cfg.features)
    start = time.perf_counter()
    with torch.inference_mode():
        engine.run(stream, stream.seconds, recorder=rec)
    wall = time.perf_counter() - start
    S = len(stream.tokens)
    if len(rec.rows) != S * len(cfg.offsets):
        raise RuntimeError(f"recorder got {len(rec.rows)} snapshots, expected {S * len(cfg.offsets)}")

    # --- classification (eq. 34) vs logistic regression on the raw formants, same split -----------------
    tok_of_snap = np.array([r["token"] for r in rec.rows])
    X = segment_features(np.stack(rec.h), tok_of_snap, S)
    train, test = train_test_split(np.arange(S), train_size=cfg.train_frac, stratify=y, random_state=seed)
    proto = CarrierPrototypeClassifier().fit(X[train], y[train])
    lr_raw = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(F[train], y[train])
    lr_car = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X[train], y[train])

    # --- structure: eq. (33) hard assignments at each token's last snapshot; k-means on features ---------
    last = len(cfg.offsets) - 1
    final = [r for r in rec.rows if r["slot"] == last]
    pred = np.array([a for r in final for a in r["assign"]])
    truth_vowel = np.repeat([y[r["token"]] for r in final], 2)
    truth_token = np.repeat([r["token"] for r in final], 2)
    n_cl = len(vowels)
    km_car = KMeans(n_cl, n_init=10, random_state=seed).fit_predict(StandardScaler().fit_transform(X))
    km_raw = KMeans(n_cl, n_init=10, random_state=seed).fit_predict(StandardScaler().fit_transform(F))
    shared = np.array([r["assign"][0] == r["assign"][1] != UNASSIGNED for r in final], dtype=float)
    slot = np.array([r["slot"] for r in rec.rows])
    shared_all = np.array([r["assign"][0] == r["assign"][1] != UNASSIGNED for r in rec.rows], dtype=float)
    shared_by_offset = np.bincount(slot, weights=shared_all, minlength=len(cfg.offsets)) / S

    # --- compression: L_comp (eq. 49) per token present -----------------------------------------------------
    lc = np.array([r["L_comp"] / r["tokens_present"] for r in rec.rows if r["tokens_present"] > 0])
    return dict(
        seed=seed, n_tokens=S, n_train=len(train), n_test=len(test), stream_seconds=stream.seconds,
        engine_wall_seconds=wall,
        readout_accuracy=float(proto.score(X[test], y[test])),
        lr_raw_accuracy=float(lr_raw.score(F[test], y[test])),
        lr_carrier_accuracy=float(lr_car.score(X[test], y[test])),
        ari_assignment_vs_vowel=adjusted_rand_index(truth_vowel, pred),
        ari_assignment_vs_token=adjusted_rand_index(truth_token, pred),
        both_formants_on_one_carrier=float(shared.mean()),
        both_formants_on_one_carrier_by_offset=shared_by_offset.tolist(),
        offsets=cfg.offsets.tolist(),
        ari_kmeans_carrier_vs_vowel=adjusted_rand_index(y, km_car, unassigned=None),
        ari_kmeans_raw_vs_vowel=adjusted_rand_index(y, km_raw, unassigned=None),
        L_comp_per_token=float(lc.mean()) if lc.size else float("nan"),
        counters=dict(engine.counters),
    )


def run_rcs_vowels(
    data: VowelData | str | Path | None = None,
    size: str = "smoke",
    config: VowelExperimentConfig | None = None,
    seeds: Sequence[int] | None = None,
    engine_config: RCSConfig | None = None,
    fallback: bool = True,
    backend: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The vowel experiment over seeds; a plain JSON-serialisable record.

    Args:
        data: a :class:`VowelData`, or the path of the CSV (None or a missing file with ``fallback``: the
            synthetic sample, with a warning).
        size: "smoke" or "full" (:data:`SIZES`); ignored when ``config`` is given.
        config: the protocol's constants (overrides ``size``).
        seeds: the seeds (default 0 … n_seeds − 1).
        engine_config: the engine's constants (default :class:`RCSConfig`).
        fallback: allow the synthetic fallback when the file is absent.
        progress: called as progress(done_seeds, total_seeds).

    Returns a dict with the per-seed records (``per_seed``) and mean ± std over seeds of
    ``readout_accuracy`` (eq. 34 prototypes on carrier features), ``lr_raw_accuracy`` (logistic regression on
    raw F1, F2, same split), ``lr_carrier_accuracy``, ``ari_*`` and ``L_comp_per_token``.
    """
    if config is None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
        config = SIZES[size]
    if not isinstance(data, VowelData):
        data = load_vowels(data, fallback=fallback)
    seeds = list(range(config.n_seeds)) if seeds is None else [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must not be empty")
    per_seed = []
    for n, s in enumerate(seeds):
        per_seed.append(run_vowel_seed(data, s, config, engine_config, backend))
        if progress is not None:
            progress(n + 1, len(seeds))
    keys = ("readout_accuracy", "lr_raw_accuracy", "lr_carrier_accuracy", "ari_assignment_vs_vowel",
            "ari_assignment_vs_token", "both_formants_on_one_carrier", "ari_kmeans_carrier_vs_vowel",
            "ari_kmeans_raw_vs_vowel", "L_comp_per_token")
    summary = {k: _mean_std([r[k] for r in per_seed]) for k in keys}
    return dict(
        experiment="rcs_vowels", data_source=data.source, vowels=sorted(data.counts()), n_tokens_available=len(
            data.F), seeds=seeds, config=config.to_dict(), engine_config=(engine_config or RCSConfig()).to_dict(),
        summary=summary, per_seed=per_seed,
    )
