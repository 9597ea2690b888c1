"""Vowel formants (Hillenbrand, Getty, Clark & Wheeler 1995, J. Acoust. Soc. Am. 97(5):3099-3111).

The library ships no data. :func:`load_vowels` reads a CSV with columns ``vowel, F1, F2`` (Hz), e.g.
the 689-token subset used by the EP paper (``hillenbrand_vowels.csv``); :func:`vowel_task` makes the
binary tasks of the paper (e.g. /a/ vs /i/): a seeded 80/20 split and min-max scaling to [−1, 1]
with the training ranges.
"""

from __future__ import annotations

import csv
import math
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


def load_vowels(path: str | Path | None) -> VowelData:
    """Read vowel tokens from a CSV file with header ``vowel,F1,F2``.

    Raises FileNotFoundError with instructions when the file is absent, and ValueError naming the
    row for a malformed row (missing column, non-numeric or non-finite or non-positive formant).
    """
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
