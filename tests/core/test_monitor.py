"""The detuning / coupling bound monitor, RCS §9.3.1 eqs. (43)-(44).

κ max_i Σ_k P_ik |c_k| is checked against a dense numpy matrix built by scipy.sparse (summing
duplicate edges) and explicit Python loops.
"""

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

from resonant.core.monitor import coupling_bound, coupling_bound_ratio, detuning_halfwidth

F64 = torch.float64


def _t(a):
    return torch.from_numpy(np.asarray(a))


@given(
    st.integers(1, 25),
    st.integers(1, 15),
    st.integers(1, 80),
    st.integers(0, 2**32 - 1),
    st.floats(min_value=0.0, max_value=10.0),
)
def test_coupling_bound_matches_dense_row_max(N, M, nnz, seed, kappa):
    rng = np.random.default_rng(seed)
    osc = rng.integers(0, N, size=nnz)
    car = rng.integers(0, M, size=nnz)
    P = rng.uniform(0.0, 1.0, size=nnz)
    c = rng.normal(size=M) + 1j * rng.normal(size=M)
    dense = sp.coo_matrix((P, (osc, car)), shape=(N, M)).toarray()
    expected = kappa * np.max(dense @ np.abs(c))
    got = float(coupling_bound(_t(P), _t(osc), _t(np.abs(c)), _t(car), N, kappa))
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_coupling_bound_by_hand_with_duplicate_edges_and_isolated_oscillator():
    # oscillator 0: 0.5|c0| + 0.25|c1| + 0.25|c1| ; oscillator 1: 1.0|c0| ; oscillator 2: no edges
    P = _t([0.5, 0.25, 0.25, 1.0])
    osc = _t([0, 0, 0, 1])
    car = _t([0, 1, 1, 0])
    c_abs = _t([2.0, 4.0])
    got = coupling_bound(P, osc, c_abs, car, 3, 0.1)
    assert float(got) == pytest.approx(0.1 * max(0.5 * 2 + 0.5 * 4, 1.0 * 2), rel=1e-15)


def test_coupling_bound_empty_system_is_zero():
    e_f = torch.zeros(0, dtype=F64)
    e_i = torch.zeros(0, dtype=torch.int64)
    assert float(coupling_bound(e_f, e_i, torch.ones(3, dtype=F64), e_i, 4, 1.0)) == 0.0
    assert float(coupling_bound(e_f, e_i, e_f, e_i, 0, 1.0)) == 0.0
    assert coupling_bound(e_f, e_i, e_f, e_i, 0, 1.0).dtype == F64


def test_coupling_bound_is_linear_in_kappa_and_amplitudes():
    rng = np.random.default_rng(0)
    P, osc, car = rng.uniform(size=30), rng.integers(0, 8, 30), rng.integers(0, 5, 30)
    c_abs = rng.uniform(size=5)
    base = float(coupling_bound(_t(P), _t(osc), _t(c_abs), _t(car), 8, 1.0))
    assert float(coupling_bound(_t(P), _t(osc), _t(c_abs), _t(car), 8, 3.0)) == pytest.approx(3 * base)
    assert float(coupling_bound(_t(P), _t(osc), _t(2 * c_abs), _t(car), 8, 1.0)) == pytest.approx(2 * base)


# --------------------------------------------------------------------------- eq. (43)


@given(st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=2, max_size=50))
def test_detuning_halfwidth_is_half_the_spread(omegas):
    got = float(detuning_halfwidth(torch.tensor(omegas, dtype=F64)))
    assert got == pytest.approx((max(omegas) - min(omegas)) / 2, rel=1e-15, abs=1e-300)
    assert got >= 0


def test_detuning_halfwidth_recovers_delta_of_eq43():
    # ω_i = ω0 + δ_i, δ_i ~ Unif[-Δ, Δ]: the half spread converges to Δ from below
    rng = np.random.default_rng(43)
    omega0, Delta = 10.0, 0.25
    omega = omega0 + rng.uniform(-Delta, Delta, size=100_000)
    got = float(detuning_halfwidth(torch.tensor(omega)))
    assert Delta * (1 - 1e-3) < got <= Delta


def test_detuning_halfwidth_degenerate_cases():
    assert float(detuning_halfwidth(torch.zeros(0, dtype=F64))) == 0.0
    assert float(detuning_halfwidth(torch.tensor([3.0], dtype=F64))) == 0.0
    assert float(detuning_halfwidth(torch.full((5,), 2.0, dtype=F64))) == 0.0


# --------------------------------------------------------------------------- ratio of eq. (44)


@given(st.floats(min_value=0.0, max_value=1e6), st.floats(min_value=1e-6, max_value=1e6))
def test_coupling_bound_ratio_is_division(coupling, delta):
    got = float(coupling_bound_ratio(torch.tensor(coupling, dtype=F64), torch.tensor(delta, dtype=F64)))
    assert got == pytest.approx(coupling / delta, rel=1e-15)


def test_coupling_bound_ratio_inf_when_no_detuning():
    r = coupling_bound_ratio(torch.tensor([0.5, 0.0], dtype=F64), torch.tensor([0.0, 0.0], dtype=F64))
    assert math.isinf(float(r[0])) and float(r[0]) > 0
    assert float(r[1]) == 0.0  # no coupling and no detuning: nothing to bound, not NaN


def test_monitor_pipeline_flags_strong_coupling():
    # weak coupling satisfies eq. (44) (ratio < 1), strong coupling violates it
    rng = np.random.default_rng(1)
    N, M = 50, 10
    osc = np.repeat(np.arange(N), 2)
    car = rng.integers(0, M, size=2 * N)
    P = rng.uniform(0.5, 1.0, size=2 * N)
    c_abs = rng.uniform(0.5, 1.0, size=M)
    delta = detuning_halfwidth(torch.tensor(1.0 + rng.uniform(-0.1, 0.1, size=N)))
    weak = coupling_bound_ratio(coupling_bound(_t(P), _t(osc), _t(c_abs), _t(car), N, 1e-3), delta)
    strong = coupling_bound_ratio(coupling_bound(_t(P), _t(osc), _t(c_abs), _t(car), N, 10.0), delta)
    assert float(weak) < 1.0 < float(strong)
