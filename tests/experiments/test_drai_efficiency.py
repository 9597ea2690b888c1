"""DRAI task 5 (efficiency of resonance-gated updates): gates, counts, read-out, backprop FLOPs, smoke run."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math

import numpy as np
import pytest
import torch

from resonant.core.errors import ConfigError
from resonant.drai import DRAIConfig, DRAINetwork, Stimulus, binary_patterns, flip_units, outer_product_weights
from resonant.drai.gate import resonance_gate
from resonant.experiments.claims import VERDICTS, ClaimResult
from resonant.experiments.drai_efficiency import (
    CONDITIONS,
    SIZES,
    EfficiencyConfig,
    backprop_flops,
    claims_drai_efficiency,
    figure_drai_efficiency,
    gated_window,
    quantile_gate,
    random_gate,
    recall_accuracy,
    run_drai_efficiency,
)

F64 = torch.float64


def _sym_plv(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=g, dtype=F64)
    x = torch.triu(x, 1)
    return x + x.transpose(-1, -2)


@pytest.mark.parametrize(("N", "density"), [(6, 0.2), (10, 0.1), (17, 0.05)])
def test_random_gate_has_exactly_the_requested_density_and_is_uniform(N, density):
    M = N * (N - 1) // 2
    k = int(math.floor(density * M))
    g = torch.Generator().manual_seed(3)
    masks = random_gate((400, N, N), k, g)
    assert masks.dtype == torch.bool
    assert torch.equal(masks, masks.transpose(-1, -2))
    assert not masks.diagonal(dim1=-2, dim2=-1).any()
    assert (masks.sum((-1, -2)) == 2 * k).all()  # exactly k unordered pairs per matrix
    freq = masks.double().mean(0)[torch.triu_indices(N, N, 1).unbind()]
    # every pair has probability k/M; 400 draws: binomial s.d. ≤ 0.025
    assert float((freq - k / M).abs().max()) < 6 * math.sqrt((k / M) * (1 - k / M) / 400) + 1e-12
    again = random_gate((400, N, N), k, torch.Generator().manual_seed(3))
    assert torch.equal(masks, again)


def test_quantile_gate_writes_exactly_the_top_k_pairs_and_matches_the_engine_gate():
    N, density = 12, 0.1
    plv = _sym_plv((3, N, N), 0)
    mask, theta = quantile_gate(plv, density)
    k = int(math.floor(density * N * (N - 1) // 2))
    iu = np.triu_indices(N, 1)
    for b in range(3):
        upper = np.sort(plv[b].numpy()[iu])[::-1]
        assert theta[b].item() == upper[k - 1]  # the k-th largest PLV (numpy sort)
        assert int(mask[b].sum()) == 2 * k
        assert bool((plv[b][mask[b]] >= theta[b]).all())  # never a pair below threshold
        assert torch.equal(mask[b], resonance_gate(plv[b], float(theta[b])))
    with pytest.raises(ValueError, match="density"):
        quantile_gate(plv, 0.0)
    with pytest.raises(ValueError, match="plv"):
        quantile_gate(plv[0, 0], 0.1)


def _learning_net(batch_shape=(), seed=5, **kw):
    cfg = DRAIConfig(N=6, dt=0.1, window_steps=6, transient_steps=2, noise=0.02, eta=0.1, decay=0.1, **kw)
    return DRAINetwork(cfg, seed=seed, batch_shape=batch_shape)


def _stimulus(P=3, N=6, batch=()):
    xi = binary_patterns(P * int(np.prod(batch) or 1), N, torch.Generator().manual_seed(9))
    return Stimulus(xi.reshape(P, *batch, N), mode="force", strength=2.0)


def test_gated_window_without_a_gate_is_the_engines_learn():
    ours, engine = _learning_net((2,)), _learning_net((2,))
    stim = _stimulus(batch=(2,))
    for _ in range(3):
        gated_window(ours, stim, None)
        engine.learn(stim)
    torch.testing.assert_close(ours.W, engine.W, rtol=0, atol=0)
    for name in ("dynamics_ops", "statistics_ops", "weight_writes", "windows"):
        assert getattr(ours.counter, name) == getattr(engine.counter, name), name


def test_resonance_window_equals_the_engine_gated_update_at_the_same_threshold():
    stim = _stimulus()
    ours = _learning_net()
    gated_window(ours, stim, None)  # a non-zero W first, so untouched entries are visible
    wc = gated_window(ours, stim, "resonance", density=0.2)
    engine = _learning_net()
    engine.learn(stim)
    engine.config = engine.config.replace(gate_threshold=float(wc.theta))
    res = engine.learn(stim)
    torch.testing.assert_close(ours.W, engine.W, rtol=0, atol=0)
    M = 15
    assert int(wc.writes) == int(res.mask.sum()) == 2 * int(math.floor(0.2 * M))
    assert bool((res.plv[res.mask] >= wc.theta).all())


def test_gated_window_never_writes_outside_the_gate():
    net = _learning_net()
    stim = _stimulus()
    gated_window(net, stim, None)
    before = net.W.clone()
    g = torch.Generator().manual_seed(1)
    mask = random_gate((6, 6), 4, g)
    gated_window(net, stim, mask)
    assert torch.equal(net.W[~mask], before[~mask])
    assert bool((net.W[mask] != before[mask]).all())
    with pytest.raises(ValueError, match="shape"):
        gated_window(net, stim, mask[:5, :5])
    with pytest.raises(ValueError, match="Generator"):
        gated_window(net, stim, "random", density=0.2)
    with pytest.raises(ConfigError, match="cosine rule"):
        gated_window(_learning_net(surprise=True), stim, None)


def test_operation_counts_match_a_hand_count_on_a_tiny_network():
    N, P, steps, transient = 4, 2, 3, 1
    cfg = DRAIConfig(N=N, dt=0.1, window_steps=steps, transient_steps=transient, noise=0.0, eta=0.1, decay=0.1)
    net = DRAINetwork(cfg, seed=2)
    xi = binary_patterns(P, N, torch.Generator().manual_seed(4))
    stim = Stimulus(xi, mode="force", strength=2.0)
    M, k = N * (N - 1) // 2, 3  # density 0.5 → k = 3 of the M = 6 unordered pairs
    gated_window(net, stim, "resonance", density=0.5)
    nnz = int((net.W != 0).sum())
    assert nnz == 2 * k
    gated_window(net, stim, "resonance", density=0.5)
    samples = steps - transient
    hand = dict(
        dynamics_ops=0 + steps * 4 * nnz * P,  # window 1 starts from W = 0; RK4: 4 evaluations per step
        statistics_ops=2 * samples * N * N * P,  # N² products z_i z̄_j per sample per presentation
        pair_evaluations=2 * (N * (N - 1) + M),  # PLV tests + quantile selection, per window
        weight_writes=2 * 2 * k,  # ordered entries
        windows=2,
    )
    for name, v in hand.items():
        assert getattr(net.counter, name) == v, name
    assert net.counter.flops == 2 * (hand["dynamics_ops"] + hand["statistics_ops"]) + hand["pair_evaluations"] \
        + 2 * hand["weight_writes"]


def test_recall_accuracy_ignores_the_scale_of_W_and_a_zero_W_keeps_the_cue():
    cfg = dataclasses.replace(SIZES["smoke"], recall_steps=300)
    N, P, B, C = cfg.N, 1, 2, 3
    gen = torch.Generator().manual_seed(0)
    xi = binary_patterns(P * B, N, gen).reshape(P, B, N)
    W = outer_product_weights(xi)  # (B, N, N)
    cues = flip_units(xi.unsqueeze(0).expand(C, P, B, N), 0.125, gen, jitter=0.1)
    a1 = recall_accuracy(W, xi, cues, cfg)
    a3 = recall_accuracy(3.0 * W, xi, cues, cfg)
    torch.testing.assert_close(a1, a3, rtol=1e-9, atol=1e-9)
    assert bool((a1 == 100.0).all())  # one stored pattern is recalled exactly from a 2-of-16-flipped cue
    a0 = recall_accuracy(torch.zeros_like(W), xi, cues, cfg)
    assert torch.allclose(a0, torch.full((B,), 100.0 * (1 - 2 / N), dtype=F64))  # 2 of 16 flipped units stay wrong
    with pytest.raises(ValueError, match="shapes"):
        recall_accuracy(W[:1], xi, cues, cfg)


def test_backprop_flops_hand_count():
    # N = 3, H = 2: forward 2(3·2 + 2·3) + 2(2 + 3) = 34; params 6 + 2 + 6 + 3 = 17
    f = backprop_flops(3, 2, samples=10, steps=2)
    assert f["forward_per_sample"] == 34 and f["params"] == 17
    assert f["train"] == 3 * 34 * 10 + 10 * 17 * 2


def test_config_rejects_bad_values():
    with pytest.raises(ConfigError, match="checkpoints"):
        EfficiencyConfig(windows=5, checkpoints=(1, 3))
    with pytest.raises(ConfigError, match="checkpoints"):
        EfficiencyConfig(windows=5, checkpoints=(2, 2, 5))
    with pytest.raises(ConfigError, match="loads"):
        EfficiencyConfig(loads=(5, 5))
    with pytest.raises(ConfigError, match="density"):
        EfficiencyConfig(density=1.5)
    with pytest.raises(ConfigError, match="transient_steps"):
        EfficiencyConfig(window_steps=10, transient_steps=10)
    with pytest.raises(ValueError, match="size"):
        run_drai_efficiency("huge")
    with pytest.raises(ValueError, match="seeds"):
        run_drai_efficiency("smoke", seeds=[1, 1])


@pytest.fixture(scope="module")
def smoke_record():
    return run_drai_efficiency("smoke", seeds=[0, 1])


def test_smoke_run_measures_the_declared_densities(smoke_record):
    r = smoke_record.to_dict()
    json.dumps(r)  # JSON-serialisable
    (L,) = r["loads"]
    cfg = SIZES["smoke"]
    rho = cfg.k_pairs / cfg.n_pairs
    assert L["conditions"]["dense"]["write_density"] == [1.0, 1.0]
    for c in ("resonance", "random"):
        assert L["conditions"][c]["write_density"] == pytest.approx([rho, rho], abs=1e-12)
    for c in CONDITIONS:
        acc = np.asarray(L["conditions"][c]["accuracy"])
        assert acc.shape == (2, len(cfg.checkpoints)) and ((acc >= 0) & (acc <= 100)).all()
        counts = L["conditions"][c]["counts_by_checkpoint"]
        assert [d["windows"] for d in counts] == list(cfg.checkpoints)
        assert all(b["flops"] > a["flops"] for a, b in itertools.pairwise(counts))
    assert L["conditions"]["resonance"]["counts_final"]["pair_evaluations"] > 0
    assert L["conditions"]["dense"]["counts_final"]["pair_evaluations"] == 0


def test_same_seeds_give_identical_numbers():
    tiny = EfficiencyConfig(N=10, loads=(2,), windows=2, checkpoints=(1, 2), window_steps=8, transient_steps=2,
                            cues_per_pattern=1, recall_steps=20, bp_hidden=8, bp_max_steps=10)
    a, b = run_drai_efficiency(tiny, seeds=[3, 1]).to_dict(), run_drai_efficiency(tiny, seeds=[3, 1]).to_dict()
    a.pop("wall_seconds")
    b.pop("wall_seconds")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_smoke_run_makes_claims_and_a_figure(smoke_record, tmp_path):
    claims = claims_drai_efficiency(smoke_record)
    assert len(claims) == 4 and all(isinstance(c, ClaimResult) and c.verdict in VERDICTS for c in claims)
    assert claims[0].seeds == [0, 1]
    path = figure_drai_efficiency(smoke_record, tmp_path / "eff.png")
    assert path.exists() and path.stat().st_size > 1000
