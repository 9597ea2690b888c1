"""The shared claim schema (:mod:`resonant.experiments.claims`): validation, JSON round trip, helpers."""

import json
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from resonant.experiments.claims import SCHEMA_KEYS, VERDICTS, ClaimResult, mean_spread, verdict_from


def _claim(**changes):
    kw = dict(claim="1. compression", verdict="supported", metric="L/N", value=1.25, baseline=2.0,
              criterion="value < baseline in every seed", seeds=[0, 1, 2, 3, 4])
    kw.update(changes)
    return ClaimResult(**kw)


def test_schema_has_the_required_keys():
    required = {"claim", "verdict", "metric", "value", "baseline", "criterion", "seeds"}
    assert required <= set(SCHEMA_KEYS)
    assert set(VERDICTS) == {"supported", "refuted", "inconclusive"}


def test_valid_result_normalises_numpy_values_to_plain_python():
    r = _claim(value=np.float64(0.5), baseline=np.int64(3), seeds=(np.int64(0), 1), spread=np.float32(0.25),
               details={"per_seed": np.array([1.0, 2.0]), "flag": np.bool_(True), "nested": {"n": np.int32(4)}})
    assert type(r.value) is float and type(r.baseline) is int and type(r.spread) is float
    assert r.seeds == [0, 1] and all(type(s) is int for s in r.seeds)
    assert r.details == {"per_seed": [1.0, 2.0], "flag": True, "nested": {"n": 4}}
    assert type(r.details["flag"]) is bool


@pytest.mark.parametrize("verdict", ["passed", "Supported", "", None, True])
def test_bad_verdict_is_rejected_naming_it(verdict):
    with pytest.raises(ValueError, match="verdict"):
        _claim(verdict=verdict)


@pytest.mark.parametrize("field", ["claim", "metric", "criterion"])
def test_empty_required_text_is_rejected(field):
    with pytest.raises(ValueError, match=field):
        _claim(**{field: "  "})


@pytest.mark.parametrize("seeds", [[-1], [0, 0], [True], [0.5], "01"])
def test_bad_seeds_are_rejected(seeds):
    with pytest.raises((ValueError, TypeError), match="seeds"):
        _claim(seeds=seeds)


def test_empty_seeds_need_a_note_saying_the_claim_is_deterministic():
    with pytest.raises(ValueError, match="deterministic"):
        _claim(seeds=[])
    r = _claim(seeds=[], notes="deterministic: exact integer arithmetic")
    assert r.seeds == []


@pytest.mark.parametrize("field, bad", [("value", object()), ("baseline", torch.tensor(1.0)), ("spread", {1: 2.0}),
                                        ("details", {"x": {3, 4}})])
def test_non_json_values_are_rejected_naming_the_field(field, bad):
    with pytest.raises(TypeError, match=field):
        _claim(**{field: bad})


def test_figure_must_be_a_file_name_or_none():
    with pytest.raises(ValueError, match="figure"):
        _claim(figure="")
    assert _claim(figure="fig.png").figure == "fig.png"


def test_to_dict_is_strict_json_and_round_trips():
    r = _claim(value=[1.0, 2.5], baseline={"a": 1, "b": "x"}, spread=0.125, section="§1", hypothesis="h",
               protocol="p", figure="f.png", notes="n", details={"k": [1, 2]})
    d = r.to_dict()
    assert set(d) == set(SCHEMA_KEYS)
    back = ClaimResult.from_dict(json.loads(json.dumps(d, allow_nan=False)))
    assert back == r


def test_non_finite_floats_are_kept_but_written_as_null():
    r = _claim(value=math.nan, baseline=math.inf, details={"x": [1.0, -math.inf]})
    assert math.isnan(r.value)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["value"] is None and d["baseline"] is None and d["details"] == {"x": [1.0, None]}


def test_from_dict_rejects_unknown_and_missing_keys():
    d = _claim().to_dict()
    with pytest.raises(ValueError, match="unknown"):
        ClaimResult.from_dict({**d, "colour": "red"})
    d.pop("criterion")
    with pytest.raises(ValueError, match="criterion"):
        ClaimResult.from_dict(d)


def test_result_is_frozen():
    r = _claim()
    with pytest.raises(AttributeError):
        r.verdict = "refuted"  # type: ignore[misc]


def test_passed_property_follows_the_verdict():
    assert _claim(verdict="supported").passed is True
    assert _claim(verdict="refuted").passed is False
    assert _claim(verdict="inconclusive").passed is None


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30))
def test_mean_spread_matches_numpy_sample_statistics(xs):
    m, s, n = mean_spread(xs)
    assert n == len(xs)
    assert m == pytest.approx(float(np.mean(xs)), rel=1e-12, abs=1e-9)
    assert s == pytest.approx(float(np.std(xs, ddof=1)), rel=1e-9, abs=1e-6)


def test_mean_spread_drops_non_finite_values_and_handles_small_inputs():
    assert mean_spread([1.0, math.nan, 3.0, math.inf]) == (2.0, pytest.approx(math.sqrt(2.0)), 2)
    assert mean_spread([4.0]) == (4.0, 0.0, 1)
    m, s, n = mean_spread([])
    assert math.isnan(m) and math.isnan(s) and n == 0
    assert mean_spread(np.array([1, 2, 3])) == (2.0, 1.0, 3)


@pytest.mark.parametrize("bad", [[True, 1.0], ["1.0"], [None]])
def test_mean_spread_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="real numbers"):
        mean_spread(bad)


def test_verdict_from_truth_table():
    assert verdict_from(True) == "supported"
    assert verdict_from(np.bool_(False)) == "refuted"
    assert verdict_from(None) == "inconclusive"
    with pytest.raises(TypeError, match="passed"):
        verdict_from(1)  # type: ignore[arg-type]
