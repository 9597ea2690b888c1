"""Run functions a sweep can call, by name.

A :class:`Target` has two parts:

* ``resolve(params) -> config``: turn a point's parameters into the run's *full* configuration
  (every default filled in, every value validated; unknown keys and out-of-range values raise
  :class:`~resonant.sweep.spec.SpecError` or ConfigError naming the key and value). The sweep hashes this.
* ``run(config, seed) -> metrics``: run it and return flat scalar metrics (numbers, or None where
  undefined). The same config and seed must give the same metrics.

Registered here:

* ``"rcs.stream"``: the RCS engine on a stream (the paper's, RCS §10, or a grouped stream with
  ground-truth labels) for ``seconds``, with any :class:`~resonant.rcs.config.RCSConfig` field as
  a parameter; returns the §10.1 metrics and the §10.5 failure-mode indicators
  (:data:`RCS_STREAM_METRICS`).
* ``"demo.quadratic"``: f = (x − 1)² + y², plus a seeded noisy copy; a fast pure function for
  testing the sweep machinery (it can also be told to fail, to be numerically unstable, or to sleep).

A target given as ``"package.module:attribute"`` is imported from that module (the attribute must
be a :class:`Target`); worker processes import it the same way, so it must be importable there.
"""

from __future__ import annotations

import importlib
import inspect
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from resonant.sweep.spec import SpecError

Metrics = dict[str, float | int | None]


@dataclass(frozen=True)
class Target:
    """A named run function (see the module docstring).

    Attributes:
        name: registry name.
        resolve: params → full configuration (raises a ValueError, e.g. SpecError or ConfigError, naming
            a bad key/value).
        run: (configuration, seed) → flat scalar metrics.
        metrics: the metric names ``run`` returns, in table order.
        description: one line for ``--help`` and docs.
    """

    name: str
    resolve: Callable[[dict[str, Any]], dict[str, Any]]
    run: Callable[[dict[str, Any], int], Metrics]
    metrics: tuple[str, ...]
    description: str = ""


TARGETS: dict[str, Target] = {}


def register(target: Target) -> Target:
    """Add a target to the registry (its name must be new)."""
    if not isinstance(target, Target):
        raise TypeError(f"register takes a Target, got {type(target).__name__}")
    if target.name in TARGETS:
        raise ValueError(f"a target named {target.name!r} is already registered")
    TARGETS[target.name] = target
    return target


def get_target(name: str) -> Target:
    """The registered target ``name``, or one imported from ``"module:attribute"``; SpecError otherwise."""
    if not isinstance(name, str):
        raise SpecError(f"target={name!r} must be a string")
    if name in TARGETS:
        return TARGETS[name]
    if ":" in name:
        mod, _, attr = name.partition(":")
        try:
            obj = getattr(importlib.import_module(mod), attr)
        except (ImportError, AttributeError) as exc:
            raise SpecError(f"target={name!r} could not be imported: {exc}") from None
        if not isinstance(obj, Target):
            raise SpecError(f"target={name!r} is a {type(obj).__name__}, not a resonant.sweep.targets.Target")
        return obj
    raise SpecError(f"unknown target={name!r}; registered: {sorted(TARGETS)} (or use 'module:attribute')")


