"""Vowel formants (Hillenbrand, Getty, Clark & Wheeler 1995, J. Acoust. Soc. Am. 97(5):3099-3111).

The library ships no data. :func:`load_vowels` reads a CSV with columns ``vowel, F1, F2`` (Hz), e.g.
the 689-token subset used by the EP paper (``hillenbrand_vowels.csv``); :func:`vowel_task` makes the
binary tasks of the paper (e.g. /a/ vs /i/): a seeded 80/20 split and min-max scaling to [−1, 1]
with the training ranges.

When the file is absent, ``load_vowels(path, fallback=True)`` warns and returns a synthetic sample
(:func:`synthetic_vowels`, ``source="synthetic"``) drawn from the published group means of
Hillenbrand et al. (1995), Table V (:data:`HILLENBRAND_MEANS`). The within-group spread is *not* from
the paper: it is our assumption, a coefficient of variation of 10 % for F1 and 8 % for F2
(:data:`SYNTHETIC_CV`). No number here was derived from the shared CSV.
"""

from __future__ import annotations

import csv
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


@dataclass(frozen=True)
class VowelData:
    """Formant tokens: ``F`` (S, 2) = (F1, F2) in Hz, ``vowel`` (S,) labels, and where they came from."""

    F: np.ndarray
    vowel: np.ndarray
    source: str

    def counts(self) -> dict[str, int]:
        v, c = np.unique(self.vowel, return_counts=True)
        return {str(a): int(b) for a, b in zip(v, c, strict=True)}


#: Group means (F1, F2) in Hz of Hillenbrand et al. (1995), Table V, for the five vowels of the shared CSV:
#: a = /ɑ/ (hod), e = /ɛ/ (head), i = /i/ (heed), o = /o/ (hoed), u = /u/ (who'd).
HILLENBRAND_MEANS: dict[str, dict[str, tuple[float, float]]] = {
    "a": {"men": (768.0, 1333.0), "women": (936.0, 1551.0), "children": (1002.0, 1688.0)},
    "e": {"men": (580.0, 1799.0), "women": (731.0, 2058.0), "children": (749.0, 2267.0)},
    "i": {"men": (342.0, 2322.0), "women": (437.0, 2761.0), "children": (452.0, 3081.0)},
    "o": {"men": (497.0, 910.0), "women": (555.0, 1035.0), "children": (597.0, 1137.0)},
    "u": {"men": (378.0, 997.0), "women": (459.0, 1105.0), "children": (494.0, 1345.0)},
}
#: Talkers per group in Hillenbrand et al. (1995): 45 men, 48 women, 46 children (139 in all).
HILLENBRAND_TALKERS: dict[str, int] = {"men": 45, "women": 48, "children": 46}
#: Within-group coefficient of variation (F1, F2). OUR ASSUMPTION, not a published value: the paper's
#: per-group standard deviations were not available to us.
SYNTHETIC_CV: tuple[float, float] = (0.10, 0.08)


def pooled_means() -> dict[str, tuple[float, float]]:
    """Talker-weighted means Σ_g (n_g/139)·μ_g (Hz) per vowel: the expected value of :func:`synthetic_vowels`."""
    total = sum(HILLENBRAND_TALKERS.values())
    out = {}
    for v, groups in HILLENBRAND_MEANS.items():
        f1 = sum(HILLENBRAND_TALKERS[g] * m[0] for g, m in groups.items()) / total
        f2 = sum(HILLENBRAND_TALKERS[g] * m[1] for g, m in groups.items()) / total
        out[v] = (f1, f2)
    return out


