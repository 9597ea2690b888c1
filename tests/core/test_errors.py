"""Shared exceptions."""

import pytest

from resonant.core.errors import ConfigError, NumericalInstabilityError


def test_config_error_is_value_error():
    with pytest.raises(ValueError, match="dt=-1"):
        raise ConfigError("dt=-1 must be positive")


def test_numerical_instability_error_names_quantity_and_step():
    err = NumericalInstabilityError("c", 42, "|c| = inf")
    assert isinstance(err, FloatingPointError)
    assert err.quantity == "c" and err.step == 42
    assert str(err) == "non-finite value in 'c' detected at step 42: |c| = inf"
    assert str(NumericalInstabilityError("phi", 0)) == "non-finite value in 'phi' detected at step 0"
