"""The synthetic vowel fallback: published means (Hillenbrand et al. 1995, Table V), warned, labelled, seeded."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from resonant.datasets.vowels import SYNTHETIC_CV, load_vowels, pooled_means, synthetic_vowels

# Table V of Hillenbrand et al. (1995), typed again here (F1, F2 in Hz): men, women, children.
TABLE_V = {
    "a": [(768, 1333), (936, 1551), (1002, 1688)],
    "e": [(580, 1799), (731, 2058), (749, 2267)],
    "i": [(342, 2322), (437, 2761), (452, 3081)],
    "o": [(497, 910), (555, 1035), (597, 1137)],
    "u": [(378, 997), (459, 1105), (494, 1345)],
}
TALKERS = (45, 48, 46)


def _mixture_moments(vowel: str, j: int) -> tuple[float, float]:
    """Mean and s.d. of formant j of the talker mixture with CV SYNTHETIC_CV[j] (closed form)."""
    p = [n / 139 for n in TALKERS]
    mu = [row[j] for row in TABLE_V[vowel]]
    mean = sum(pg * m for pg, m in zip(p, mu, strict=True))
    second = sum(pg * (m * m * (1 + SYNTHETIC_CV[j] ** 2)) for pg, m in zip(p, mu, strict=True))
    return mean, math.sqrt(second - mean * mean)


def test_missing_file_with_fallback_warns_naming_the_path_and_returns_labelled_synthetic_data(tmp_path):
    missing = tmp_path / "absent_vowels.csv"
    with pytest.warns(UserWarning, match=r"absent_vowels\.csv.*SYNTHETIC"):
        d = load_vowels(missing, fallback=True)
    assert d.source == "synthetic"
    assert d.counts() == {"a": 139, "e": 139, "i": 139, "o": 139, "u": 139}
    assert d.F.shape == (695, 2) and np.all(d.F > 0)
    with pytest.warns(UserWarning, match="None.*SYNTHETIC"):
        assert load_vowels(None, fallback=True).source == "synthetic"


def test_missing_file_without_fallback_still_raises_the_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent\.csv"):
        load_vowels(tmp_path / "absent.csv")
    with pytest.raises(FileNotFoundError, match="vowel,F1,F2"):
        load_vowels(None, fallback=False)


def test_existing_file_is_read_even_when_fallback_is_allowed(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text("vowel,F1,F2\na,700,1200\ni,300,2500\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = load_vowels(p, fallback=True)
    assert d.source == str(p) and d.F.tolist() == [[700.0, 1200.0], [300.0, 2500.0]]
    p.write_text("vowel,F1,F2\na,700,x\n")  # a malformed file is an error, never a silent fallback
    with pytest.raises(ValueError, match="row 0"):
        load_vowels(p, fallback=True)


def test_pooled_means_are_the_talker_weighted_table_v_means():
    for v, (f1, f2) in pooled_means().items():
        assert f1 == pytest.approx(_mixture_moments(v, 0)[0], rel=1e-12)
        assert f2 == pytest.approx(_mixture_moments(v, 1)[0], rel=1e-12)
    # one by hand: /i/ F1 = (45·342 + 48·437 + 46·452)/139
    assert pooled_means()["i"][0] == pytest.approx((45 * 342 + 48 * 437 + 46 * 452) / 139)


def test_synthetic_sample_means_and_spreads_match_the_mixture_within_sampling_error():
    n = 4000
    d = synthetic_vowels(n_per_vowel=n, seed=1)
    for v in TABLE_V:
        F = d.F[d.vowel == v]
        assert F.shape == (n, 2)
        for j in (0, 1):
            mean, sd = _mixture_moments(v, j)
            assert abs(F[:, j].mean() - mean) < 4 * sd / math.sqrt(n), (v, j)
            # s.d. of the sample s.d. ≈ sd/√(2n) for near-normal data; allow 6 of them (mixtures have tails)
            assert abs(F[:, j].std(ddof=1) - sd) < 6 * sd / math.sqrt(2 * n), (v, j)


def test_synthetic_sample_is_reproducible_by_seed():
    a, b, c = synthetic_vowels(20, seed=7), synthetic_vowels(20, seed=7), synthetic_vowels(20, seed=8)
    assert np.array_equal(a.F, b.F) and np.array_equal(a.vowel, b.vowel)
    assert not np.array_equal(a.F, c.F)
    with pytest.warns(UserWarning):
        d = load_vowels(None, fallback=True, n_synthetic=20, seed=7)
    assert np.array_equal(d.F, a.F)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(n_per_vowel=0), "n_per_vowel"),
    (dict(n_per_vowel=2.5), "n_per_vowel"),
    (dict(seed=-1), "seed"),
    (dict(cv=(0.1, float("nan"))), "cv"),
    (dict(cv=(0.1,)), "cv"),
])
def test_synthetic_vowels_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthetic_vowels(**kwargs)
