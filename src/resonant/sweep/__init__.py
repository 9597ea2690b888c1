"""Parameter sweeps and multi-seed runs (RCS §10.4), on a local process pool or a Dask cluster.

* :mod:`~resonant.sweep.spec`: :class:`SweepSpec` (TOML/JSON: target, base, grid, zip, points,
  seeds, seconds), :func:`load_spec`, :func:`config_hash` of each run's resolved configuration;
* :mod:`~resonant.sweep.targets`: the registry of run functions (``"rcs.stream"``, ``"demo.quadratic"``);
* :mod:`~resonant.sweep.runner`: :func:`run_sweep` (resumable; one JSON record per run; the tidy
  table ``results.csv``).
"""

from resonant.sweep.runner import load_table, run_sweep
from resonant.sweep.spec import RunSpec, SpecError, SweepSpec, config_hash, load_spec
from resonant.sweep.targets import TARGETS, Target, get_target, register

__all__ = [
    "TARGETS",
    "RunSpec",
    "SpecError",
    "SweepSpec",
    "Target",
    "config_hash",
    "get_target",
    "load_spec",
    "load_table",
    "register",
    "run_sweep",
]
