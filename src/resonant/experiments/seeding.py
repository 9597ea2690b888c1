"""Seed handling shared by the experiments: seed-list validation and independent streams from integer keys."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

__all__ = ["check_seeds", "keyed_generator", "seed_from_keys"]


def seed_from_keys(*keys: int) -> int:
    """A 63-bit seed from integer keys (numpy SeedSequence mixing: distinct keys → independent streams)."""
    state = np.random.SeedSequence([int(k) for k in keys]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def keyed_generator(*keys: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded by :func:`seed_from_keys`."""
    return torch.Generator().manual_seed(seed_from_keys(*keys))


def check_seeds(seeds: Iterable[int]) -> list[int]:
    """The seeds as a list of ints; a clear error for an empty list, a negative/non-int seed or a repeat."""
    out = list(seeds)
    if not out:
        raise ValueError("seeds must not be empty")
    for s in out:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"seeds must be non-negative ints, got {s!r}")
    if len(set(int(s) for s in out)) != len(out):
        raise ValueError(f"seeds must not repeat, got {out!r}")
    return [int(s) for s in out]
