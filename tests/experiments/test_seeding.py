"""Shared seed helpers (:mod:`resonant.experiments.seeding`)."""

import numpy as np
import pytest
import torch

from resonant.experiments.seeding import check_seeds, keyed_generator, seed_from_keys


def test_same_keys_same_stream_and_distinct_keys_distinct_streams():
    assert seed_from_keys(3, 7) == seed_from_keys(3, 7)
    assert len({seed_from_keys(s, k) for s in range(20) for k in range(5)}) == 100
    assert 0 <= seed_from_keys(1, 2, 3) < 2**63
    a = torch.rand(4, generator=keyed_generator(0, 1))
    assert torch.equal(a, torch.rand(4, generator=keyed_generator(0, 1)))
    assert not torch.equal(a, torch.rand(4, generator=keyed_generator(1, 0)))


@pytest.mark.parametrize("bad", [[], [-1], [True], [1.5], [2, 2]])
def test_bad_seed_lists_are_refused_naming_the_problem(bad):
    with pytest.raises(ValueError, match="seeds"):
        check_seeds(bad)


def test_check_seeds_returns_python_ints():
    assert check_seeds(np.arange(3)) == [0, 1, 2] and all(type(s) is int for s in check_seeds(np.arange(3)))
