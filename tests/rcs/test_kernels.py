"""The fused CPU kernel: edge partitions, the parallel variant, and the grouped edge list it relies on."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.rcs import Engine, PaperStream
from resonant.rcs.state import RCSState
from resonant.rcs.synthetic import bonded_population

numba = pytest.importorskip("numba")
kernels = pytest.importorskip("resonant.rcs.kernels")


def _edges_grouped(s: RCSState) -> bool:
    return bool((s.osc[1:] >= s.osc[:-1]).all())


# ---------------------------------------------------------------------------------- partitions
def _one_partition(lo, hi, E):
    return lo[0] == 0 and hi[0] == E and np.all(lo[1:] == E) and np.all(hi[1:] == E)


def test_small_edge_lists_are_one_partition():
    osc = np.repeat(np.arange(100), 4).astype(np.uint64)
    assert _one_partition(*kernels.partition_bounds(osc, osc.size), osc.size)


def test_grouped_edges_are_cut_at_the_oscillator_boundaries_after_each_share():
    rng = np.random.default_rng(0)
    osc = np.sort(rng.integers(0, 20_000, kernels.PARALLEL_MIN_EDGES + 123)).astype(np.uint64)
    E = osc.size
    lo, hi = kernels.partition_bounds(osc, E)
    assert lo[0] == 0 and hi[-1] == E and np.all(hi[:-1] == lo[1:])  # contiguous cover of the edges
    for p in range(1, kernels.NPART):
        cut, share = int(lo[p]), p * E // kernels.NPART
        assert share <= cut < E
        assert osc[cut - 1] < osc[cut]  # neighbouring partitions share no oscillator
        assert np.all(osc[share:cut] == osc[share])  # and the cut is the first boundary at or after the share


def test_ungrouped_edges_are_not_cut():
    rng = np.random.default_rng(1)
    osc = rng.integers(0, 20_000, kernels.PARALLEL_MIN_EDGES + 5).astype(np.uint64)
    assert _one_partition(*kernels.partition_bounds(osc, osc.size), osc.size)


# ------------------------------------------------------------------------ grouped edge list
@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=40), st.lists(st.integers(0, 30), max_size=40))
def test_append_edges_is_a_stable_merge_by_oscillator(old, new):
    s = RCSState.empty(torch.device("cpu"), torch.float64)
    old_osc = torch.tensor(sorted(old), dtype=torch.int64)
    s.append_edges(old_osc, torch.arange(len(old)), torch.arange(len(old), dtype=torch.float64))
    new_osc = torch.tensor(new, dtype=torch.int64)
    s.append_edges(new_osc, 100 + torch.arange(len(new)), 100.0 + torch.arange(len(new), dtype=torch.float64))
    # reference: concatenate, then a stable sort by oscillator
    osc = torch.cat([old_osc, new_osc])
    car = torch.cat([torch.arange(len(old)), 100 + torch.arange(len(new))])
    order = torch.argsort(osc, stable=True)
    assert torch.equal(s.osc, osc[order])
    assert torch.equal(s.car, car[order])
    assert torch.equal(s.P, car[order].to(torch.float64))


def test_a_checkpoint_with_ungrouped_edges_is_grouped_on_load():
    s = RCSState.empty(torch.device("cpu"), torch.float64)
    d = s.state_dict()
    d.update(osc=torch.tensor([2, 0, 1, 0]), car=torch.tensor([0, 1, 2, 3]), P=torch.tensor([1.0, 2.0, 3.0, 4.0]))
    t = RCSState.from_state_dict(d, torch.device("cpu"))
    assert t.osc.tolist() == [0, 0, 1, 2] and t.car.tolist() == [1, 3, 2, 0] and t.P.tolist() == [2.0, 4.0, 3.0, 1.0]


def test_the_engine_keeps_its_edges_grouped_through_a_stream():
    e = Engine(seed=2)
    for _ in range(6):
        e.run(PaperStream(2), 2.0)
        assert _edges_grouped(e.state)
    assert e.counters["recruitments"] > 0  # edges were added to existing oscillators


# ------------------------------------------------------------------------ parallel variant
N_PAR = kernels.PARALLEL_MIN_EDGES // 4 + 500  # 4 bonds each: just above the partition threshold


def _state_after(threads: int, steps: int) -> dict[str, torch.Tensor]:
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        e = bonded_population(N_PAR, rng=3, seed=3, backend="numba")
        assert e.state.nnz >= kernels.PARALLEL_MIN_EDGES
        e.advance(steps)
        return {**e.state.tensors(), "counters": torch.tensor(list(e.counters.values()))}
    finally:
        numba.set_num_threads(before)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
def test_two_threads_give_bit_identical_numbers_to_one():
    one, two = _state_after(1, 45), _state_after(2, 45)
    assert kernels.advance_block_parallel.signatures  # the 2-thread run went through the parallel variant
    assert one.keys() == two.keys()
    for k in one:
        assert torch.equal(one[k], two[k]), k


def test_partitioned_kernel_agrees_with_the_torch_reference():
    a = bonded_population(N_PAR, rng=4, seed=4, backend="numba")
    b = bonded_population(N_PAR, rng=4, seed=4, backend="torch")
    a.advance(25)
    b.advance(25)
    ta, tb = a.state.tensors(), b.state.tensors()
    for k in ta:
        assert ta[k].shape == tb[k].shape, k
        assert torch.allclose(ta[k], tb[k], atol=1e-12, rtol=0), (k, (ta[k] - tb[k]).abs().max())
    assert a.counters == b.counters


@pytest.mark.parametrize(("kwargs", "name"), [({"N": 0}, "N=0"), ({"N": 10, "d": 0}, "d=0"),
                                             ({"N": 10, "P0": float("nan")}, "P0"),
                                             ({"N": 10, "oscillators_per_carrier": 0}, "oscillators_per_carrier=0")])
def test_bonded_population_rejects_bad_sizes_by_name(kwargs, name):
    with pytest.raises(ValueError, match=name):
        bonded_population(**kwargs)


def test_bonded_population_has_the_requested_shape_and_grouped_edges():
    e = bonded_population(1234, d=3, oscillators_per_carrier=50, rng=5)
    assert (e.state.N, e.state.M, e.state.nnz) == (1234, 24, 3 * 1234)
    assert _edges_grouped(e.state)
    assert torch.all(torch.bincount(e.state.osc, minlength=1234) == 3)