def pin_threads() -> None:
    """One compute thread per worker process (the pool supplies the parallelism)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


# --------------------------------------------------------------------------------------------------
# parameter helpers
# --------------------------------------------------------------------------------------------------
def _number(params: dict[str, Any], key: str, default: float | None, *, low: float | None = None,
            high: float | None = None, low_open: bool = False, target: str = "") -> float:
    v = params.pop(key, default)
    if v is None:
        raise SpecError(f"{target}: missing parameter {key!r}")
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SpecError(f"{target}: {key}={v!r} must be a finite number")
    if (low is not None and (v <= low if low_open else v < low)) or (high is not None and v > high):
        lo = "(" if low_open else "["
        raise SpecError(f"{target}: {key}={v!r} is out of range {lo}{low}, {high}]")
    return float(v)


def _flag(params: dict[str, Any], key: str, default: bool, target: str) -> bool:
    v = params.pop(key, default)
    if not isinstance(v, bool):
        raise SpecError(f"{target}: {key}={v!r} must be true or false")
    return v


def _reject_unknown(params: Mapping[str, Any], allowed: list[str], target: str) -> None:
    if params:
        raise SpecError(f"{target}: unknown parameter(s) {sorted(params)}; allowed: {allowed}")


# --------------------------------------------------------------------------------------------------
# demo.quadratic
# --------------------------------------------------------------------------------------------------
DEMO_METRICS = ("f", "f_noisy", "draw")


def _demo_resolve(params: dict[str, Any]) -> dict[str, Any]:
    p, t = dict(params), "demo.quadratic"
    out = dict(
        x=_number(p, "x", None, target=t), y=_number(p, "y", 0.0, target=t),
        noise=_number(p, "noise", 0.0, low=0.0, target=t), sleep=_number(p, "sleep", 0.0, low=0.0, high=60.0, target=t),
        fail=_flag(p, "fail", False, t), unstable=_flag(p, "unstable", False, t),
    )
    _reject_unknown(p, ["x", "y", "noise", "sleep", "fail", "unstable"], t)
    return out


def _demo_run(config: dict[str, Any], seed: int) -> Metrics:
    """f = (x − 1)² + y²; f_noisy = f + noise·ξ and draw = U(0, 1), both from numpy's generator seeded by ``seed``."""
    if config["sleep"]:
        time.sleep(config["sleep"])
    if config["fail"]:
        raise ValueError(f"demo.quadratic: failure requested at x={config['x']}")
    if config["unstable"]:
        raise FloatingPointError(f"demo.quadratic: instability requested at x={config['x']}")
    f = (config["x"] - 1.0) ** 2 + config["y"] ** 2
    rng = np.random.default_rng(seed)
    return {"f": f, "f_noisy": f + config["noise"] * float(rng.standard_normal()), "draw": float(rng.random())}


register(Target("demo.quadratic", _demo_resolve, _demo_run, DEMO_METRICS,
                "f = (x-1)^2 + y^2 with seeded noise; params x, y, noise, sleep, fail, unstable"))


# --------------------------------------------------------------------------------------------------
# rcs.stream
# --------------------------------------------------------------------------------------------------
#: Metrics of ``rcs.stream`` in table order (see :func:`stream_metrics` for their definitions).
RCS_STREAM_METRICS: tuple[str, ...] = (
    "steps", "arrivals", "mean_N", "mean_M", "final_M", "mean_M_active", "births", "nucleations", "mitoses",
    "dissolutions", "snaps", "recruitments", "mitoses_per_min", "mean_bonds_per_carrier", "mean_R", "max_R",
    "mean_R_N3", "chance_R_N3", "frac_R_above", "mean_L_comp_per_osc", "mean_density_P", "median_bound_ratio",
    "mixed_carrier_fraction", "mixed_label_fraction", "mean_groups", "carriers_per_group",
)

_STREAMS = ("paper", "grouped")
_RCS_EXTRA = {  # target parameters that are not RCSConfig fields: name -> (default, meaning)
    "seconds": (None, "simulated seconds (> 0)"),
    "stream": ("paper", "signal source: 'paper' (RCS §10) or 'grouped' (labelled frequency groups)"),
    "R_collapse": (0.9, "R above this counts towards frac_R_above (eq. 48)"),
    "mixed_hz": (0.25, "a carrier is mixed when its bonded frequencies span at least this (Hz)"),
    "obs_every": (0.25, "seconds between the observations that measure mixing"),
    "device": ("cpu", "cpu or cuda"),
    "backend": ("auto", "engine backend: auto, torch or numba"),
}


def _stream_class(kind: str) -> type:
    from resonant.rcs.stream import GroupedStream, PaperStream

    return {"paper": PaperStream, "grouped": GroupedStream}[kind]


def _stream_defaults(kind: str) -> dict[str, Any]:
    sig = inspect.signature(_stream_class(kind).__init__)
    return {n: p.default for n, p in sig.parameters.items() if n not in ("self", "seed")}


def make_stream(kind: str, seed: int, params: Mapping[str, Any]) -> Any:
    """The signal source of a resolved ``rcs.stream`` config (seeded like the engine)."""
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in params.items()}
    return _stream_class(kind)(seed, **kw)


