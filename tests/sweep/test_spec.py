"""The sweep spec (:mod:`resonant.sweep.spec`): expansion, hashing, loading and validation."""

import hashlib
import itertools
import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resonant.sweep import SpecError, SweepSpec, config_hash, load_spec
from resonant.sweep.spec import HASH_CHARS, canonical_json

REPO = Path(__file__).resolve().parents[2]


def _demo(**kw):
    return SweepSpec.from_dict({"target": "demo.quadratic", **kw})


# ------------------------------------------------------------------ expansion
def test_grid_is_the_cartesian_product_times_seeds():
    spec = _demo(grid={"x": [0.0, 1.0, 2.0], "y": [0.5, -0.5]}, seeds=2, base={"noise": 0.1})
    runs = spec.runs()
    expected = [(x, y, s) for x, y in itertools.product([0.0, 1.0, 2.0], [0.5, -0.5]) for s in (0, 1)]
    assert [(r.params["x"], r.params["y"], r.seed) for r in runs] == expected
    assert all(r.config["noise"] == pytest.approx(0.1) for r in runs)  # base applies to every run
    assert spec.swept == ["x", "y"]
    # one hash per point, shared by its seeds; run ids are hash-s<seed>
    assert len({r.config_hash for r in runs}) == 6
    assert all(r.run_id == f"{r.config_hash}-s{r.seed}" for r in runs)


def test_zip_varies_lists_together_and_multiplies_the_grid():
    spec = _demo(grid={"x": [0.0, 1.0]}, zip={"y": [1.0, 2.0, 3.0], "noise": [0.0, 0.1, 0.2]})
    pts = [(r.params["x"], r.params["y"], r.params["noise"]) for r in spec.runs()]
    assert pts == [(x, y, n) for x in (0.0, 1.0) for y, n in ((1.0, 0.0), (2.0, 0.1), (3.0, 0.2))]


def test_explicit_points_are_overlaid_on_base():
    spec = _demo(base={"y": 2.0}, points=[{"x": 1.0}, {"x": 3.0, "y": 0.0}])
    assert [(r.config["x"], r.config["y"]) for r in spec.runs()] == [(1, 2), (3, 0)]
    assert spec.swept == ["x", "y"]


def test_seeds_as_count_list_and_offset():
    assert _demo(base={"x": 0.0}, seeds=3).seeds == (0, 1, 2)
    assert _demo(base={"x": 0.0}, seeds=[5, 2]).seeds == (5, 2)
    assert _demo(base={"x": 0.0}, seeds=2, seed_offset=10).seeds == (10, 11)
    spec = _demo(base={"x": 0.0}, seeds=2).with_seed_offset(4)
    assert [r.seed for r in spec.runs()] == [4, 5]


def test_to_dict_round_trips():
    spec = _demo(grid={"x": [0.0, 1.0]}, zip={"y": [1.0, 2.0]}, points=[{"noise": 0.5}], seeds=[3, 1], name="n")
    assert SweepSpec.from_dict(spec.to_dict()) == spec


# ------------------------------------------------------------------ hashing
def test_config_hash_is_the_short_sha256_of_canonical_json():
    cfg = {"b": [1.5, 2], "a": "z", "c": {"y": True, "x": None}}
    text = json.dumps({"config": cfg, "target": "t"}, sort_keys=True, separators=(",", ":"))
    assert config_hash("t", cfg) == hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def test_hash_covers_the_resolved_config_not_the_spelling():
    # defaults filled in: writing the default explicitly is the same run; 1 and 1.0 are the same value
    a = _demo(base={"x": 1}).runs()[0]
    b = _demo(base={"x": 1.0, "y": 0.0, "noise": 0}).runs()[0]
    assert a.config_hash == b.config_hash
    assert _demo(base={"x": 1.5}).runs()[0].config_hash != a.config_hash
    # the target is part of the identity
    assert config_hash("demo.quadratic", a.config) == a.config_hash != config_hash("other", a.config)


@given(st.dictionaries(st.text(min_size=1, max_size=5),
                       st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                                 st.booleans(), st.text(max_size=5)), max_size=6))
def test_hash_ignores_key_order_and_is_hex(cfg):
    reordered = dict(reversed(list(cfg.items())))
    h = config_hash("t", cfg)
    assert h == config_hash("t", reordered)
    assert len(h) == HASH_CHARS and all(c in "0123456789abcdef" for c in h)


def test_canonical_json_refuses_non_finite_values():
    with pytest.raises(SpecError, match="nan"):
        canonical_json({"x": math.nan})


def test_duplicate_points_are_refused():
    with pytest.raises(SpecError, match="same configuration"):
        _demo(points=[{"x": 1}, {"x": 1.0}])


