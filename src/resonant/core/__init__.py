"""Oscillator math shared by every system: phases, order parameters, coherence statistics,
sparse presence products, integrators, phase accumulators, dither, bound monitors, configs,
devices and checkpoints."""

# Lazy (PEP 562): importing resonant.core must not import torch, so torch-free tools (the sweep
# coordinator, resonant.core.atomic) start fast; the names load on first use.
from importlib import import_module
from typing import Any

_EXPORTS = {
    "ConfigError": "resonant.core.errors",
    "NumericalInstabilityError": "resonant.core.errors",
    "PhaseAccumulator": "resonant.core.accumulator",
    "TWO_PI": "resonant.core.phases",
    "atomic_save": "resonant.core.checkpoint",
    "atomic_write": "resonant.core.checkpoint",
    "back_influence": "resonant.core.sparse",
    "carrier_drive": "resonant.core.sparse",
    "coherence": "resonant.core.coherence",
    "coupling_bound": "resonant.core.monitor",
    "coupling_bound_ratio": "resonant.core.monitor",
    "cubic_saturation_flow": "resonant.core.integrators",
    "detuning_halfwidth": "resonant.core.monitor",
    "dither_increment": "resonant.core.dither",
    "division_score": "resonant.core.coherence",
    "euler_step": "resonant.core.integrators",
    "expected_random_magnitude": "resonant.core.coherence",
    "exponential_linear_step": "resonant.core.integrators",
    "increment_from_frequency": "resonant.core.accumulator",
    "load_checkpoint": "resonant.core.checkpoint",
    "order_parameter": "resonant.core.phases",
    "phasor": "resonant.core.phases",
    "phi1": "resonant.core.integrators",
    "random_phase_baseline": "resonant.core.coherence",
    "resolve_device_dtype": "resonant.core.device",
    "scatter_sum": "resonant.core.sparse",
    "to_dense": "resonant.core.sparse",
    "wrap_phase": "resonant.core.phases",
    "wrap_pi": "resonant.core.phases",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