def synthetic_vowels(n_per_vowel: int = 139, seed: int = 0, cv: tuple[float, float] = SYNTHETIC_CV) -> VowelData:
    """Synthetic vowel tokens from the published group means (Hillenbrand et al. 1995, Table V).

    For each token: a talker group g with probability n_g/139 (45 men, 48 women, 46 children), then
    F_j ~ Normal(μ_gj, (cv_j·μ_gj)²) for j = 1, 2. ``cv`` is our assumption (:data:`SYNTHETIC_CV`).
    Tokens are ordered by vowel (``n_per_vowel`` each); the same seed gives the same sample.
    """
    if isinstance(n_per_vowel, bool) or not isinstance(n_per_vowel, (int, np.integer)) or n_per_vowel < 1:
        raise ValueError(f"n_per_vowel must be an int >= 1, got {n_per_vowel!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if len(cv) != 2 or not all(math.isfinite(c) and 0 <= c < 0.5 for c in cv):
        raise ValueError(f"cv must be two coefficients of variation in [0, 0.5), got {cv!r}")
    rng = np.random.default_rng([int(seed), 0x40E1])
    groups = list(HILLENBRAND_TALKERS)
    p = np.array([HILLENBRAND_TALKERS[g] for g in groups], dtype=float)
    p /= p.sum()
    vowels = list(HILLENBRAND_MEANS)
    mu = np.array([[HILLENBRAND_MEANS[v][g] for g in groups] for v in vowels])  # (V, G, 2)
    g = rng.choice(len(groups), size=(len(vowels), int(n_per_vowel)), p=p)  # (V, n)
    m = mu[np.arange(len(vowels))[:, None], g]  # (V, n, 2)
    F = m * (1.0 + np.asarray(cv, dtype=float) * rng.standard_normal(m.shape))
    F = np.clip(F, 1.0, None)  # a formant is positive; at cv < 0.5 clipping is a > 10-sigma event
    return VowelData(F.reshape(-1, 2), np.repeat(np.asarray(vowels), int(n_per_vowel)), "synthetic")


def load_vowels(
    path: str | Path | None, fallback: bool = False, *, n_synthetic: int = 139, seed: int = 0
) -> VowelData:
    """Read vowel tokens from a CSV file with header ``vowel,F1,F2``.

    Raises FileNotFoundError with instructions when the file is absent, and ValueError naming the
    row for a malformed row (missing column, non-numeric or non-finite or non-positive formant).
    With ``fallback=True`` an absent file (or ``path=None``) instead gives a ``UserWarning`` naming the
    path and :func:`synthetic_vowels` (``n_synthetic`` tokens per vowel, ``seed``), flagged
    ``source="synthetic"``. A file that exists but is malformed always raises.
    """
    if fallback and (path is None or not Path(path).is_file()):
        what = "no vowel data file given (path=None)" if path is None else f"vowel data file not found: {str(path)!r}"
        warnings.warn(
            f"{what}; using SYNTHETIC vowels sampled from the published "
            f"Hillenbrand et al. (1995) group means with an assumed within-group spread (source='synthetic')",
            UserWarning, stacklevel=2)
        return synthetic_vowels(n_synthetic, seed)
    if path is None:
        raise FileNotFoundError(
            "no vowel data file given: pass the path of a CSV with columns vowel,F1,F2 (Hz), e.g. the "
            "Hillenbrand et al. (1995) subset hillenbrand_vowels.csv distributed with the EP paper's code")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"vowel data file not found: {str(path)!r}; pass the path of a CSV with columns vowel,F1,F2 (Hz)")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"vowel", "F1", "F2"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}; expected vowel,F1,F2")
        F, V = [], []
        for n, row in enumerate(reader):
            try:
                f1, f2 = float(row["F1"]), float(row["F2"])
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{path}: row {n}: formants must be numbers, got {row!r}") from exc
            if not (math.isfinite(f1) and math.isfinite(f2) and f1 > 0 and f2 > 0):
                raise ValueError(f"{path}: row {n}: formants must be finite and > 0 Hz, got F1={f1}, F2={f2}")
            if not row["vowel"]:
                raise ValueError(f"{path}: row {n}: empty vowel label")
            F.append((f1, f2))
            V.append(row["vowel"].strip())
    if not F:
        raise ValueError(f"{path}: no rows")
    return VowelData(np.asarray(F, dtype=float), np.asarray(V), str(path))


@dataclass(frozen=True)
class Task:
    """A binary task: scaled features (float64 tensors) and labels 0/1 (the first vowel of the pair is 0)."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    pair: tuple[str, str]
    seed: int


def vowel_task(data: VowelData, pair: tuple[str, str] = ("a", "i"), seed: int = 0, train_frac: float = 0.8) -> Task:
    """The paper's split: tokens of the two vowels, a random ``train_frac`` split by ``seed``, and
    min-max scaling of F1, F2 to [−1, 1] with the training set's ranges (test values may fall outside)."""
    if not 0 < train_frac < 1:
        raise ValueError(f"train_frac must be in (0, 1), got {train_frac}")
    for v in pair:
        if v not in set(data.vowel.tolist()):
            raise ValueError(f"vowel {v!r} not in the data (has {sorted(set(data.vowel.tolist()))})")
    sel = np.isin(data.vowel, pair)
    F, lab = data.F[sel], (data.vowel[sel] == pair[1]).astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(F))
    n_train = int(round(train_frac * len(F)))
    tr, te = perm[:n_train], perm[n_train:]
    lo, hi = F[tr].min(0), F[tr].max(0)
    scale = lambda x: 2.0 * (x - lo) / (hi - lo) - 1.0  # noqa: E731
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    return Task(as_t(scale(F[tr])), torch.as_tensor(lab[tr]), as_t(scale(F[te])), torch.as_tensor(lab[te]),
                (pair[0], pair[1]), seed)
