"""State-transition readout (§7.4): x(t) ↦ x(t + Δt) against persistence."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import check_estimator

from resonant.rcs.engine import Engine
from resonant.rcs.stream import PaperStream
from resonant.readouts.classification import carrier_features
from resonant.readouts.prediction import (
    FeatureRecorder,
    TransitionModel,
    persistence_error,
    transition_errors,
    transition_pairs,
)


def _linear_system(seed=0, d=4, T=120, n_traj=5, noise=1e-3):
    """x(t+1) = A x(t) + b + ε with a known stable A (spectral radius 0.9)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.linspace(0.5, 0.9, d)) @ Q.T + 0.1 * rng.normal(size=(d, d))
    A *= 0.9 / max(abs(np.linalg.eigvals(A)))
    b = rng.normal(size=d)
    seqs = []
    for _ in range(n_traj):
        x = np.zeros((T, d))
        x[0] = rng.normal(size=d) * 3
        for t in range(T - 1):
            x[t + 1] = A @ x[t] + b + noise * rng.normal(size=d)
        seqs.append(x)
    return A, b, seqs


def test_pairs_follow_the_lag_and_never_cross_sequences():
    s1, s2 = np.arange(10.0).reshape(5, 2), 100 + np.arange(6.0).reshape(3, 2)
    X, Y = transition_pairs([s1, s2], lag=2)
    np.testing.assert_array_equal(X, np.concatenate([s1[:3], s2[:1]]))
    np.testing.assert_array_equal(Y, np.concatenate([s1[2:], s2[2:]]))
    X1, Y1 = transition_pairs(s1)  # a single array is one sequence
    np.testing.assert_array_equal(X1, s1[:-1])
    np.testing.assert_array_equal(Y1, s1[1:])


@pytest.mark.parametrize(("args", "match"), [
    ((np.zeros((4, 2)), 0), "lag"),
    ((np.zeros(4), 1), "2-D"),
    ((np.array([[0.0], [np.nan]]), 1), "NaN"),
    (([np.zeros((3, 2)), np.zeros((3, 3))], 1), "features"),
    ((np.zeros((1, 2)), 1), "longer"),
])
def test_pairs_reject_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        transition_pairs(*args)


def test_persistence_error_is_the_mean_squared_step():
    X = np.array([[0.0, 1.0], [2.0, 2.0]])
    Y = np.array([[1.0, 1.0], [2.0, 5.0]])
    assert persistence_error(X, Y) == pytest.approx((1 + 0 + 0 + 9) / 4)
    with pytest.raises(ValueError, match="same shape"):
        persistence_error(X, Y[:1])


def test_default_linear_map_recovers_a_known_system_and_beats_persistence():
    A, b, seqs = _linear_system()
    model = TransitionModel().fit_sequence(seqs[:4])
    np.testing.assert_allclose(model.estimator_.coef_, A, atol=5e-3)
    np.testing.assert_allclose(model.estimator_.intercept_, b, atol=5e-3)
    err = transition_errors(model, *transition_pairs(seqs[4]))
    assert err["mse_model"] < 2e-6  # the noise variance is 1e-6
    assert err["relative_error"] < 1e-3 * 1.0 and err["mse_persistence"] > 1e-3


def test_any_sklearn_regressor_is_cloned_not_mutated():
    A, _, seqs = _linear_system(seed=1)
    ridge = Ridge(alpha=1e-8)
    model = TransitionModel(ridge).fit_sequence(seqs)
    assert not hasattr(ridge, "coef_")  # the user's estimator is untouched
    np.testing.assert_allclose(model.estimator_.coef_, A, atol=5e-3)
    with pytest.raises(TypeError, match="regressor"):
        TransitionModel(regressor="linear").fit(np.zeros((3, 2)), np.zeros((3, 2)))


def test_a_torch_module_is_trained_on_a_copy_and_recovers_the_map():
    A, b, seqs = _linear_system(seed=2, d=3)
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 3).double()
    w0 = net.weight.detach().clone()
    model = TransitionModel(net).fit_sequence(seqs[:4])
    assert torch.equal(net.weight.detach(), w0)  # the user's module is untouched
    np.testing.assert_allclose(model.module_.weight.detach().numpy(), A, atol=5e-3)
    np.testing.assert_allclose(model.module_.bias.detach().numpy(), b, atol=5e-3)
    err = transition_errors(model, *transition_pairs(seqs[4]))
    assert err["relative_error"] < 1e-3
    assert model.predict(seqs[4][:5]).shape == (5, 3)
    with pytest.raises(ValueError, match="torch_lr"):
        TransitionModel(net, torch_lr=-1.0).fit(seqs[0][:-1], seqs[0][1:])


def test_transition_model_passes_sklearn_check_estimator():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(TransitionModel())
        check_estimator(TransitionModel(Ridge(alpha=0.1)))


def test_transition_model_refuses_unfitted_use_and_nan():
    with pytest.raises(NotFittedError):
        TransitionModel().predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        TransitionModel().fit(np.array([[0.0, np.nan], [1.0, 1.0]]), np.zeros((2, 2)))


def test_feature_recorder_schedules_snapshots_on_its_grid():
    rec = FeatureRecorder(lambda o: np.zeros(2), every=0.1, start=0.25)
    dt = 0.005
    assert rec.next_observation_step(0, dt) == 50
    assert rec.next_observation_step(51, dt) == 70  # 50 + 20k
    assert rec.next_observation_step(70, dt) == 70
    for bad in (0.0, float("nan"), -1.0):
        with pytest.raises(ValueError, match="every"):
            FeatureRecorder(lambda o: o, every=bad)


def test_transition_model_on_a_real_engine_run():
    """Carrier configurations of the paper's stream, every 0.1 s for 40 s; fit on the first 70 %.

    Only shape and finiteness are asserted: whether the linear map beats persistence on this stream is a
    measurement, printed here (see the report), not a claim.
    """
    rec = FeatureRecorder(carrier_features, every=0.1)
    eng = Engine(seed=0)
    eng.run(PaperStream(seed=0), 40.0, recorder=rec)
    S = rec.sequence()
    assert S.shape == (400, 37) and np.isfinite(S).all()
    np.testing.assert_allclose(rec.t, 0.1 * np.arange(1, 401), atol=1e-9)
    np.testing.assert_allclose(S[-1], carrier_features(eng.observe()), rtol=1e-12)  # last snapshot = now
    cut = int(0.7 * len(S))
    model = TransitionModel(Ridge(alpha=1e-3)).fit_sequence(S[:cut])
    err = transition_errors(model, *transition_pairs(S[cut:]))
    print(f"engine run, 0.1 s ahead: mse ridge {err['mse_model']:.3e}, persistence {err['mse_persistence']:.3e}, "
          f"ratio {err['relative_error']:.3f}")
    assert all(np.isfinite(v) for v in err.values())
