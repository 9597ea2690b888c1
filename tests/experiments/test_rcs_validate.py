"""The RCS claims validation suite (:mod:`resonant.experiments.rcs_validate`) at smoke size, one seed.

Every claim function must return a valid :class:`ClaimResult` with finite numbers. Verdicts are asserted only
where the outcome is robust by construction (claims 6, 7, 10, 12); the others are reported, not tested here.
The helpers that analyse runs are checked against independent closed forms.
"""

import json
import math

import numpy as np
import pytest

from resonant.experiments import rcs_validate as rv
from resonant.experiments.claims import VERDICTS, ClaimResult
from resonant.rcs import GroupedStream

SEEDS = [0]


def _check(result: ClaimResult, number: int) -> ClaimResult:
    assert isinstance(result, ClaimResult)
    assert result.claim.startswith(f"{number}. ")
    assert result.verdict in VERDICTS
    assert result.seeds == SEEDS
    assert result.figure is None  # no out_dir, no figure
    assert result.hypothesis and result.protocol and "Baseline:" in result.protocol and result.criterion
    if isinstance(result.value, float):
        assert math.isfinite(result.value), result
    json.dumps(result.to_dict(), allow_nan=False)
    return result


@pytest.mark.parametrize("claim", [rv.claim_01_compression, rv.claim_02_sparsity, rv.claim_03_mitosis,
                                   rv.claim_04_synchrony, rv.claim_05_phase_alignment, rv.claim_08_metabolism,
                                   rv.claim_09_genesis, rv.claim_11_compute])
def test_claim_runs_at_smoke_size_and_returns_a_valid_result(claim):
    number = int(claim.__name__.split("_")[1])
    _check(claim(SEEDS, "smoke"), number)


def test_claim_06_measured_drive_follows_eq9_and_closed_gates_take_nothing():
    r = _check(rv.claim_06_tuning(SEEDS, "smoke"), 6)
    assert max(r.details["max_tuning_error_per_seed"]) <= 1e-9
    assert max(r.details["max_closed_gate_drive_per_seed"]) <= 1e-9
    assert r.verdict == "supported"


def test_claim_07_coherent_gates_narrow_and_mixed_gates_widen():
    r = _check(rv.claim_07_gate_width(SEEDS, "smoke"), 7)
    assert r.details["rate_coherent_per_seed"][0] < 0 < r.details["rate_mixed_per_seed"][0]
    assert r.details["eq10_max_relative_deviation"] < 1e-9
    assert r.verdict == "supported"


def test_claim_10_observation_leaves_the_trajectory_bit_identical():
    r = _check(rv.claim_10_observation(SEEDS, "smoke"), 10)
    assert r.value == 0 and r.details["differing_per_seed"] == [0]
    assert r.details["observations_per_seed"][0] == round(rv.SIZES["smoke"].observer_seconds / rv.CONFIG.dt)
    assert r.verdict == "supported"


def test_claim_12_integer_accumulator_has_exactly_zero_drift_and_float32_drifts():
    r = _check(rv.claim_12_finite_precision(SEEDS, "smoke"), 12)
    assert r.details["integer_exact_per_seed"] == [True]
    assert r.details["integer_drift_rad"] == 0.0
    assert r.details["loop_matches_library"] == [True]
    assert r.details["float32_drift_per_seed"][0] > 1e3 * r.details["float64_drift_per_seed"][0] > 0
    assert r.verdict == "supported"


def test_the_same_seed_gives_the_same_numbers():
    a = rv.claim_09_genesis(SEEDS, "smoke").to_dict()
    b = rv.claim_09_genesis(SEEDS, "smoke").to_dict()
    assert a == b


def test_sizes_and_arguments_are_validated():
    assert rv.SIZES["full"].n_seeds >= 5
    with pytest.raises(ValueError, match="size"):
        rv.claim_09_genesis(SEEDS, "huge")
    with pytest.raises(ValueError, match="seeds"):
        rv.claim_09_genesis([], "smoke")
    with pytest.raises(ValueError, match="seeds"):
        rv.claim_09_genesis([-1], "smoke")


def test_every_claim_docstring_declares_hypothesis_protocol_criterion_and_baseline():
    assert len(rv.CLAIMS) == 14
    for j, claim in enumerate(rv.CLAIMS, start=1):
        f = rv._doc_fields(claim)
        assert f["claim"].startswith(f"{j}. ")
        assert all(f[k] for k in ("section", "hypothesis", "protocol", "criterion", "baseline"))


# ---------------------------------------------------------------------- helpers against closed forms
def test_chance_order_parameter_matches_closed_forms():
    mean, frac = rv._chance_R(40)
    assert mean[1] == 1.0 and frac[1] == 1.0
    assert mean[2] == pytest.approx(2 / math.pi, abs=0.01)  # E|cos(Δ/2)| for Δ uniform
    assert mean[40] == pytest.approx(math.sqrt(math.pi / (4 * 40)), rel=0.03)  # Rayleigh limit, eq. (16)


def test_crossing_is_log_interpolated():
    x = np.array([1.0, 10.0, 100.0])
    assert rv._crossing(x, np.array([0.0, 0.25, 0.75]), 0.5) == pytest.approx(math.sqrt(1000.0))
    assert rv._crossing(x, np.array([0.6, 0.7, 0.8]), 0.5) == 1.0
    assert math.isnan(rv._crossing(x, np.array([0.1, 0.2, 0.3]), 0.5))


def test_split_multimodal_matches_a_hand_computed_ashman_d():
    cfg = rv.CONFIG
    two_pi = 2 * math.pi
    om = two_pi * np.array([1.0, 1.1, 3.0, 3.1])
    w = np.ones(4)
    mm, sep_hz, ashman = rv._split_multimodal(om, w, cfg)
    # clusters {1.0, 1.1} and {3.0, 3.1} Hz: centres 1.05 / 3.05, variances (0.05·2π)² each
    assert mm and sep_hz == pytest.approx(2.0)
    assert ashman == pytest.approx(math.sqrt(2) * 2.0 / math.sqrt(2 * 0.05**2))
    spread = two_pi * np.linspace(1.0, 1.2, 6)  # one group: separation below min_separation_hz
    assert not rv._split_multimodal(spread, np.ones(6), cfg)[0]
    assert not rv._split_multimodal(two_pi * np.array([2.0]), np.ones(1), cfg)[0]


def test_unstructured_control_keeps_timing_and_frequency_marginal_but_drops_structure():
    src = GroupedStream(3, frequencies=rv.GROUP_FREQS_HZ, rate=rv.GROUP_RATE)
    ev = src.events(0.0, 20.0)
    ctl = rv.unstructured_control(src, 20.0, 3).signals
    assert [s.onset for s in ctl] == [s.onset for s in ev]
    assert [s.duration for s in ctl] == [s.duration for s in ev]
    assert {s.frequency for s in ctl} <= {s.frequency for s in ev}
    assert all(s.label == -1 for s in ctl)
    assert [s.phase for s in ctl] != [s.phase for s in ev]
    again = rv.unstructured_control(src, 20.0, 3).signals
    assert [(s.frequency, s.phase) for s in again] == [(s.frequency, s.phase) for s in ctl]


def test_claim_13_without_data_uses_the_labelled_synthetic_fallback():
    with pytest.warns(UserWarning, match="SYNTHETIC"):
        r = _check(rv.claim_13_vowel_readout(SEEDS, "smoke"), 13)
    assert r.details["data_source"] == "synthetic"
    assert r.verdict == ("supported" if r.value >= r.baseline - 0.02 else "refuted")