def _rcs_float_fields() -> set[str]:
    import dataclasses

    from resonant.rcs.config import RCSConfig

    return {f.name for f in dataclasses.fields(RCSConfig) if "float" in str(f.type)}


def _rcs_resolve(params: dict[str, Any]) -> dict[str, Any]:
    from resonant.rcs.config import RCSConfig

    t = "rcs.stream"
    p = dict(params)
    seconds = _number(p, "seconds", None, low=0.0, low_open=True, target=t)
    kind = p.pop("stream", "paper")
    if kind not in _STREAMS:
        raise SpecError(f"{t}: stream={kind!r} must be one of {list(_STREAMS)}")
    R_collapse = _number(p, "R_collapse", 0.9, low=0.0, high=1.0, target=t)
    mixed_hz = _number(p, "mixed_hz", 0.25, low=0.0, target=t)
    obs_every = _number(p, "obs_every", 0.25, low=0.0, low_open=True, target=t)
    device = p.pop("device", "cpu")
    backend = p.pop("backend", "auto")
    if device not in ("cpu", "cuda"):
        raise SpecError(f"{t}: device={device!r} must be 'cpu' or 'cuda'")
    if backend not in ("auto", "torch", "numba"):
        raise SpecError(f"{t}: backend={backend!r} must be 'auto', 'torch' or 'numba'")
    stream_params = _stream_defaults(kind)
    for key in [k for k in p if k.startswith("stream.")]:
        name = key[len("stream."):]
        if name not in stream_params:
            raise SpecError(f"{t}: unknown stream parameter {key!r} for stream={kind!r}; allowed: "
                              f"{['stream.' + n for n in stream_params]}")
        stream_params[name] = p.pop(key)
    try:
        make_stream(kind, 0, stream_params)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{t}: invalid stream parameters {stream_params}: {exc}") from None
    fields = RCSConfig().to_dict()
    unknown = sorted(set(p) - set(fields))
    if unknown:
        raise SpecError(f"{t}: unknown parameter(s) {unknown}; allowed: RCSConfig fields, "
                          f"{sorted(_RCS_EXTRA)} and 'stream.<name>'")
    floats = _rcs_float_fields()
    for k, v in p.items():
        if k in floats and isinstance(v, int) and not isinstance(v, bool):
            p[k] = float(v)
    cfg = RCSConfig.from_dict({**fields, **p})  # ConfigError names the field and value
    return dict(seconds=seconds, stream=kind, stream_params=stream_params, R_collapse=R_collapse,
                mixed_hz=mixed_hz, obs_every=obs_every, device=device, backend=backend, rcs=cfg.to_dict())


class MixingRecorder:
    """A recorder (:class:`resonant.rcs.engine.Recorder`) keeping the per-step §10.1 rows and, every
    ``obs_every`` seconds, one row of mixing counts from a full observation (see :func:`carrier_mixing`)."""

    trace_window = None

    def __init__(self, obs_every: float, mixed_hz: float) -> None:
        self.obs_every, self.mixed_hz = float(obs_every), float(mixed_hz)
        self._rows: list[np.ndarray] = []
        self._obs: list[tuple[int, int, int, int, int, int]] = []
        self._next = self.obs_every

    def add_rows(self, rows: np.ndarray) -> None:
        if len(rows):
            self._rows.append(np.asarray(rows, dtype=float))

    def add_traces(self, *args: Any) -> None:  # no carrier traces needed
        return None

    def next_observation_step(self, step: int, dt: float) -> int | None:
        return max(step, int(math.ceil(self._next / dt - 1e-9)))

    def add_observation(self, obs: Any) -> None:
        if obs.t < self._next - 1e-9:
            return
        self._next += self.obs_every
        freq = obs.omega.cpu().numpy() / (2.0 * math.pi)
        label = obs.label.cpu().numpy()
        n_bonded, n_mixed, n_mixed_label = carrier_mixing(obs.osc.cpu().numpy(), obs.car.cpu().numpy(), freq, label,
                                                          obs.M, self.mixed_hz)
        labelled = int(freq.size > 0 and bool((label >= 0).all()))
        groups = len(set(label.tolist())) if labelled else frequency_groups(freq, self.mixed_hz)
        self._obs.append((obs.N, groups, n_bonded, n_mixed, n_mixed_label, labelled))

    def series(self) -> dict[str, np.ndarray]:
        from resonant.rcs.engine import SUMMARY_COLUMNS

        arr = np.concatenate(self._rows) if self._rows else np.zeros((0, len(SUMMARY_COLUMNS)))
        return {c: arr[:, j] for j, c in enumerate(SUMMARY_COLUMNS)}

    def observations(self) -> np.ndarray:
        """(n, 6) int array: N, groups, bonded carriers, mixed carriers, label-mixed carriers, labelled."""
        return np.asarray(self._obs, dtype=np.int64).reshape(-1, 6)


