"""resonant: learning in networks of coupled oscillators.

Three systems share one oscillator core (:mod:`resonant.core`):

* :mod:`resonant.rcs` -- Resonant Compression Systems (carrier-mediated coupling, elastic presence,
  mitosis by spectral factorisation, metabolism, nucleation, an observation interface);
* :mod:`resonant.ep` -- equilibrium propagation for natural-frequency learning in Kuramoto networks;
* :mod:`resonant.drai` -- Dynamic Resonance AI (resonance-gated local learning of couplings).

Around them: :mod:`resonant.readouts` (measurement outside the engines), :mod:`resonant.experiments`,
:mod:`resonant.reports`, :mod:`resonant.sweep` (parameter sweeps on a process pool or Dask) and the CLI.
"""

__version__ = "0.1.0"