# ------------------------------------------------------------------ loading
def test_toml_and_json_files_give_the_same_spec(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('target = "demo.quadratic"\nseeds = 2\n[base]\nnoise = 0.1\n[grid]\nx = [0.0, 1.0]\n')
    js = tmp_path / "s.json"
    js.write_text(json.dumps({"target": "demo.quadratic", "seeds": 2, "base": {"noise": 0.1},
                              "grid": {"x": [0.0, 1.0]}}))
    assert load_spec(toml) == load_spec(js)


def test_example_regime_file_is_the_full_regime_map():
    from resonant.experiments.rcs_regimes import regime_spec

    spec = load_spec(REPO / "examples" / "sweeps" / "regimes.toml")
    assert [r.run_id for r in spec.runs()] == [r.run_id for r in regime_spec("full").runs()]


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        load_spec(tmp_path / "nope.toml")


@pytest.mark.parametrize(("name", "text", "match"), [
    ("bad.yaml", "x: 1", "unknown spec format '.yaml'"),
    ("bad.json", "{not json", "not valid JSON"),
    ("bad.toml", "target = ", "not valid TOML"),
])
def test_bad_files_say_what_is_wrong(tmp_path, name, text, match):
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(SpecError, match=match):
        load_spec(p)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(("spec", "match"), [
    ({"grid": {"x": [1.0]}}, "missing key 'target'"),
    ({"target": "nope", "grid": {"x": [1.0]}}, "unknown target='nope'"),
    ({"target": "demo.quadratic", "grdi": {"x": [1.0]}}, r"unknown key\(s\) \['grdi'\]"),
    ({"target": "demo.quadratic", "grid": {"x": 1.0}}, r"grid\['x'\]=1.0 must be a non-empty list"),
    ({"target": "demo.quadratic", "grid": {"x": []}}, r"grid\['x'\]=\[\] must be a non-empty list"),
    ({"target": "demo.quadratic", "grid": {"x": [1.0, 1.0]}}, "repeated values"),
    ({"target": "demo.quadratic", "zip": {"x": [1.0, 2.0], "y": [1.0]}}, "one length"),
    ({"target": "demo.quadratic", "grid": {"x": [1.0]}, "points": [{"x": 2.0}]}, r"\['x'\] appear in both grid"),
    ({"target": "demo.quadratic", "base": {"x": 1.0}, "seeds": 0}, "seeds=0 as a count must be >= 1"),
    ({"target": "demo.quadratic", "base": {"x": 1.0}, "seeds": [1, -2]}, "got -2"),
    ({"target": "demo.quadratic", "base": {"x": 1.0}, "seeds": [1, 1]}, "distinct"),
    ({"target": "demo.quadratic", "base": {"x": 1.0}, "seconds": -1}, "seconds=-1 must be"),
    ({"target": "demo.quadratic", "grid": {"x": [1.0, "a"]}}, "x='a' must be a finite number"),
    ({"target": "demo.quadratic", "base": {"x": 1.0, "z": 2}}, r"unknown parameter\(s\) \['z'\]"),
    ({"target": "demo.quadratic", "base": {"x": 1.0, "noise": -1.0}}, "noise=-1.0 is out of range"),
    ({"target": "demo.quadratic", "base": {"x": [1.0, float("inf")]}}, "must be finite"),
])
def test_invalid_specs_name_the_key_and_value(spec, match):
    with pytest.raises(SpecError, match=match):
        SweepSpec.from_dict(spec)


@pytest.mark.parametrize(("base", "match"), [
    ({"kappa": -1.0}, "RCSConfig.kappa=-1.0 is out of range"),
    ({"theta_div": 1.5}, "RCSConfig.theta_div=1.5"),
    ({"kapa": 1.0}, r"unknown parameter\(s\) \['kapa'\]"),
    ({"stream": "noise"}, "stream='noise' must be one of"),
    ({"stream.rat": 1.0}, "unknown stream parameter 'stream.rat'"),
    ({"stream.rate": -1.0}, "rate must be finite >= 0.0"),
    ({"seconds": None}, "missing parameter 'seconds'"),
])
def test_rcs_stream_points_are_validated_at_load_time(base, match):
    with pytest.raises(SpecError, match=match):
        SweepSpec.from_dict({"target": "rcs.stream", "base": {"seconds": 1.0, **base}})


def test_rcs_stream_resolves_every_default_and_stream_parameter():
    from resonant.rcs.config import RCSConfig

    run = SweepSpec.from_dict({"target": "rcs.stream", "seconds": 2.0, "base": {"kappa": 4}}).runs()[0]
    assert run.config["rcs"] == {**json.loads(canonical_json(RCSConfig().to_dict())), "kappa": 4}
    assert run.config["stream"] == "paper"
    assert run.config["stream_params"] == {"rate": 0.9, "f_range": [0.6, 4.5], "duration_range": [0.8, 2.8],
                                           "amplitude": 1}
    grouped = SweepSpec.from_dict({"target": "rcs.stream", "seconds": 2.0,
                                   "base": {"stream": "grouped", "stream.members": 4}}).runs()[0]
    assert grouped.config["stream_params"]["members"] == 4
    assert grouped.config["stream_params"]["frequencies"] == [1, 3]


def test_list_valued_parameters_can_be_swept():
    spec = SweepSpec.from_dict({"target": "rcs.stream", "seconds": 1.0,
                                "grid": {"stream.f_range": [[0.6, 4.5], [1.5, 2.5]]}})
    runs = spec.runs()
    assert [r.config["stream_params"]["f_range"] for r in runs] == [[0.6, 4.5], [1.5, 2.5]]
    assert runs[0].config_hash != runs[1].config_hash
    # the default written out explicitly is the default run
    assert runs[0].config_hash == SweepSpec.from_dict({"target": "rcs.stream", "seconds": 1.0}).runs()[0].config_hash


def test_target_registry_and_import_errors():
    from resonant.sweep import TARGETS, Target, get_target, register

    t = Target("test.twice", lambda p: {"a": float(p["a"])}, lambda c, s: {"y": 2 * c["a"]}, ("y",))
    try:
        assert register(t) is t and get_target("test.twice") is t
        assert [r.config for r in SweepSpec.from_dict({"target": "test.twice", "grid": {"a": [1, 2]}}).runs()] == [
            {"a": 1}, {"a": 2}]
        with pytest.raises(ValueError, match="already registered"):
            register(t)
    finally:
        TARGETS.pop("test.twice", None)
    with pytest.raises(TypeError, match="takes a Target"):
        register("demo")
    with pytest.raises(SpecError, match="could not be imported"):
        get_target("no_such_module_xyz:T")
    with pytest.raises(SpecError, match=r"not a resonant\.sweep\.targets\.Target"):
        get_target("math:pi")
