"""Exceptions shared by every system."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is out of its allowed range; the message names the field and value."""


class NumericalInstabilityError(FloatingPointError):
    """A state quantity became NaN or infinite.

    Attributes name the quantity and the step at which it was detected so that a blow-up is
    reported where it happens instead of propagating silently.
    """

    def __init__(self, quantity: str, step: int, detail: str = "") -> None:
        self.quantity = quantity
        self.step = step
        msg = f"non-finite value in {quantity!r} detected at step {step}"
        if detail:
            msg += f": {detail}"
        super().__init__(msg)
