"""Eq. (34) carrier-configuration features and the prototype classifier (outside the engine, §7.3)."""

from __future__ import annotations

import ast
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.utils.estimator_checks import check_estimator

import resonant
from resonant.core.errors import ConfigError
from resonant.rcs.engine import Engine
from resonant.rcs.stream import GroupedStream
from resonant.readouts.classification import (
    CarrierFeatureConfig,
    CarrierPrototypeClassifier,
    carrier_features,
    carrier_histogram,
    prototype_scores,
    segment_features,
)

CFG = CarrierFeatureConfig()


def _histogram_loop(nu, w, cfg):
    """Eq. (34a) by explicit loops over carriers and bins (independent of the vectorised code)."""
    mu = [cfg.f_min_hz + b * (cfg.f_max_hz - cfg.f_min_hz) / (cfg.n_bins - 1) for b in range(cfg.n_bins)]
    h = [0.0] * cfg.n_bins
    for f, wk in zip(nu, w, strict=True):
        for b, m in enumerate(mu):
            h[b] += wk * math.exp(-((f - m) ** 2) / (2 * cfg.width_hz**2))
    return np.array(h)


def test_histogram_matches_an_explicit_loop_and_batches():
    rng = np.random.default_rng(0)
    nu, w = rng.uniform(0.2, 5.0, (3, 6)), rng.uniform(0, 1, (3, 6))
    H = carrier_histogram(nu, w)
    assert H.shape == (3, CFG.n_bins)
    for r in range(3):
        np.testing.assert_allclose(H[r], _histogram_loop(nu[r], w[r], CFG), rtol=1e-12, atol=1e-15)
    assert np.array_equal(carrier_histogram(np.zeros(0), np.zeros(0)), np.zeros(CFG.n_bins))  # no carriers


@given(st.lists(st.tuples(st.floats(0.1, 5.0), st.floats(0.0, 2.0)), min_size=0, max_size=8),
       st.integers(0, 2**31 - 1))
def test_eq34_carrier_by_carrier_equals_prototype_dot_histogram(carriers, seed):
    nu = np.array([c[0] for c in carriers])
    r = np.array([c[1] for c in carriers])
    pi = np.random.default_rng(seed).normal(size=(4, CFG.n_bins))
    lhs = prototype_scores(nu, r, pi)  # Σ_k |c_k| sim(carrier_k, prototype_j)
    rhs = pi @ carrier_histogram(nu, r)  # π_j · h
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


def test_carrier_features_read_an_observation_without_touching_the_engine():
    eng = Engine(seed=0)
    eng.run(GroupedStream(seed=0, rate=1.0), 6.0)
    before = {k: v.clone() for k, v in eng.state.state_dict().items() if torch.is_tensor(v)}
    obs = eng.observe()
    assert obs.M > 0
    h = carrier_features(obs)
    np.testing.assert_allclose(h, _histogram_loop((obs.omega_k / (2 * math.pi)).tolist(), obs.energy.tolist(), CFG),
                               rtol=1e-12)
    cfg2 = CarrierFeatureConfig(weight="energy_coherence", frequency="spectral_center")
    w2 = (obs.energy * obs.D).tolist()
    np.testing.assert_allclose(carrier_features(obs, cfg2),
                               _histogram_loop((obs.spectral_center / (2 * math.pi)).tolist(), w2, cfg2), rtol=1e-12)
    after = eng.state.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(n_bins=1), "n_bins"), (dict(n_bins=3.0), "n_bins"), (dict(width_hz=0.0), "width_hz"),
    (dict(f_min_hz=-1.0), "f_min_hz"), (dict(f_min_hz=3.0, f_max_hz=2.0), "f_max_hz"),
    (dict(weight="loud"), "weight"), (dict(frequency="x"), "frequency"), (dict(width_hz=float("nan")), "width_hz"),
])
def test_feature_config_rejects_bad_values_naming_the_field(kwargs, field):
    with pytest.raises(ConfigError, match=field):
        CarrierFeatureConfig(**kwargs)


