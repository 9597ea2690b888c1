"""The vowel stream (labels hidden, side table) and the RCS vowel experiment (smoke size)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from resonant.core.errors import ConfigError
from resonant.datasets.vowel_stream import VowelStream
from resonant.datasets.vowels import load_vowels, synthetic_vowels
from resonant.experiments.rcs_vowels import (
    SIZES,
    VowelExperimentConfig,
    VowelSnapshotRecorder,
    run_rcs_vowels,
    run_vowel_seed,
)
from resonant.rcs.engine import Engine
from resonant.readouts.classification import carrier_features

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hillenbrand_vowels.csv"
F3 = np.array([[700.0, 1200.0], [300.0, 2400.0], [550.0, 900.0]])


def test_vowel_stream_hides_labels_and_its_side_table_names_the_engine_oscillators():
    vs = VowelStream(F3, np.array([2, 0, 4]), ["a", "i", "o"], scale=600.0, duration=3.0, gap=4.0, t_start=0.5)
    assert [t.onset for t in vs.tokens] == [0.5, 7.5, 14.5] and vs.seconds == pytest.approx(21.5)
    sigs = vs.events(0.0, vs.seconds)
    assert len(sigs) == 6 and all(s.label == -1 for s in sigs)  # the engine never sees the vowel
    assert sigs[0].phase == sigs[1].phase != sigs[2].phase  # one common onset phase per token
    e = Engine(seed=0)
    e.run(vs, 7.5 + 1.5)  # middle of token 1's burst; token 0's oscillators have rung down and left
    obs = e.observe()
    tok = vs.tokens[1]
    assert obs.osc_id.tolist() == list(tok.osc_ids) and (obs.label == -1).all()
    np.testing.assert_allclose(obs.omega.numpy() / (2 * math.pi), [tok.F1 / 600.0, tok.F2 / 600.0], rtol=1e-12)
    assert tok.vowel == "i" and tok.label == 0 and vs.token_of_oscillator()[tok.osc_ids[1]] == 1


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(F=np.ones((3, 3))), "shape"), (dict(F=np.array([[700.0, -1.0]])), "token 0"),
    (dict(labels=np.array([0.5, 1.0, 2.0])), "labels"), (dict(scale=0.0), "scale"),
    (dict(gap=-1.0), "gap"), (dict(duration=float("nan")), "duration"), (dict(seed=-2), "seed"),
    (dict(vowels=["a"]), "vowels"),
])
def test_vowel_stream_rejects_bad_input(kwargs, match):
    args = dict(F=F3, labels=np.array([0, 1, 2]))
    args.update(kwargs)
    if "F" in kwargs and kwargs["F"].shape[0] == 1:
        args["labels"] = np.array([0])
    with pytest.raises(ValueError, match=match):
        VowelStream(**args)


def test_snapshot_recorder_takes_the_scheduled_observations():
    cfg = VowelExperimentConfig(duration=1.0, gap=3.0, obs_start=0.5, obs_every=0.25)
    assert cfg.offsets.tolist() == [0.5, 0.75, 1.0]
    vs = VowelStream(F3[:2], np.array([0, 1]), duration=1.0, gap=3.0, t_start=0.5)
    rec = VowelSnapshotRecorder(vs, cfg.offsets, 0.005)
    Engine(seed=1).run(vs, vs.seconds, recorder=rec)
    assert [r["token"] for r in rec.rows] == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose([r["t"] for r in rec.rows], [1.0, 1.25, 1.5, 5.0, 5.25, 5.5], atol=1e-9)
    # an independent engine stepped to the second snapshot of token 1 and observed by hand
    e = Engine(seed=1)
    e.run(vs, 5.25)
    obs = e.observe()
    row = rec.rows[4]
    np.testing.assert_allclose(rec.h[4], carrier_features(obs), rtol=1e-12)
    assert row["L_comp"] == obs.L_comp and row["tokens_present"] == 1
    # the hard eq. (33) assignment of token 1's oscillators, by a loop over the edges
    best: dict[int, tuple[float, int]] = {}
    for o, c, m in zip(obs.osc.tolist(), obs.car.tolist(), obs.m.tolist(), strict=True):
        oid, cid = obs.osc_id[o].item(), obs.car_id[c].item()
        if m > 0 and (oid not in best or m > best[oid][0]):
            best[oid] = (m, cid)
    assert row["assign"] == [best.get(oid, (0, -1))[1] for oid in vs.tokens[1].osc_ids]


def test_experiment_config_validates_and_sizes_are_declared():
    with pytest.raises(ConfigError, match="obs_start"):
        VowelExperimentConfig(obs_start=5.0)
    with pytest.raises(ConfigError, match="train_frac"):
        VowelExperimentConfig(train_frac=1.0)
    with pytest.raises(ConfigError, match="tokens_per_vowel"):
        VowelExperimentConfig(tokens_per_vowel=0)
    assert SIZES["full"].tokens_per_vowel is None and SIZES["full"].n_seeds >= 5
    with pytest.raises(ValueError, match="size"):
        run_rcs_vowels(synthetic_vowels(5), size="huge")


def test_smoke_run_is_a_reproducible_json_record():
    data = load_vowels(DATA, fallback=True) if DATA.is_file() else synthetic_vowels(seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rec = run_rcs_vowels(data, size="smoke")
    text = json.dumps(rec)  # plain types only
    assert json.loads(text)["summary"] == rec["summary"]
    assert rec["seeds"] == [0, 1] and len(rec["per_seed"]) == 2
    for r in rec["per_seed"]:
        assert (r["n_tokens"], r["n_train"], r["n_test"]) == (25, 20, 5)
        for k in ("readout_accuracy", "lr_raw_accuracy", "lr_carrier_accuracy"):
            assert 0.0 <= r[k] <= 1.0 and r[k] * 5 == pytest.approx(round(r[k] * 5))  # 5 test tokens
        assert 0.0 <= r["both_formants_on_one_carrier"] <= 1.0
        assert -1.0 <= r["ari_assignment_vs_vowel"] <= 1.0
        assert r["L_comp_per_token"] > 0 and r["counters"]["arrivals"] == 50
    s = rec["summary"]["readout_accuracy"]
    vals = [r["readout_accuracy"] for r in rec["per_seed"]]
    assert s["mean"] == pytest.approx(np.mean(vals)) and s["std"] == pytest.approx(np.std(vals, ddof=1))


def test_missing_data_falls_back_to_synthetic_says_so_and_the_same_seed_gives_the_same_numbers(tmp_path):
    cfg = VowelExperimentConfig(tokens_per_vowel=2, n_seeds=1, train_frac=0.5)  # 10 tokens: 5 train, 5 test
    with pytest.warns(UserWarning, match="SYNTHETIC"):
        rec = run_rcs_vowels(tmp_path / "missing.csv", config=cfg, seeds=[3])
    assert rec["data_source"] == "synthetic" and rec["vowels"] == ["a", "e", "i", "o", "u"]
    assert rec["per_seed"][0]["n_tokens"] == 10 and rec["per_seed"][0]["n_test"] == 5
    again = run_vowel_seed(synthetic_vowels(), 3, cfg)  # the fallback's sample is synthetic_vowels(seed=0)
    for k, v in rec["per_seed"][0].items():
        if k != "engine_wall_seconds":
            assert again[k] == v, k
    with pytest.raises(FileNotFoundError, match=r"missing\.csv"):
        run_rcs_vowels(tmp_path / "missing.csv", config=cfg, fallback=False)
