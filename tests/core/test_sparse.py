"""Sparse presence products of RCS §8.1: u = Pᵀz (eq. 37) and g = Pc (eq. 39) in O(nnz).

References are dense numpy products of a matrix built by scipy.sparse (which sums duplicate
COO entries), numpy bincount segment sums, and the adjoint identity ⟨Pᵀz, c⟩ = ⟨z, Pc⟩.
"""

import time

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.overrides import TorchFunctionMode

from resonant.core.sparse import back_influence, carrier_drive, scatter_sum, to_dense

F64 = torch.float64


def _random_edges(N: int, M: int, nnz: int, seed: int, dup: int):
    """Random edge list with at least ``dup`` exact duplicate (i, k) pairs appended."""
    rng = np.random.default_rng(seed)
    osc = rng.integers(0, N, size=nnz)
    car = rng.integers(0, M, size=nnz)
    if nnz and dup:
        pick = rng.integers(0, nnz, size=dup)
        osc = np.concatenate([osc, osc[pick]])
        car = np.concatenate([car, car[pick]])
    P = rng.uniform(0.0, 2.0, size=osc.size)
    return P, osc, car, rng


def _scipy_dense(P, osc, car, N, M) -> np.ndarray:
    return sp.coo_matrix((P, (osc, car)), shape=(N, M)).toarray()


def _t(a, dtype=None):
    return torch.tensor(a, dtype=dtype) if dtype is not None else torch.from_numpy(np.asarray(a))


shapes = st.tuples(
    st.integers(1, 30),  # N
    st.integers(1, 20),  # M
    st.integers(0, 120),  # nnz
    st.integers(0, 2**32 - 1),  # seed
    st.integers(0, 20),  # duplicates
)


# --------------------------------------------------------------------------- scatter_sum


@given(st.integers(1, 50), st.integers(0, 200), st.integers(0, 2**32 - 1))
def test_scatter_sum_matches_bincount(size, n, seed):
    rng = np.random.default_rng(seed)
    index = rng.integers(0, size, size=n)
    vals = rng.normal(size=n)
    out = scatter_sum(_t(vals), _t(index), size)
    assert out.shape == (size,) and out.dtype == F64
    np.testing.assert_allclose(out.numpy(), np.bincount(index, weights=vals, minlength=size), atol=1e-12)


@given(st.integers(1, 50), st.integers(0, 200), st.integers(0, 2**32 - 1))
def test_scatter_sum_complex(size, n, seed):
    rng = np.random.default_rng(seed)
    index = rng.integers(0, size, size=n)
    vals = rng.normal(size=n) + 1j * rng.normal(size=n)
    out = scatter_sum(_t(vals), _t(index), size).numpy()
    expected = np.zeros(size, dtype=complex)
    np.add.at(expected, index, vals)
    assert out.dtype == np.complex128
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_scatter_sum_empty_gives_zeros():
    out = scatter_sum(torch.zeros(0, dtype=F64), torch.zeros(0, dtype=torch.int64), 5)
    assert torch.equal(out, torch.zeros(5, dtype=F64))


def test_scatter_sum_index_out_of_range_raises():
    with pytest.raises((IndexError, RuntimeError)):
        scatter_sum(torch.ones(2, dtype=F64), torch.tensor([0, 5]), 3)


def test_scatter_sum_does_not_modify_inputs():
    vals = torch.tensor([1.0, 2.0, 3.0], dtype=F64)
    idx = torch.tensor([0, 0, 1])
    scatter_sum(vals, idx, 2)
    assert torch.equal(vals, torch.tensor([1.0, 2.0, 3.0], dtype=F64))


# --------------------------------------------------------------------------- to_dense


@given(shapes)
def test_to_dense_matches_scipy_coo_with_duplicates(shape):
    N, M, nnz, seed, dup = shape
    P, osc, car, _ = _random_edges(N, M, nnz, seed, dup)
    D = to_dense(_t(P), _t(osc), _t(car), N, M)
    assert D.shape == (N, M)
    np.testing.assert_allclose(D.numpy(), _scipy_dense(P, osc, car, N, M), atol=1e-13)


def test_to_dense_duplicate_edges_add():
    D = to_dense(_t([0.5, 0.25, 1.0]), _t([1, 1, 0]), _t([2, 2, 0]), 2, 3)
    np.testing.assert_array_equal(D.numpy(), [[1.0, 0.0, 0.0], [0.0, 0.0, 0.75]])


# --------------------------------------------------------------------------- eq. (37), eq. (39)


@given(shapes)
def test_carrier_drive_matches_dense_transpose_product(shape):
    N, M, nnz, seed, dup = shape
    P, osc, car, rng = _random_edges(N, M, nnz, seed, dup)
    z = rng.normal(size=N) + 1j * rng.normal(size=N)
    u = carrier_drive(_t(P), _t(osc), _t(car), _t(z), M)
    assert u.shape == (M,) and u.dtype == torch.complex128
    dense = _scipy_dense(P, osc, car, N, M)
    np.testing.assert_allclose(u.numpy(), dense.T @ z, atol=1e-12)
    # and the package's own to_dense, as the brief states it: to_dense(P).T @ z
    Pt = to_dense(_t(P), _t(osc), _t(car), N, M)
    np.testing.assert_allclose(u.numpy(), (Pt.to(torch.complex128).T @ _t(z)).numpy(), atol=1e-12)


