"""Prediction via state-transition modelling, RCS §7.4, strictly outside the engine.

"Treat observe(t) as a vector in state space. Learn a temporal model to predict observe(t + Δt)."
The observation has a variable carrier count, so the state vector x(t) is a fixed-length feature of it
(e.g. the carrier configuration h(t) of eq. 34a, :func:`~resonant.readouts.classification.carrier_features`).
:class:`TransitionModel` learns the map x(t) ↦ x(t + Δt):

* the default is the least-squares linear (affine) map x(t + Δt) ≈ A x(t) + b, a first-order linear
  Markov model (scikit-learn's ``LinearRegression``: the minimum-norm least-squares solution);
* any scikit-learn regressor (``regressor=Ridge(...)``, ``KNeighborsRegressor()``, …) is cloned and fitted;
* a ``torch.nn.Module`` (mapping (n, d) float64 → (n, d_out)) is copied and trained full-batch on the
  mean squared error with L-BFGS.

Its error is reported against the persistence baseline x̂(t + Δt) = x(t) (:func:`persistence_error`).
Neighbouring bins of the smoothed carrier histogram are nearly collinear (on the paper's stream the smallest
singular values of the centred design are ~1e-10 of the largest), so the unregularised default is
ill-conditioned there: pass a regularised regressor such as ``Ridge`` for such features.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import LinearRegression
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "FeatureRecorder",
    "TransitionModel",
    "persistence_baseline",
    "persistence_error",
    "transition_errors",
    "transition_pairs",
]


class FeatureRecorder:
    """A :class:`~resonant.rcs.engine.Recorder` that takes an ``observe()`` snapshot every ``every`` seconds
    (from ``start``) and keeps ``feature(obs)`` only: the sequence x(t) a transition model learns from.

    A consumer only (§7.1). After the run, :attr:`t` (n,) and :meth:`sequence` (n, d) hold the data.
    """

    trace_window: tuple[float, float] | None = None

    def __init__(self, feature: Callable[[Any], np.ndarray], every: float, start: float | None = None) -> None:
        if not callable(feature):
            raise TypeError(f"feature must be callable (observation -> vector), got {type(feature).__name__}")
        if isinstance(every, bool) or not isinstance(every, (int, float)) or not np.isfinite(every) or every <= 0:
            raise ValueError(f"every must be a finite number of seconds > 0, got {every!r}")
        start = every if start is None else start
        if isinstance(start, bool) or not isinstance(start, (int, float)) or not np.isfinite(start) or start < 0:
            raise ValueError(f"start must be a finite number of seconds >= 0, got {start!r}")
        self.feature, self.every, self.start = feature, float(every), float(start)
        self.t: list[float] = []
        self._x: list[np.ndarray] = []
        self._last_step = -1

    def add_rows(self, rows: np.ndarray) -> None:
        pass

    def add_traces(self, *args: Any) -> None:
        pass

    def next_observation_step(self, step: int, dt: float) -> int | None:
        first = int(round(self.start / dt))
        stride = max(1, int(round(self.every / dt)))
        if step <= first:
            return first
        return first + stride * int(np.ceil((step - first) / stride))

    def add_observation(self, obs: Any) -> None:
        if obs.step == self._last_step:
            return
        self._last_step = obs.step
        x = np.asarray(self.feature(obs), dtype=float).reshape(-1)
        if self._x and x.shape != self._x[0].shape:
            raise ValueError(f"feature length changed from {self._x[0].size} to {x.size} (must be fixed-length)")
        self.t.append(float(obs.t))
        self._x.append(x)

    def sequence(self) -> np.ndarray:
        """The recorded features, shape (n, d)."""
        return np.stack(self._x) if self._x else np.zeros((0, 0))


def transition_pairs(sequences: np.ndarray | Sequence[np.ndarray], lag: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (x(t), x(t + lag·Δt)) from one sequence (T, d) or several (never pairing across sequences).

    Returns X (n, d) and Y (n, d), n = Σ (T_s − lag).
    """
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 1:
        raise ValueError(f"lag must be an int >= 1, got {lag!r}")
    seqs = [sequences] if isinstance(sequences, np.ndarray) else list(sequences)
    Xs, Ys = [], []
    d = None
    for n, s in enumerate(seqs):
        s = np.asarray(s, dtype=float)
        if s.ndim != 2:
            raise ValueError(f"sequence {n} must be 2-D (T, d), got shape {s.shape}")
        if d is not None and s.shape[1] != d:
            raise ValueError(f"sequence {n} has {s.shape[1]} features, expected {d}")
        if not np.isfinite(s).all():
            raise ValueError(f"sequence {n} contains NaN or Inf")
        d = s.shape[1]
        if s.shape[0] > lag:
            Xs.append(s[:-lag])
            Ys.append(s[lag:])
    if not Xs:
        raise ValueError(f"no sequence is longer than lag={lag}: nothing to pair")
    return np.concatenate(Xs), np.concatenate(Ys)


