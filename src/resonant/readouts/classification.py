"""Classification via carrier configuration, RCS §7.3 (eq. 34), strictly outside the engine.

The engine's observation (§7.2) has a variable number M of carriers, so a readout first maps it to a
fixed-length vector. We use the kernel form of eq. (34). With B frequency bins μ_b (Hz) and a Gaussian
kernel K(ν, μ) = exp(−(ν − μ)² / 2s²), the *carrier configuration* of an observation is

    h_b(t) = Σ_k w_k · K(ν_k, μ_b),   ν_k = ω_k / 2π,   w_k = |c_k|  (or |c_k|·D_k),        (34a)

an energy-weighted, smoothed histogram of the carriers' frequencies. A prototype j is a weight profile
π_j over the bins, and the similarity of carrier k to it is sim(carrier_k, prototype_j) = Σ_b π_jb K(ν_k, μ_b).
Eq. (34) then reads

    score(class_j) = Σ_k |c_k| · sim(carrier_k, prototype_j) = Σ_b π_jb h_b = π_j · h,        (34b)

so scoring a configuration is a dot product with its histogram (:func:`prototype_scores` computes the
left side carrier by carrier; the tests check both sides agree). :class:`CarrierPrototypeClassifier`
learns the prototypes outside the engine (the normalised class mean of the training configurations)
and predicts the class of highest cosine score. A stream segment (e.g. one token's burst) is turned into
one feature vector by averaging the h(t) of the observations taken inside it (:func:`segment_features`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from resonant.core.config import describe, param, validate
from resonant.core.errors import ConfigError

__all__ = [
    "CarrierFeatureConfig",
    "CarrierPrototypeClassifier",
    "carrier_features",
    "carrier_histogram",
    "prototype_scores",
    "segment_features",
]

TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class CarrierFeatureConfig:
    """The fixed-length carrier-configuration feature of eq. (34a): bins, kernel width and weights."""

    f_min_hz: float = param(0.25, "centre of the lowest frequency bin μ_1", "Hz", 0.0, None, paper="ours")
    f_max_hz: float = param(4.75, "centre of the highest frequency bin μ_B", "Hz", 0.0, None, low_open=True,
                            paper="ours")
    n_bins: int = param(37, "number of frequency bins B (evenly spaced from f_min_hz to f_max_hz)", "count",
                        2, None, integer=True, paper="ours")
    width_hz: float = param(0.125, "width s of the Gaussian bin kernel K", "Hz", 0.0, None, low_open=True,
                            paper="ours")
    weight: str = param("energy", "carrier weight w_k: 'energy' |c_k| (eq. 34) or 'energy_coherence' |c_k|·D_k",
                        "-", choices=("energy", "energy_coherence"), paper="eq. 34 (energy), ours")
    frequency: str = param("omega_k", "carrier frequency ν_k: 'omega_k' (intrinsic ω_k/2π) or 'spectral_center' "
                           "(ω̄_k/2π, eq. 22)", "-", choices=("omega_k", "spectral_center"), paper="§7.2")

    def __post_init__(self) -> None:
        validate(self)
        if self.f_max_hz <= self.f_min_hz:
            raise ConfigError(f"CarrierFeatureConfig.f_max_hz={self.f_max_hz!r} must exceed f_min_hz={self.f_min_hz!r}")

    @property
    def centers_hz(self) -> np.ndarray:
        """The bin centres μ_b (Hz), shape (B,)."""
        return np.linspace(self.f_min_hz, self.f_max_hz, self.n_bins)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def table(cls) -> list[dict[str, Any]]:
        return describe(cls)


def carrier_histogram(freq_hz: torch.Tensor | np.ndarray, weight: torch.Tensor | np.ndarray,
                      config: CarrierFeatureConfig | None = None) -> np.ndarray:
    """h_b = Σ_k w_k K(ν_k, μ_b) of eq. (34a) for carriers with frequencies ``freq_hz`` (M,) and weights (M,).

    Batched: ``freq_hz`` and ``weight`` may have a leading batch shape (..., M); the result is (..., B).
    """
    cfg = config or CarrierFeatureConfig()
    def as_cpu64(x: torch.Tensor | np.ndarray) -> torch.Tensor:
        return (x.detach().cpu() if torch.is_tensor(x) else torch.as_tensor(np.asarray(x, dtype=float))).double()

    nu, w = as_cpu64(freq_hz), as_cpu64(weight)
    if nu.shape != w.shape:
        raise ValueError(f"freq_hz and weight must have the same shape, got {tuple(nu.shape)} and {tuple(w.shape)}")
    if not (torch.isfinite(nu).all() and torch.isfinite(w).all()):
        raise ValueError("freq_hz and weight must be finite (got NaN or Inf)")
    mu = torch.as_tensor(cfg.centers_hz, dtype=torch.float64)
    K = torch.exp(-0.5 * ((nu.unsqueeze(-1) - mu) / cfg.width_hz) ** 2)  # (..., M, B)
    return (w.unsqueeze(-1) * K).sum(-2).numpy()


def _carrier_freq_weight(obs: Any, cfg: CarrierFeatureConfig) -> tuple[torch.Tensor, torch.Tensor]:
    om = obs.omega_k if cfg.frequency == "omega_k" else obs.spectral_center
    w = obs.energy if cfg.weight == "energy" else obs.energy * obs.D
    return om.detach().cpu().double() / TWO_PI, w.detach().cpu().double()


def carrier_features(obs: Any, config: CarrierFeatureConfig | None = None) -> np.ndarray:
    """The carrier configuration h(t) (B,) of one :class:`~resonant.rcs.engine.Observation` (eq. 34a).

    Reads ``omega_k`` (or ``spectral_center``), ``energy`` and ``D``; never touches the engine.
    """
    cfg = config or CarrierFeatureConfig()
    nu, w = _carrier_freq_weight(obs, cfg)
    return carrier_histogram(nu, w, cfg)


def prototype_scores(freq_hz: np.ndarray, energy: np.ndarray, prototypes: np.ndarray,
                     config: CarrierFeatureConfig | None = None) -> np.ndarray:
    """Eq. (34) carrier by carrier: score_j = Σ_k |c_k| sim(carrier_k, prototype_j), sim = Σ_b π_jb K(ν_k, μ_b).

    ``prototypes`` is (J, B); returns (J,). Equal to ``prototypes @ carrier_histogram(freq_hz, energy)`` (eq. 34b).
    """
    cfg = config or CarrierFeatureConfig()
    nu = np.asarray(freq_hz, dtype=float)
    r = np.asarray(energy, dtype=float)
    pi = np.asarray(prototypes, dtype=float)
    if pi.ndim != 2 or pi.shape[1] != cfg.n_bins:
        raise ValueError(f"prototypes must have shape (J, {cfg.n_bins}), got {pi.shape}")
    K = np.exp(-0.5 * ((nu[:, None] - cfg.centers_hz[None, :]) / cfg.width_hz) ** 2)  # (M, B)
    sim = K @ pi.T  # (M, J): similarity of each carrier to each prototype
    return r @ sim


def segment_features(features: np.ndarray, segment: np.ndarray, n_segments: int) -> np.ndarray:
    """Mean feature per stream segment: rows of ``features`` (n, B) with segment index ``segment`` (n,).

    Segments without observations get a zero row. Vectorised (one scatter-add).
    """
    X = np.asarray(features, dtype=float)
    seg = np.asarray(segment)
    if X.ndim != 2 or seg.shape != (X.shape[0],):
        raise ValueError(f"features must be (n, B) and segment (n,), got {X.shape} and {seg.shape}")
    if seg.size and (not np.issubdtype(seg.dtype, np.integer) or seg.min() < 0 or seg.max() >= n_segments):
        raise ValueError(f"segment indices must be integers in [0, {n_segments}), got range "
                         f"[{seg.min()}, {seg.max()}]")
    total = np.zeros((n_segments, X.shape[1]))
    np.add.at(total, seg, X)
    count = np.bincount(seg, minlength=n_segments).astype(float)
    return np.divide(total, count[:, None], out=np.zeros_like(total), where=count[:, None] > 0)


def _unit_rows(X: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, n, out=np.zeros_like(X), where=n > 0)


class CarrierPrototypeClassifier(ClassifierMixin, BaseEstimator):
    """Eq. (34) with prototypes learned outside the engine (scikit-learn estimator).

    ``fit(X, y)``: X (n, B) are carrier configurations h (eq. 34a; e.g. :func:`segment_features`), y the
    classes. The prototype of class j is the normalised mean of its training configurations, each first
    scaled to unit length: π_j = m_j/‖m_j‖, m_j = mean_{n: y_n = j} h_n/‖h_n‖ (with ``normalize=False``,
    the plain class mean, unscaled). ``decision_function`` is score_j = π_j·h/‖h‖ (eq. 34b, divided by ‖h‖
    so that louder configurations do not dominate); ``predict`` takes the class of highest score.
    A configuration with no carriers (h = 0) scores 0 for every class and gets the first class.

    Fitted attributes: ``classes_``, ``prototypes_`` (J, B), ``n_features_in_``.
    """

    def __init__(self, normalize: bool = True) -> None:
        self.normalize = normalize

    def fit(self, X: Any, y: Any) -> CarrierPrototypeClassifier:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, idx = np.unique(y, return_inverse=True)
        Z = _unit_rows(X) if self.normalize else X
        sums = np.zeros((len(self.classes_), X.shape[1]))
        np.add.at(sums, idx, Z)
        means = sums / np.bincount(idx, minlength=len(self.classes_))[:, None]
        self.prototypes_ = _unit_rows(means) if self.normalize else means
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores (n, J) of eq. (34b) (for two classes, sklearn's convention: score of class 1 minus class 0)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = _unit_rows(X) if self.normalize else X
        S = Z @ self.prototypes_.T
        return S[:, 1] - S[:, 0] if len(self.classes_) == 2 else S

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = _unit_rows(X) if self.normalize else X
        return self.classes_[np.argmax(Z @ self.prototypes_.T, axis=1)]