@given(shapes)
def test_back_influence_matches_dense_product(shape):
    N, M, nnz, seed, dup = shape
    P, osc, car, rng = _random_edges(N, M, nnz, seed, dup)
    c = rng.normal(size=M) + 1j * rng.normal(size=M)
    g = back_influence(_t(P), _t(osc), _t(car), _t(c), N)
    assert g.shape == (N,) and g.dtype == torch.complex128
    np.testing.assert_allclose(g.numpy(), _scipy_dense(P, osc, car, N, M) @ c, atol=1e-12)
    Pt = to_dense(_t(P), _t(osc), _t(car), N, M)
    np.testing.assert_allclose(g.numpy(), (Pt.to(torch.complex128) @ _t(c)).numpy(), atol=1e-12)


@given(shapes)
def test_products_are_adjoint(shape):
    # Σ_k (Pᵀz)_k c_k = Σ_i z_i (Pc)_i (bilinear, no conjugation) -- no dense matrix involved
    N, M, nnz, seed, dup = shape
    P, osc, car, rng = _random_edges(N, M, nnz, seed, dup)
    z = rng.normal(size=N) + 1j * rng.normal(size=N)
    c = rng.normal(size=M) + 1j * rng.normal(size=M)
    u = carrier_drive(_t(P), _t(osc), _t(car), _t(z), M).numpy()
    g = back_influence(_t(P), _t(osc), _t(car), _t(c), N).numpy()
    lhs, rhs = np.sum(u * c), np.sum(z * g)
    assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs))


@given(shapes)
def test_real_inputs_give_real_outputs(shape):
    N, M, nnz, seed, dup = shape
    P, osc, car, rng = _random_edges(N, M, nnz, seed, dup)
    x = rng.normal(size=N)
    u = carrier_drive(_t(P), _t(osc), _t(car), _t(x), M)
    assert u.dtype == F64
    np.testing.assert_allclose(u.numpy(), _scipy_dense(P, osc, car, N, M).T @ x, atol=1e-12)


def test_tuned_drive_eq5_pass_p_times_t():
    # u_k = Σ_i P_ik T_ik z_i: passing the edge-wise product P·T as P
    rng = np.random.default_rng(0)
    N, M = 12, 5
    P, osc, car, _ = _random_edges(N, M, 40, 1, 5)
    T = rng.uniform(size=P.size)
    z = np.exp(1j * rng.uniform(0, 2 * np.pi, size=N))
    u = carrier_drive(_t(P * T), _t(osc), _t(car), _t(z), M).numpy()
    expected = np.zeros(M, dtype=complex)
    for e in range(P.size):
        expected[car[e]] += P[e] * T[e] * z[osc[e]]
    np.testing.assert_allclose(u, expected, atol=1e-13)


def test_float32_presence_with_complex128_state():
    P = torch.tensor([0.5, 1.5], dtype=torch.float32)
    z = torch.tensor([1 + 1j, 2 - 1j], dtype=torch.complex128)
    u = carrier_drive(P, torch.tensor([0, 1]), torch.tensor([0, 0]), z, 1)
    assert u.dtype == torch.complex128
    assert complex(u[0]) == pytest.approx(0.5 * (1 + 1j) + 1.5 * (2 - 1j))


def test_empty_edge_list_gives_zeros():
    empty_f = torch.zeros(0, dtype=F64)
    empty_i = torch.zeros(0, dtype=torch.int64)
    z = torch.ones(4, dtype=torch.complex128)
    c = torch.ones(3, dtype=torch.complex128)
    assert torch.equal(carrier_drive(empty_f, empty_i, empty_i, z, 3), torch.zeros(3, dtype=torch.complex128))
    assert torch.equal(
        back_influence(empty_f, empty_i, empty_i, c, 4), torch.zeros(4, dtype=torch.complex128)
    )


# --------------------------------------------------------------------------- O(nnz)


class _LargestTensor(TorchFunctionMode):
    """Records the largest tensor produced by any torch call made inside the mode."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if isinstance(out, torch.Tensor):
            self.largest = max(self.largest, out.numel())
        return out


def test_large_sparse_products_are_correct_fast_and_never_dense():
    N, M, nnz = 100_000, 1_000, 400_000
    rng = np.random.default_rng(42)
    osc = rng.integers(0, N, size=nnz)
    car = rng.integers(0, M, size=nnz)
    P = rng.uniform(size=nnz)
    z = np.exp(1j * rng.uniform(0, 2 * np.pi, size=N)) * rng.uniform(0.5, 1.5, size=N)
    c = rng.normal(size=M) + 1j * rng.normal(size=M)
    tP, tosc, tcar, tz, tc = _t(P), _t(osc), _t(car), _t(z), _t(c)

    mode = _LargestTensor()
    start = time.perf_counter()
    with mode:
        u = carrier_drive(tP, tosc, tcar, tz, M)
        g = back_influence(tP, tosc, tcar, tc, N)
    elapsed = time.perf_counter() - start

    assert mode.largest == nnz  # the edge-wise gathers are the largest things made ...
    assert mode.largest <= max(nnz, N, M)  # ... nothing of size N·M = 10^8 was ever created
    assert elapsed < 5.0  # O(nnz): a few ms in practice; a dense 10^8 complex product would not fit

    csr = sp.csr_matrix((P, (osc, car)), shape=(N, M))
    np.testing.assert_allclose(u.numpy(), csr.T @ z, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(g.numpy(), csr @ c, rtol=1e-10, atol=1e-10)