def persistence_error(X: np.ndarray, Y: np.ndarray) -> float:
    """Mean squared error of the persistence forecast Ŷ = X (the baseline of §7.4 prediction)."""
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.shape != Y.shape:
        raise ValueError(f"persistence needs X and Y of the same shape, got {X.shape} and {Y.shape}")
    return float(np.mean((Y - X) ** 2))


#: The name used in the issue for the same quantity.
persistence_baseline = persistence_error


class TransitionModel(RegressorMixin, BaseEstimator):
    """A temporal model x(t) ↦ x(t + Δt) on fixed-length observation features (RCS §7.4).

    Args:
        regressor: None (least-squares affine map), any scikit-learn regressor (cloned in ``fit``), or a
            ``torch.nn.Module`` (deep-copied in ``fit``, then trained full-batch with L-BFGS on the MSE).
        torch_max_iter: L-BFGS iterations for a torch module (ignored otherwise).
        torch_lr: L-BFGS learning rate for a torch module (ignored otherwise).

    Fitted attributes: ``estimator_`` (the fitted sklearn regressor) or ``module_`` (the trained torch
    module), ``n_features_in_``, ``n_outputs_``, ``train_loss_`` (final training MSE, torch only).
    """

    def __init__(self, regressor: Any = None, torch_max_iter: int = 200, torch_lr: float = 1.0) -> None:
        self.regressor = regressor
        self.torch_max_iter = torch_max_iter
        self.torch_lr = torch_lr

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # x(t + Δt) is a vector
        return tags

    def _is_torch(self) -> bool:
        return isinstance(self.regressor, torch.nn.Module)

    def fit(self, X: Any, y: Any) -> TransitionModel:
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        if self._is_torch():
            if isinstance(self.torch_max_iter, bool) or not isinstance(self.torch_max_iter, (int, np.integer)) or \
                    self.torch_max_iter < 1:
                raise ValueError(f"torch_max_iter must be an int >= 1, got {self.torch_max_iter!r}")
            if not (isinstance(self.torch_lr, (int, float)) and np.isfinite(self.torch_lr) and self.torch_lr > 0):
                raise ValueError(f"torch_lr must be a finite number > 0, got {self.torch_lr!r}")
            module = copy.deepcopy(self.regressor).double()
            Xt = torch.as_tensor(X)
            Yt = torch.as_tensor(y).reshape(len(y), -1)
            opt = torch.optim.LBFGS(module.parameters(), lr=float(self.torch_lr), max_iter=int(self.torch_max_iter),
                                    tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")

            def closure() -> torch.Tensor:
                opt.zero_grad()
                loss = torch.mean((module(Xt).reshape(Yt.shape) - Yt) ** 2)
                loss.backward()
                return loss

            with torch.enable_grad():
                opt.step(closure)
                with torch.no_grad():
                    self.train_loss_ = float(torch.mean((module(Xt).reshape(Yt.shape) - Yt) ** 2))
            if not np.isfinite(self.train_loss_):
                raise FloatingPointError(f"training of the torch module diverged (loss {self.train_loss_})")
            self.module_ = module.eval()
        else:
            base = LinearRegression() if self.regressor is None else self.regressor
            if not (hasattr(base, "fit") and hasattr(base, "predict")):
                raise TypeError(f"regressor must be None, a scikit-learn regressor or a torch.nn.Module, "
                                f"got {type(base).__name__}")
            self.estimator_ = clone(base).fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_outputs_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if hasattr(self, "module_"):
            with torch.no_grad():
                out = self.module_(torch.as_tensor(X)).reshape(len(X), -1).numpy()
            return out[:, 0] if self.n_outputs_ == 1 else out
        return np.asarray(self.estimator_.predict(X), dtype=float)

    def fit_sequence(self, sequences: np.ndarray | Sequence[np.ndarray], lag: int = 1) -> TransitionModel:
        """Fit on the pairs of :func:`transition_pairs` (x(t) → x(t + lag·Δt))."""
        return self.fit(*transition_pairs(sequences, lag))


def transition_errors(model: TransitionModel, X: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """Test errors of a fitted transition model against persistence on pairs (X, Y).

    Returns ``mse_model``, ``mse_persistence`` and their ratio ``relative_error`` (< 1: better than
    persistence).
    """
    Y = np.asarray(Y, dtype=float)
    pred = np.asarray(model.predict(X), dtype=float).reshape(Y.shape)
    mse = float(np.mean((pred - Y) ** 2))
    base = persistence_error(X, Y)
    return {"mse_model": mse, "mse_persistence": base,
            "relative_error": mse / base if base > 0 else float("inf") if mse > 0 else 1.0}
