"""Oscillator math shared by every system: phases, order parameters, coherence statistics,
sparse presence products, integrators, phase accumulators, dither, bound monitors, configs,
devices and checkpoints."""

from resonant.core.accumulator import PhaseAccumulator, increment_from_frequency
from resonant.core.checkpoint import atomic_save, atomic_write, load_checkpoint
from resonant.core.coherence import (
    coherence,
    division_score,
    expected_random_magnitude,
    random_phase_baseline,
)
from resonant.core.device import resolve_device_dtype
from resonant.core.dither import dither_increment
from resonant.core.errors import ConfigError, NumericalInstabilityError
from resonant.core.integrators import (
    cubic_saturation_flow,
    euler_step,
    exponential_linear_step,
    phi1,
)
from resonant.core.monitor import coupling_bound, coupling_bound_ratio, detuning_halfwidth
from resonant.core.phases import TWO_PI, order_parameter, phasor, wrap_phase, wrap_pi
from resonant.core.sparse import back_influence, carrier_drive, scatter_sum, to_dense

__all__ = [
    "TWO_PI",
    "ConfigError",
    "NumericalInstabilityError",
    "PhaseAccumulator",
    "atomic_save",
    "atomic_write",
    "back_influence",
    "carrier_drive",
    "coherence",
    "coupling_bound",
    "coupling_bound_ratio",
    "cubic_saturation_flow",
    "detuning_halfwidth",
    "dither_increment",
    "division_score",
    "euler_step",
    "expected_random_magnitude",
    "exponential_linear_step",
    "increment_from_frequency",
    "load_checkpoint",
    "order_parameter",
    "phasor",
    "phi1",
    "random_phase_baseline",
    "resolve_device_dtype",
    "scatter_sum",
    "to_dense",
    "wrap_phase",
    "wrap_pi",
]