def test_histogram_rejects_nan_and_mismatched_shapes():
    with pytest.raises(ValueError, match="finite"):
        carrier_histogram(np.array([1.0, np.nan]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="same shape"):
        carrier_histogram(np.array([1.0, 2.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="prototypes"):
        prototype_scores(np.array([1.0]), np.array([1.0]), np.zeros((2, 5)))


def test_segment_features_average_each_segment_and_zero_the_empty_ones():
    rng = np.random.default_rng(1)
    X, seg = rng.normal(size=(10, 3)), np.array([0, 2, 2, 0, 3, 3, 3, 0, 2, 0])
    out = segment_features(X, seg, 5)
    for s in range(5):
        rows = X[seg == s]
        np.testing.assert_allclose(out[s], rows.mean(0) if len(rows) else np.zeros(3), rtol=1e-12)
    with pytest.raises(ValueError, match="segment"):
        segment_features(X, seg, 3)


def test_prototypes_are_the_normalised_means_of_unit_configurations():
    X = np.array([[3.0, 4.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 5.0], [0.0, 1.0, 1.0]])
    y = np.array(["a", "a", "b", "b"])
    clf = CarrierPrototypeClassifier().fit(X, y)
    m_a = (np.array([0.6, 0.8, 0.0]) + np.array([0.0, 1.0, 0.0])) / 2
    m_b = (np.array([0.0, 0.0, 1.0]) + np.array([0.0, 1.0, 1.0]) / math.sqrt(2)) / 2
    np.testing.assert_allclose(clf.prototypes_, [m_a / np.linalg.norm(m_a), m_b / np.linalg.norm(m_b)], rtol=1e-12)
    assert list(clf.classes_) == ["a", "b"]
    raw = CarrierPrototypeClassifier(normalize=False).fit(X, y)
    np.testing.assert_allclose(raw.prototypes_, [X[:2].mean(0), X[2:].mean(0)], rtol=1e-12)
    # score of a configuration = cosine with each prototype (eq. 34b); for two classes: score_b − score_a
    x = np.array([[1.0, 1.0, 1.0]])
    cos = clf.prototypes_ @ (x[0] / np.linalg.norm(x[0]))
    assert clf.decision_function(x)[0] == pytest.approx(cos[1] - cos[0], rel=1e-12)


def test_prototype_classifier_separates_two_carrier_constellations():
    rng = np.random.default_rng(2)
    lines = {0: (1.0, 2.0), 1: (1.5, 3.0), 2: (0.7, 3.8)}

    def configs(n):
        y = rng.integers(0, 3, n)
        nu = np.array([lines[c] for c in y]) + rng.normal(0, 0.05, (n, 2))
        r = rng.uniform(0.05, 0.3, (n, 2))
        # a weak stray carrier anywhere in the band, as left over from an earlier token
        nu = np.concatenate([nu, rng.uniform(0.3, 4.5, (n, 1))], 1)
        r = np.concatenate([r, rng.uniform(0.0, 0.02, (n, 1))], 1)
        return carrier_histogram(nu, r), y

    Xtr, ytr = configs(60)
    Xte, yte = configs(60)
    clf = CarrierPrototypeClassifier().fit(Xtr, ytr)
    assert clf.score(Xte, yte) == 1.0
    assert CarrierPrototypeClassifier().fit(Xtr, rng.permutation(ytr)).score(Xte, yte) < 0.8  # labels matter


@pytest.mark.parametrize("normalize", [True, False])
def test_prototype_classifier_passes_sklearn_check_estimator(normalize):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(CarrierPrototypeClassifier(normalize=normalize))


def test_prototype_classifier_refuses_unfitted_use_nan_and_wrong_width():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CarrierPrototypeClassifier().predict(np.ones((2, 3)))
    clf = CarrierPrototypeClassifier().fit(np.eye(3), [0, 1, 2])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.array([[1.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.ones((1, 4)))


def test_the_engine_never_imports_a_readout():
    """§7.1: no module of the engine (rcs/, core/) imports resonant.readouts (checked on the import statements)."""
    root = Path(resonant.__file__).parent
    offenders = []
    for path in [*sorted((root / "rcs").glob("*.py")), *sorted((root / "core").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("resonant.readouts")]
    assert offenders == []
    assert len(list((root / "rcs").glob("*.py"))) >= 5  # the walk really saw the engine