def carrier_mixing(osc: np.ndarray, car: np.ndarray, freq_hz: np.ndarray, label: np.ndarray, M: int,
                   mixed_hz: float) -> tuple[int, int, int]:
    """(bonded carriers, frequency-mixed carriers, label-mixed carriers) of one presence pattern.

    A carrier is bonded when it has ≥ 1 bond; frequency-mixed when the natural frequencies of its
    bonded oscillators span ≥ ``mixed_hz`` (the multimodal carriers that Algorithm 2 should divide,
    RCS §5.3-5.4); label-mixed when its bonded oscillators carry ≥ 2 distinct ground-truth labels ≥ 0.
    """
    if M == 0 or osc.size == 0:
        return 0, 0, 0
    f = freq_hz[osc]
    lo = np.full(M, np.inf)
    hi = np.full(M, -np.inf)
    np.minimum.at(lo, car, f)
    np.maximum.at(hi, car, f)
    bonded = np.isfinite(lo)
    mixed = bonded & (hi - lo >= mixed_hz)
    lab = label[osc]
    lmin = np.full(M, np.iinfo(np.int64).max)
    lmax = np.full(M, np.iinfo(np.int64).min)
    ok = lab >= 0
    np.minimum.at(lmin, car[ok], lab[ok])
    np.maximum.at(lmax, car[ok], lab[ok])
    label_mixed = (lmax > lmin) & (lmax != np.iinfo(np.int64).min)
    return int(bonded.sum()), int(mixed.sum()), int(label_mixed.sum())


def frequency_groups(freq_hz: np.ndarray, gap_hz: float) -> int:
    """Number of frequency groups: sorted frequencies split wherever neighbours are ≥ ``gap_hz`` apart."""
    if freq_hz.size == 0:
        return 0
    f = np.sort(np.asarray(freq_hz, dtype=float))
    return 1 + int(np.count_nonzero(np.diff(f) >= gap_hz))


def _mean_or_none(x: np.ndarray) -> float | None:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else None


