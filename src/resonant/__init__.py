"""resonant: learning in networks of coupled oscillators.

Three systems share one oscillator core (:mod:`resonant.core`):

* :mod:`resonant.rcs` -- Resonant Compression Systems (carrier-mediated coupling, elastic presence,
  mitosis by spectral factorisation, metabolism, nucleation, an observation interface);
* ``resonant.ep`` -- equilibrium propagation for natural-frequency learning (planned);
* ``resonant.drai`` -- Dynamic Resonance AI (planned).
"""

__version__ = "0.1.0"
