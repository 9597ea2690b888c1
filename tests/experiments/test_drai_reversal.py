"""DRAI task 4 (reversal learning with surprise): relearning time, schedule, presentations, recall, smoke run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from resonant.core.errors import ConfigError
from resonant.core.phases import wrap_pi
from resonant.drai import binary_patterns, outer_product_weights
from resonant.experiments.claims import VERDICTS, ClaimResult
from resonant.experiments.drai_reversal import (
    CONDITIONS,
    SIZES,
    WORLDS,
    ReversalConfig,
    claims_drai_reversal,
    figure_drai_reversal,
    phase_of,
    recall_accuracy,
    relearning_time,
    run_drai_reversal,
    schedule,
    window_patterns,
)

F64 = torch.float64


@pytest.mark.parametrize(("acc", "stay", "expected"), [
    ([0.5, 0.95, 0.8, 0.9, 0.92, 0.91, 0.5], 3, 4),  # the first run of 3 at or above 0.9 starts at window 4
    ([0.5, 0.95, 0.8, 0.9, 0.92, 0.91, 0.5], 1, 2),  # stay = 1: the first crossing
    ([0.5, 0.6, 0.95, 0.96], 3, None),  # a run cut by the phase end does not count (censored)
    ([0.91, 0.92, 0.93], 3, 1),
    ([], 2, None),
])
def test_relearning_time_is_the_first_window_of_a_run_above_threshold(acc, stay, expected):
    assert relearning_time(acc, 0.9, stay) == expected


def test_relearning_time_rejects_bad_input():
    with pytest.raises(ValueError, match="stay"):
        relearning_time([0.9], 0.9, 0)
    with pytest.raises(ValueError, match="one-dimensional"):
        relearning_time(np.ones((2, 2)), 0.9, 1)


def test_schedule_depends_on_the_seed_only_and_has_the_requested_rate():
    a = schedule(4, 4000, 0.3)
    assert a.dtype == bool and a.shape == (4000,)
    assert abs(a.mean() - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 4000)
    assert np.array_equal(a, schedule(4, 4000, 0.3))
    assert not np.array_equal(a, schedule(5, 4000, 0.3))
    assert np.array_equal(schedule(4, 10, 0.3), a[:10])  # a prefix of the same stream


def test_phases_and_presentations_follow_the_protocol():
    cfg = ReversalConfig(n_cue=3, n_resp=3, acquire=4, reverse=3, back=2, pre_windows=2)
    assert [phase_of(n, cfg) for n in range(cfg.windows)] == [0] * 4 + [1] * 3 + [2] * 2
    with pytest.raises(ValueError, match="window"):
        phase_of(cfg.windows, cfg)
    S, N = 2, cfg.N
    AB, AC, U = (torch.full((S, N), float(v), dtype=F64) for v in (1, 2, 3))
    unrelated = torch.tensor([True, False])
    for n, expect_blocked, expect_cur in ((0, (1, 3), 1), (5, (2, 2), 2), (8, (1, 1), 1)):
        psi = window_patterns(n, cfg, unrelated, AB, AC, U)
        assert psi.shape == (2, 2 * S, N)
        blocked, inter = psi[:, :S], psi[:, S:]
        assert blocked[0].unique().tolist() == [expect_blocked[0]]  # blocked: (A→B, U) only while acquiring
        assert blocked[1].unique().tolist() == [expect_blocked[1]]
        assert inter[:, 0].unique().tolist() == [3.0]  # interleaved: U where the schedule says so ...
        assert inter[:, 1].unique().tolist() == [float(expect_cur)]  # ... the current association elsewhere


def test_condition_configs_match_the_declared_learning_rates():
    cfg = SIZES["full"]
    base = cfg.drai_config("baseline")
    assert not base.surprise and base.eta == cfg.eta and base.N == cfg.N
    assert cfg.drai_config("surprise").surprise and cfg.drai_config("surprise").eta == cfg.eta
    assert cfg.drai_config("global_m").eta == pytest.approx(cfg.eta * base.surprise_m_max)
    assert cfg.drai_config("global_peak").eta == pytest.approx(cfg.eta * base.surprise_m_max
                                                               * (1 + base.reactivation_gain))
    with pytest.raises(ValueError, match="condition"):
        cfg.drai_config("oracle")
    with pytest.raises(ConfigError, match="pre_windows"):
        ReversalConfig(acquire=5, pre_windows=6)
    with pytest.raises(ConfigError, match="threshold"):
        ReversalConfig(threshold=0.4)
    with pytest.raises(ValueError, match="seeds"):
        run_drai_reversal("smoke", seeds=[-1])


def test_recall_reads_the_stored_association_and_a_zero_W_leaves_the_starts():
    cfg = ReversalConfig(n_cue=6, n_resp=6, recall_steps=100)
    g = torch.Generator().manual_seed(1)
    B, T, nA = 3, 2, cfg.n_cue
    a = binary_patterns(B, nA, g)
    b = binary_patterns(B, cfg.n_resp, g)
    c = binary_patterns(B, cfg.n_resp, g)
    W = outer_product_weights(torch.cat([a, b], -1)[None])  # (B, N, N): A→B stored
    phi0 = 2 * math.pi * torch.rand((T, 2, B, cfg.N), generator=g, dtype=F64)
    acc = recall_accuracy(W, torch.stack([a, a]), torch.stack([b, c]), phi0, cfg)
    assert acc.shape == (T, 2, B)
    assert bool((acc[:, 0] == 1.0).all())  # the stored response is recalled exactly
    agree = (b == c).to(F64).mean(-1)  # recall gives b, so the accuracy against c is the agreement of b and c
    torch.testing.assert_close(acc[:, 1], agree.expand(T, B))
    acc0 = recall_accuracy(torch.zeros_like(W), torch.stack([a, a]), torch.stack([b, c]), phi0, cfg)
    # no coupling, ω = 0: the free units stay where they started
    expect = (wrap_pi(phi0[..., nA:] - torch.stack([b, c])).abs() < math.pi / 2).to(F64).mean(-1)
    torch.testing.assert_close(acc0, expect)
    torch.testing.assert_close(recall_accuracy(5.0 * W, torch.stack([a, a]), torch.stack([b, c]), phi0, cfg), acc)
    with pytest.raises(ValueError, match="shapes"):
        recall_accuracy(W, a[None], b[None], phi0, cfg)


@pytest.fixture(scope="module")
def smoke_record():
    return run_drai_reversal("smoke", seeds=[0, 2])


def test_smoke_run_records_every_condition_and_world(smoke_record):
    r = smoke_record.to_dict()
    json.dumps(r)  # JSON-serialisable
    cfg = SIZES["smoke"]
    assert r["switches"] == [cfg.acquire, cfg.acquire + cfg.reverse]
    assert r["eta"]["global_peak"] == pytest.approx(cfg.eta * 50)
    assert 1.0 <= r["peak_rate"]["blocked"] <= 50.0 + 1e-9
    for w in WORLDS:
        for k in CONDITIONS:
            res = r["results"][w][k]
            cur = np.asarray(res["accuracy_current"])
            assert cur.shape == (2, cfg.windows) and ((cur >= 0) & (cur <= 1)).all()
            for q, L in enumerate((cfg.reverse, cfg.back)):
                for t, tb in zip(res["relearning_time"][q], res["relearning_time_bounded"][q], strict=True):
                    assert (t is None and tb == L + 1) or (1 <= t <= L and tb == t)
            pre, during = np.asarray(res["unrelated_pre"]), np.asarray(res["unrelated_during"])
            np.testing.assert_allclose(res["unrelated_drop"], pre - during)


def test_same_seeds_give_identical_numbers(smoke_record):
    again = run_drai_reversal("smoke", seeds=[0, 2]).to_dict()
    first = smoke_record.to_dict()
    first.pop("wall_seconds")
    again.pop("wall_seconds")
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_smoke_run_makes_claims_and_a_figure(smoke_record, tmp_path):
    claims = claims_drai_reversal(smoke_record)
    assert len(claims) == 2 * len(WORLDS)
    assert all(isinstance(c, ClaimResult) and c.verdict in VERDICTS and c.seeds == [0, 2] for c in claims)
    path = figure_drai_reversal(smoke_record, tmp_path / "rev.png")
    assert path.exists() and path.stat().st_size > 1000
