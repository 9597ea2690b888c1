"""The Hopfield / phasor-network baseline of the DRAI memory task (resonant.experiments.baselines)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from resonant.experiments.baselines import hopfield_recall, hopfield_weights


def _patterns(P: int, B: int, N: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (2.0 * torch.randint(0, 2, (P, B, N), generator=g) - 1.0).double()


def _flip(x: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    order = torch.rand(x.shape, generator=g).argsort(-1)[..., :n]
    return x.scatter(-1, order, -x.gather(-1, order))


def test_hopfield_weights_match_numpy_outer_product() -> None:
    xi = _patterns(4, 3, 12, 0)
    ref = np.einsum("pbi,pbj->bij", xi.numpy(), xi.numpy()) / 12
    ref[:, np.arange(12), np.arange(12)] = 0
    np.testing.assert_allclose(hopfield_weights(xi).numpy(), ref, atol=1e-15)
    theta = 6.0 * torch.rand(3, 2, 7, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    z = torch.polar(torch.ones_like(theta), theta)
    refc = np.einsum("pbi,pbj->bij", z.numpy(), z.numpy().conj()) / 7
    refc[:, np.arange(7), np.arange(7)] = 0
    Wc = hopfield_weights(z)
    np.testing.assert_allclose(Wc.numpy(), refc, atol=1e-15)
    assert torch.allclose(Wc, Wc.transpose(-1, -2).conj())  # Hermitian


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_recall_of_one_stored_pattern_from_10pct_cue_is_exact(mode: str) -> None:
    xi = _patterns(1, 8, 100, 2)  # one pattern in each of 8 networks
    W = hopfield_weights(xi)
    cue = _flip(xi[0], 10, 3).unsqueeze(1)  # (8, 1, 100), 10 % flipped
    assert bool(((cue != xi[0].unsqueeze(1)).sum(-1) == 10).all())
    res = hopfield_recall(W, cue, mode=mode, generator=torch.Generator().manual_seed(4))
    assert torch.equal(res.states, xi[0].unsqueeze(1))
    assert bool(res.converged.all())
    # one sweep corrects every unit (each field is 0.8 s_i), the second sees no change
    assert bool((res.sweeps == 2).all())


def _numpy_async(W: np.ndarray, s0: np.ndarray, orders: list[np.ndarray]) -> np.ndarray:
    """Reference: element by element, unit by unit asynchronous sign updates with the given orders."""
    s = s0.copy()
    B, R, _ = s.shape
    for order in orders:
        for b in range(B):
            for r in range(R):
                for k in order[b, r]:
                    h = float(W[b, k] @ s[b, r])
                    if h > 0:
                        s[b, r, k] = 1.0
                    elif h < 0:
                        s[b, r, k] = -1.0
    return s


def test_async_recall_matches_numpy_reference_with_the_same_orders() -> None:
    xi = _patterns(6, 2, 20, 5)
    W = 20 * hopfield_weights(xi)  # integer weights: every field is exact, so ties (h = 0) are the same in both
    assert torch.equal(W, W.round())
    cue = _flip(xi[:3].transpose(0, 1), 6, 6)  # (2, 3, 20): 30 % flipped, crosstalk-heavy
    sweeps = 3
    res = hopfield_recall(W, cue, mode="async", max_sweeps=sweeps, generator=torch.Generator().manual_seed(7))
    g = torch.Generator().manual_seed(7)  # the same draws hopfield_recall makes: one order per sweep
    orders = [torch.rand((2, 3, 20), generator=g).argsort(-1).numpy() for _ in range(sweeps)]
    ref = _numpy_async(W.numpy(), cue.numpy(), orders)
    # states that converged earlier stop drawing no extra change, so compare only the final states
    np.testing.assert_array_equal(res.states.numpy(), ref)


@given(seed=st.integers(0, 10_000), P=st.integers(1, 12), flips=st.integers(0, 15))
def test_async_ends_in_a_fixed_point_with_lower_energy(seed: int, P: int, flips: int) -> None:
    N = 30
    xi = _patterns(P, 2, N, seed)
    W = hopfield_weights(xi)
    cue = _flip(xi[:1].transpose(0, 1).expand(2, 2, N).clone(), flips, seed + 1)
    res = hopfield_recall(W, cue, mode="async", max_sweeps=200, generator=torch.Generator().manual_seed(seed))
    assert bool(res.converged.all())  # symmetric W, zero diagonal: async dynamics always converge
    s = res.states.numpy()
    h = np.einsum("bij,brj->bri", W.numpy(), s)
    assert np.all((h * s >= 0) | (np.abs(h) < 1e-12))  # every unit agrees with its field (ties keep the state)

    def energy(x: np.ndarray) -> np.ndarray:
        return -0.5 * np.einsum("bri,bij,brj->br", x, W.numpy(), x)

    assert np.all(energy(s) <= energy(cue.numpy()) + 1e-12)


def test_sync_two_cycle_is_reported_as_not_converged() -> None:
    W = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    s0 = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    res = hopfield_recall(W, s0, mode="sync", max_sweeps=5)
    assert not bool(res.converged.any())
    assert int(res.sweeps) == 5
    assert torch.equal(res.states, torch.tensor([[-1.0, 1.0]], dtype=torch.float64))  # odd number of flips


def test_phasor_network_recalls_a_continuous_phase_pattern() -> None:
    g = torch.Generator().manual_seed(8)
    theta = 2 * math.pi * torch.rand(1, 4, 60, generator=g, dtype=torch.float64)
    z = torch.polar(torch.ones_like(theta), theta)
    W = hopfield_weights(z)
    cue_theta = theta[0].clone()
    cue_theta[:, :12] = 2 * math.pi * torch.rand(4, 12, generator=g, dtype=torch.float64)  # 20 % randomised
    s0 = torch.polar(torch.ones_like(cue_theta), cue_theta).unsqueeze(1)
    res = hopfield_recall(W, s0, mode="async", generator=g, tol=1e-10)
    assert bool(res.converged.all())
    assert torch.allclose(res.states.abs(), torch.ones(4, 1, 60, dtype=torch.float64))
    m = (res.states[:, 0] * z[0].conj()).mean(-1).abs()  # overlap up to a global rotation
    assert bool((m > 1 - 1e-9).all())


def test_recall_is_reproducible_by_seed() -> None:
    xi = _patterns(8, 3, 40, 9)
    W = hopfield_weights(xi)
    cue = _flip(xi[:4].transpose(0, 1), 8, 10)
    a = hopfield_recall(W, cue, generator=torch.Generator().manual_seed(11))
    b = hopfield_recall(W, cue, generator=torch.Generator().manual_seed(11))
    assert torch.equal(a.states, b.states) and torch.equal(a.sweeps, b.sweeps)


def test_bad_inputs_raise_naming_the_problem() -> None:
    W = hopfield_weights(_patterns(2, 1, 5, 0))
    s = torch.ones(1, 1, 5, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="mode"):
        hopfield_recall(W, s, mode="glauber", generator=g)
    with pytest.raises(ValueError, match="s0 must have shape"):
        hopfield_recall(W, torch.ones(1, 5, dtype=torch.float64), generator=g)
    with pytest.raises(ValueError, match="W must have shape"):
        hopfield_recall(torch.ones(1, 5, 4, dtype=torch.float64), s, generator=g)
    with pytest.raises(ValueError, match="s0 contains NaN"):
        hopfield_recall(W, torch.full_like(s, math.nan), generator=g)
    with pytest.raises(ValueError, match=r"torch\.Generator"):
        hopfield_recall(W, s, mode="async")
    with pytest.raises(ValueError, match="both be real"):
        hopfield_recall(W, s.to(torch.complex128), generator=g)
    with pytest.raises(ValueError, match="max_sweeps"):
        hopfield_recall(W, s, max_sweeps=0, generator=g)
    with pytest.raises(ValueError, match="patterns must have shape"):
        hopfield_weights(torch.ones(5))