def stream_metrics(series: Mapping[str, np.ndarray], observations: np.ndarray, seconds: float,
                   R_collapse: float, arrivals: int | None = None) -> Metrics:
    """Scalar metrics of one stream run from its per-step rows and mixing observations.

    * ``arrivals``: signals admitted (given by the caller);
    * counts and means of §10.1 (N, M, M_active, births, nucleations, mitoses, dissolutions, snaps,
      recruitments; counters are the final cumulative values); ``mitoses_per_min`` = mitoses / seconds · 60;
    * ``mean_bonds_per_carrier`` = mean of nnz/M over steps with M > 0;
    * R (eq. 48): ``mean_R``, ``max_R`` over all steps; ``mean_R_N3`` over steps with N ≥ 3 (R ≡ 1 when
      N = 1), ``chance_R_N3`` = mean √(π/4N) over the same steps (random phases), ``frac_R_above`` = fraction
      of those steps with R > ``R_collapse``;
    * ``mean_L_comp_per_osc`` = mean of (nnz + M_active)/N (eq. 49 per oscillator) over steps with N > 0;
      ``mean_density_P`` = mean of nnz/(N·M) over steps with N, M > 0; ``median_bound_ratio`` = median of the
      finite eq. (44) ratios;
    * from the observations: ``mixed_carrier_fraction`` = Σ frequency-mixed / Σ bonded carriers,
      ``mixed_label_fraction`` likewise by labels (None on unlabelled streams), ``mean_groups`` = mean number of
      groups present (labels, or frequency groups) and ``carriers_per_group`` = mean of bonded carriers / groups
      over observations with N > 0.
    """
    N, M = np.asarray(series["N"], float), np.asarray(series["M"], float)
    R, nnz, M_act = np.asarray(series["R"], float), np.asarray(series["nnz"], float), np.asarray(series["M_active"],
                                                                                                    float)
    n = int(N.size)

    def final(name: str) -> int | None:
        x = np.asarray(series[name], float)
        return int(round(float(x[-1]))) if x.size else None

    m: Metrics = {"steps": n, "arrivals": arrivals, "mean_N": _mean_or_none(N), "mean_M": _mean_or_none(M),
                  "final_M": final("M"), "mean_M_active": _mean_or_none(M_act)}
    for name in ("births", "nucleations", "mitoses", "dissolutions", "snaps", "recruitments"):
        m[name] = final(name)
    mit = m["mitoses"]
    m["mitoses_per_min"] = None if mit is None else 60.0 * float(mit) / float(seconds)
    has_M = M > 0
    m["mean_bonds_per_carrier"] = _mean_or_none(nnz[has_M] / M[has_M])
    m["mean_R"] = _mean_or_none(R)
    m["max_R"] = float(R.max()) if n else None
    n3 = N >= 3
    m["mean_R_N3"] = _mean_or_none(R[n3])
    m["chance_R_N3"] = _mean_or_none(np.sqrt(np.pi / (4.0 * N[n3])))
    m["frac_R_above"] = float(np.mean(R[n3] > R_collapse)) if n3.any() else None
    has_N = N > 0
    m["mean_L_comp_per_osc"] = _mean_or_none((nnz[has_N] + M_act[has_N]) / N[has_N])
    both = has_N & has_M
    m["mean_density_P"] = _mean_or_none(nnz[both] / (N[both] * M[both]))
    br = np.asarray(series["bound_ratio"], float)
    br = br[np.isfinite(br)]
    m["median_bound_ratio"] = float(np.median(br)) if br.size else None
    obs = np.asarray(observations).reshape(-1, 6)
    bonded, mixed, mixed_label, labelled = obs[:, 2].sum(), obs[:, 3].sum(), obs[:, 4].sum(), obs[:, 5]
    m["mixed_carrier_fraction"] = float(mixed / bonded) if bonded else None
    m["mixed_label_fraction"] = float(mixed_label / bonded) if bonded and labelled.any() else None
    live = obs[:, 0] > 0
    m["mean_groups"] = _mean_or_none(obs[live, 1])
    m["carriers_per_group"] = _mean_or_none(obs[live, 2] / obs[live, 1]) if live.any() else None
    return m


def _rcs_run(config: dict[str, Any], seed: int) -> Metrics:
    """Run the engine on the configured stream for ``seconds`` and return :func:`stream_metrics`."""
    import torch

    from resonant.rcs.config import RCSConfig
    from resonant.rcs.engine import Engine

    torch.set_num_threads(1)
    floats = _rcs_float_fields()
    cfg = RCSConfig.from_dict({k: (float(v) if k in floats and isinstance(v, int) and not isinstance(v, bool)
                                   else v) for k, v in config["rcs"].items()})
    source = make_stream(config["stream"], seed, config["stream_params"])
    engine = Engine(cfg, device=config["device"], seed=seed, backend=config["backend"])
    rec = MixingRecorder(config["obs_every"], config["mixed_hz"])
    with torch.inference_mode():
        engine.run(source, float(config["seconds"]), recorder=rec)
    return stream_metrics(rec.series(), rec.observations(), float(config["seconds"]), float(config["R_collapse"]),
                          arrivals=int(engine.counters["arrivals"]))


register(Target("rcs.stream", _rcs_resolve, _rcs_run, RCS_STREAM_METRICS,
                "RCS engine on the paper's or a grouped stream; params: RCSConfig fields, seconds, stream, "
                "stream.<name>, R_collapse, mixed_hz, obs_every, device, backend"))


__all__ = [
    "DEMO_METRICS",
    "RCS_STREAM_METRICS",
    "TARGETS",
    "MixingRecorder",
    "Target",
    "carrier_mixing",
    "frequency_groups",
    "get_target",
    "make_stream",
    "pin_threads",
    "register",
    "stream_metrics",
]
