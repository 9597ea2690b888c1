"""Integer phase accumulators, Q = 64 (RCS §9.3.2, eq. 45): Φ ← (Φ + Δ) mod 2^64.

References are Python's arbitrary-precision integers and exact rationals (fractions), and
elementary number theory (the order of Δ in Z/2^64 is 2^64 / gcd(Δ, 2^64)).
"""

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from resonant.core.accumulator import PhaseAccumulator, increment_from_frequency
from resonant.core.phases import wrap_pi

MOD = 1 << 64
MASK32 = (1 << 32) - 1
TWO_PI = 2.0 * math.pi

u64 = st.integers(min_value=0, max_value=MOD - 1)
u64_edges = [0, 1, MASK32, 1 << 32, MOD - 1, MOD - (1 << 32), (MASK32 << 32) | 1]


def _acc(values: list[int]) -> PhaseAccumulator:
    return PhaseAccumulator(
        torch.tensor([v >> 32 for v in values], dtype=torch.int64),
        torch.tensor([v & MASK32 for v in values], dtype=torch.int64),
    )


def _limbs(values: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    a = _acc(values)
    return a.hi, a.lo


def _exact_phase(phi_int: int) -> float:
    """2πΦ/2^64 rounded once from the exact rational (Fraction(2π_float) is exact)."""
    return float(Fraction(TWO_PI) * Fraction(phi_int, MOD))


def _assert_limbs_in_range(acc: PhaseAccumulator) -> None:
    for limb in (acc.hi, acc.lo):
        assert limb.dtype == torch.int64
        assert bool(torch.all(limb >= 0)) and bool(torch.all(limb <= MASK32))


# --------------------------------------------------------------------------- exact addition


@given(st.lists(st.tuples(u64, u64), min_size=1, max_size=20))
@example([(MOD - 1, 1), (MOD - 1, MOD - 1), (MASK32, 1), (0, 0), (1 << 63, 1 << 63)])
def test_advance_is_exact_mod_2_64_addition(pairs):
    start = [p[0] for p in pairs]
    inc = [p[1] for p in pairs]
    out = _acc(start).advance(*_limbs(inc))
    assert out.as_int() == [(a + d) % MOD for a, d in zip(start, inc, strict=True)]
    _assert_limbs_in_range(out)


@given(st.lists(u64, min_size=1, max_size=10), st.lists(u64, min_size=1, max_size=10))
def test_advance_is_associative_and_commutative(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    zero = PhaseAccumulator.zeros(n)
    ab = zero.advance(*_limbs(a)).advance(*_limbs(b))
    ba = zero.advance(*_limbs(b)).advance(*_limbs(a))
    assert ab.as_int() == ba.as_int() == [(x + y) % MOD for x, y in zip(a, b, strict=True)]


@given(st.lists(u64, min_size=1, max_size=10))
def test_as_int_round_trips_limbs(values):
    assert _acc(values).as_int() == values


def test_advance_does_not_mutate_original():
    acc = _acc([5, MOD - 1])
    acc.advance(*_limbs([1, 1]))
    assert acc.as_int() == [5, MOD - 1]


def test_zeros_and_q():
    z = PhaseAccumulator.zeros(4)
    assert z.as_int() == [0, 0, 0, 0]
    assert z.Q == 64
    assert torch.equal(z.phase(), torch.zeros(4, dtype=torch.float64))


# --------------------------------------------------------------------------- exact periodicity


def test_three_sixteenths_of_a_turn_returns_after_exactly_16_steps():
    delta = MOD // 16 * 3
    start = [0, 12345, MOD - 1, 1 << 63]
    acc = _acc(start)
    d = _limbs([delta] * len(start))
    for k in range(1, 17):
        acc = acc.advance(*d)
        if k < 16:
            assert all(x != s for x, s in zip(acc.as_int(), start, strict=True)), k
    assert acc.as_int() == start


@given(st.integers(0, 7), u64)
def test_odd_multiple_of_sixteenth_has_period_exactly_16(j, start):
    m = 2 * j + 1
    acc = _acc([start])
    d = _limbs([m * (MOD // 16)])
    seen = []
    for _ in range(16):
        acc = acc.advance(*d)
        seen.append(acc.as_int()[0])
    assert seen[-1] == start
    assert start not in seen[:-1]
    assert len(set(seen)) == 16


def test_period_is_2_64_over_gcd():
    # Δ_m = m · 2^58: the return time is 64 / gcd(m, 64) for every m = 1..63 (batched)
    ms = list(range(1, 64))
    acc = PhaseAccumulator.zeros(len(ms))
    d = _limbs([m << 58 for m in ms])
    first_return = [0] * len(ms)
    for k in range(1, 65):
        acc = acc.advance(*d)
        for i, v in enumerate(acc.as_int()):
            if v == 0 and first_return[i] == 0:
                first_return[i] = k
    assert first_return == [64 // math.gcd(m, 64) for m in ms]


# --------------------------------------------------------------------------- increments


@given(
    st.lists(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), min_size=1, max_size=10),
    st.sampled_from([1.0, 1e-3, 0.01, 0.37]),
)
@example([0.0, -1e-300, 2 * math.pi, -2 * math.pi, math.pi, 1e-12, -1e-12], 1.0)
def test_increment_from_frequency_matches_exact_rational(omegas, dt):
    hi, lo = increment_from_frequency(torch.tensor(omegas, dtype=torch.float64), dt)
    got = _acc([0] * len(omegas)).advance(hi, lo).as_int()
    _assert_limbs_in_range(PhaseAccumulator(hi, lo))
    for w, g in zip(omegas, got, strict=True):
        frac = (w * dt / TWO_PI) % 1.0  # the float64 fraction of a turn per step (exact below)
        expected = round(Fraction(frac) * MOD) % MOD  # round-half-even, as torch.round
        assert g == expected


@given(st.floats(min_value=-50.0, max_value=50.0, allow_nan=False), st.floats(min_value=1e-4, max_value=1.0))
def test_increment_is_the_phase_advance_per_step(omega, dt):
    hi, lo = increment_from_frequency(torch.tensor([omega], dtype=torch.float64), dt)
    delta = PhaseAccumulator(hi, lo).as_int()[0]
    # as a signed phase it is ω·Δt wrapped to [-π, π), to float64 accuracy
    advance = float(Fraction(TWO_PI) * Fraction(delta, MOD))
    expected = float(wrap_pi(torch.tensor([omega * dt], dtype=torch.float64))[0])
    d = abs(advance - expected)
    assert min(d, TWO_PI - d) < 1e-14 * (1 + abs(omega * dt))


def test_negative_frequency_is_twos_complement_of_positive():
    # 1/8 turn per step: both increments are exact
    w = TWO_PI / 8
    hi_p, lo_p = increment_from_frequency(torch.tensor([w], dtype=torch.float64), 1.0)
    hi_n, lo_n = increment_from_frequency(torch.tensor([-w], dtype=torch.float64), 1.0)
    assert PhaseAccumulator(hi_p, lo_p).as_int() == [MOD // 8]
    assert PhaseAccumulator(hi_n, lo_n).as_int() == [MOD - MOD // 8]


# --------------------------------------------------------------------------- phase()


@given(st.lists(u64, min_size=1, max_size=10))
@example(u64_edges)
@example([MOD - 1, MOD - 2, MOD - (1 << 11), MOD - (1 << 12)])
def test_phase_in_range_and_matches_exact_value(values):
    phi = _acc(values).phase()
    assert phi.dtype == torch.float64
    assert bool(torch.all(phi >= 0)) and bool(torch.all(phi < TWO_PI))
    for v, p in zip(values, phi.tolist(), strict=True):
        exact = _exact_phase(v)
        d = abs(p - exact)
        assert min(d, TWO_PI - d) <= 2e-15  # p may be 0.0 where exact rounds to 2π ≡ 0


def test_phase_float32_stays_below_two_pi():
    values = [MOD - 1, MOD - (1 << 36), MOD - (1 << 40), 0, MOD // 2]
    phi32 = _acc(values).phase(torch.float32)
    assert phi32.dtype == torch.float32
    assert bool(torch.all(phi32 >= 0)) and bool(torch.all(phi32 < torch.tensor(TWO_PI, dtype=torch.float32)))


@given(st.lists(st.floats(min_value=-100.0, max_value=100.0, allow_nan=False), min_size=1, max_size=10))
def test_from_phase_round_trip(phis):
    acc = PhaseAccumulator.from_phase(torch.tensor(phis, dtype=torch.float64))
    back = acc.phase().tolist()
    for p, b in zip(phis, back, strict=True):
        d = abs(math.remainder(b - p, TWO_PI))
        assert d < 1e-14 * (1 + abs(p))


# --------------------------------------------------------------------------- zero drift


def test_free_running_phase_has_zero_drift_over_a_million_steps():
    rng = np.random.default_rng(123)
    B = 64
    omega = torch.tensor(rng.uniform(-20.0, 20.0, B))
    dt = 1e-3
    d_hi, d_lo = increment_from_frequency(omega, dt)
    delta = PhaseAccumulator(d_hi, d_lo).as_int()

    # 10^3 repeated vectorised additions of Δ give Φ_1000 = 1000Δ; adding Φ_1000 another 10^3
    # times gives Φ after 10^6 steps, all by the accumulator's own modular add.
    acc = PhaseAccumulator.zeros(B)
    for _ in range(1000):
        acc = acc.advance(d_hi, d_lo)
    assert acc.as_int() == [(1000 * d) % MOD for d in delta]
    block_hi, block_lo = acc.hi.clone(), acc.lo.clone()
    acc = PhaseAccumulator.zeros(B)
    for _ in range(1000):
        acc = acc.advance(block_hi, block_lo)
    n = 1_000_000
    assert acc.as_int() == [(n * d) % MOD for d in delta]  # exact: zero drift
    phi = acc.phase().tolist()
    for d, p in zip(delta, phi, strict=True):
        exact = _exact_phase((n * d) % MOD)
        e = abs(p - exact)
        assert min(e, TWO_PI - e) <= 2e-15


def test_doubling_reaches_2_pow_20_steps_exactly():
    delta = [0x9E3779B97F4A7C15, 1, MOD - 1, 0xDEADBEEFCAFEBABE]
    acc = _acc(delta)
    for _ in range(20):  # Φ_{2k} = Φ_k + Φ_k
        acc = acc.advance(acc.hi, acc.lo)
    assert acc.as_int() == [(d << 20) % MOD for d in delta]


def test_float32_accumulation_drifts_but_integer_does_not():
    rng = np.random.default_rng(7)
    B, n = 16, 5000
    inc32 = torch.tensor(rng.uniform(0.001, 0.05, B), dtype=torch.float32)
    mod32 = torch.tensor(TWO_PI, dtype=torch.float32)  # the modulus torch.remainder uses in float32
    phi32 = torch.zeros(B, dtype=torch.float32)
    for _ in range(n):
        phi32 = torch.remainder(phi32 + inc32, mod32)
    # exact value of n repeated additions of the same float32 increments, reduced mod float32(2π)
    m = Fraction(float(mod32))
    drift32 = []
    for i in range(B):
        exact = n * Fraction(float(inc32[i]))
        exact -= m * math.floor(exact / m)
        e = abs(Fraction(float(phi32[i])) - exact)
        drift32.append(float(min(e, m - e)))
    assert max(drift32) > 1e-5  # float32 rounding accumulates ...
    assert sum(e > 0 for e in drift32) >= B // 2  # ... in (almost) every oscillator

    # the same increments (as fractions of a turn of 2^64) in the integer accumulator: exact
    turns = [Fraction(float(inc32[i])) / m for i in range(B)]
    delta = [round(t * MOD) % MOD for t in turns]
    acc = PhaseAccumulator.zeros(B)
    d = _limbs(delta)
    for _ in range(n):
        acc = acc.advance(*d)
    assert acc.as_int() == [(n * x) % MOD for x in delta]


@pytest.mark.parametrize("q_turns", [Fraction(1, 3), Fraction(2, 7), Fraction(5, 11)])
def test_rational_frequency_recurs_only_approximately(q_turns):
    # eq. (47): a rational frequency p/q turns per step recurs after q steps in exact arithmetic.
    # The increment derives from a float64 fraction of a turn (error ~2^-53 turns = 2^11 units of
    # 2^-64), so after q steps the accumulator is back within q times that, and not exactly.
    w = float(q_turns) * TWO_PI
    hi, lo = increment_from_frequency(torch.tensor([w], dtype=torch.float64), 1.0)
    delta = PhaseAccumulator(hi, lo).as_int()[0]
    q = q_turns.denominator
    after = (q * delta) % MOD
    dist = min(after, MOD - after)
    assert 0 < dist < q * 2**13
