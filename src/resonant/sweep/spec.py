"""The sweep specification: which target to run, over which parameter points and seeds.

A spec is read from a TOML (Python ≥ 3.11, ``tomllib``) or JSON file, or built from a dict::

    target = "rcs.stream"          # a registered run function (resonant.sweep.targets)
    seeds = 3                      # a count (seeds 0, 1, 2) or a list of non-negative ints
    seconds = 30.0                 # optional: shorthand for base["seconds"]
    name = "regimes"               # optional label

    [base]                         # overrides applied to every run
    stream = "paper"

    [grid]                         # Cartesian product over these
    kappa = [0.5, 2.0, 8.0]
    theta_div = [0.5, 0.95]

    [zip]                          # optional: equal-length lists varied together (one axis)
    T_div = [0.5, 1.0]
    refractory = [1.5, 3.0]

    [[points]]                     # optional: explicit points (another axis)
    dt = 0.005

The run points are the product grid × zip rows × points (each factor is a single empty point
when absent), every point overlaid on ``base``. Each point is resolved by its target into the
run's *full* configuration (every default filled in and validated), and :func:`config_hash` of
that configuration names the run: two runs with the same resolved configuration and seed are
the same run, whatever file they came from. Bad input raises :class:`SpecError` naming the key
and value.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Length of the short config hash (hex characters of the sha256).
HASH_CHARS = 12

_TOP_KEYS = ("target", "base", "grid", "zip", "points", "seeds", "seconds", "name", "seed_offset")


class SpecError(ValueError):
    """A sweep specification is invalid; the message names the key and the value.

    (A ValueError like :class:`~resonant.core.errors.ConfigError`; not a subclass of it, so that this
    module, imported by every worker process, does not import ``resonant.core`` and torch.)"""


# --------------------------------------------------------------------------------------------------
# canonical form and hash
# --------------------------------------------------------------------------------------------------
def canonical(value: Any, where: str = "value") -> Any:
    """A JSON-ready canonical form: tuples → lists, integral floats → ints (so 1 and 1.0 hash alike),
    dict keys sorted by the encoder; NaN/inf and non-JSON types are refused (SpecError naming ``where``)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpecError(f"{where}={value!r} must be finite")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise SpecError(f"{where} has a non-string key {k!r}")
            out[k] = canonical(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    try:  # numpy scalars
        import numpy as np

        if isinstance(value, np.generic):
            return canonical(value.item(), where)
    except ImportError:  # pragma: no cover
        pass
    raise SpecError(f"{where}={value!r} has type {type(value).__name__}; use numbers, strings, booleans, lists")


def canonical_json(value: Any) -> str:
    """Canonical JSON text of ``value`` (sorted keys, no spaces, ASCII)."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def config_hash(target: str, config: Mapping[str, Any]) -> str:
    """Short sha256 (first :data:`HASH_CHARS` hex digits) of the canonical JSON of (target, full config)."""
    text = canonical_json({"target": target, "config": dict(config)})
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:HASH_CHARS]


# --------------------------------------------------------------------------------------------------
# runs and spec
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a resolved configuration and a seed.

    Attributes:
        target: registered target name.
        params: the point's own values (base overlaid by grid/zip/points), as written in the spec.
        config: the full resolved configuration (what the target runs and what is hashed).
        config_hash: :func:`config_hash` of (target, config).
        seed: the run's seed.
    """

    target: str
    params: dict[str, Any]
    config: dict[str, Any]
    config_hash: str
    seed: int

    @property
    def run_id(self) -> str:
        """``<config_hash>-s<seed>``: the name of the run's record file."""
        return f"{self.config_hash}-s{self.seed}"


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep (see the module docstring for the format).

    Attributes:
        target: registered target name (see :mod:`resonant.sweep.targets`).
        base: overrides applied to every run.
        grid: parameter → list of values (Cartesian product).
        zip: parameter → list of values, all of one length, varied together.
        points: explicit points (each a dict of parameter → value).
        seeds: the seeds every point is run with.
        name: a label for reports.
    """

    target: str
    base: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    zip: dict[str, list[Any]] = field(default_factory=dict)
    points: list[dict[str, Any]] = field(default_factory=list)
    seeds: tuple[int, ...] = (0,)
    name: str = "sweep"
    _runs: tuple[RunSpec, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from resonant.sweep.targets import get_target

        get_target(self.target)  # SpecError naming the target if unknown
        _check_mapping("base", self.base)
        _check_axis("grid", self.grid)
        _check_axis("zip", self.zip)
        if self.zip:
            lengths = {k: len(v) for k, v in self.zip.items()}
            if len(set(lengths.values())) > 1:
                raise SpecError(f"zip lists must all have one length, got lengths {lengths}")
        if not isinstance(self.points, list):
            raise SpecError(f"points must be a list of tables/objects, got {self.points!r}")
        for i, p in enumerate(self.points):
            _check_mapping(f"points[{i}]", p)
        point_keys = set().union(*(p.keys() for p in self.points)) if self.points else set()
        owners = [("grid", set(self.grid)), ("zip", set(self.zip)), ("points", point_keys)]
        for (a, ka), (b, kb) in itertools.combinations(owners, 2):
            both = sorted(ka & kb)
            if both:
                raise SpecError(f"parameter(s) {both} appear in both {a} and {b}; each parameter may vary in one")
        if isinstance(self.seeds, bool) or not isinstance(self.seeds, tuple) or not self.seeds:
            raise SpecError(f"seeds must be a non-empty tuple of ints, got {self.seeds!r}")
        for s in self.seeds:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise SpecError(f"seeds must be non-negative ints, got {s!r} in {list(self.seeds)}")
        if len(set(self.seeds)) != len(self.seeds):
            raise SpecError(f"seeds must be distinct, got {list(self.seeds)}")
        if not isinstance(self.name, str) or not self.name:
            raise SpecError(f"name must be a non-empty string, got {self.name!r}")
        # resolve every point now (errors surface at load time, naming the point) and keep the result
        object.__setattr__(self, "_runs", tuple(self._resolve_runs()))

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, d: Mapping[str, Any], source: str = "spec") -> SweepSpec:
        """Build a spec from a plain dict (as read from TOML/JSON); errors name ``source`` and the key."""
        if not isinstance(d, Mapping):
            raise SpecError(f"{source}: a sweep spec must be a table/object, got {type(d).__name__}")
        unknown = sorted(set(d) - set(_TOP_KEYS))
        if unknown:
            raise SpecError(f"{source}: unknown key(s) {unknown}; allowed: {list(_TOP_KEYS)}")
        if "target" not in d:
            raise SpecError(f"{source}: missing key 'target' (a registered run function, e.g. 'rcs.stream')")
        target = d["target"]
        if not isinstance(target, str):
            raise SpecError(f"{source}: target={target!r} must be a string")
        base = d.get("base", {})
        base = dict(base) if isinstance(base, Mapping) else base  # a non-table base is rejected below
        if "seconds" in d:
            sec = d["seconds"]
            if isinstance(sec, bool) or not isinstance(sec, (int, float)) or not math.isfinite(sec) or sec <= 0:
                raise SpecError(f"{source}: seconds={sec!r} must be a finite number > 0")
            if isinstance(base, dict):
                if "seconds" in base:
                    raise SpecError(f"{source}: 'seconds' is given both at the top level and in base")
                base["seconds"] = sec
        seeds = _parse_seeds(d.get("seeds", 1), source)
        offset = d.get("seed_offset", 0)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise SpecError(f"{source}: seed_offset={offset!r} must be an int >= 0")
        seeds = tuple(s + offset for s in seeds)
        grid = d.get("grid") or {}
        zipped = d.get("zip") or {}
        points = d.get("points") or []
        try:
            return cls(target=target, base=base, grid=_as_lists(grid, "grid"), zip=_as_lists(zipped, "zip"),
                       points=list(points) if isinstance(points, (list, tuple)) else points,
                       seeds=seeds, name=d.get("name", "sweep"))
        except SpecError as exc:
            raise SpecError(f"{source}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (``from_dict(to_dict())`` gives an equal spec)."""
        return dict(target=self.target, name=self.name, base=dict(self.base), grid={k: list(v) for k, v in
                    self.grid.items()}, zip={k: list(v) for k, v in self.zip.items()},
                    points=[dict(p) for p in self.points], seeds=list(self.seeds))

    def with_seed_offset(self, offset: int) -> SweepSpec:
        """The same sweep with every seed shifted by ``offset`` (≥ 0): more seeds for a finished sweep."""
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise SpecError(f"seed_offset={offset!r} must be an int >= 0")
        return SweepSpec(self.target, dict(self.base), {k: list(v) for k, v in self.grid.items()},
                         {k: list(v) for k, v in self.zip.items()}, [dict(p) for p in self.points],
                         tuple(s + offset for s in self.seeds), self.name)

    # ---------------------------------------------------------------- expansion
    @property
    def swept(self) -> list[str]:
        """Parameters that vary across points, in spec order (grid, zip, points)."""
        names = list(self.grid) + list(self.zip)
        for p in self.points:
            names.extend(k for k in p if k not in names)
        return names

    def point_params(self) -> list[dict[str, Any]]:
        """The run points (parameter dicts before resolution), in spec order."""
        grid_rows: Iterable[dict[str, Any]] = (
            dict(zip(self.grid, combo, strict=True)) for combo in itertools.product(*self.grid.values())
        ) if self.grid else [{}]
        grid_rows = list(grid_rows)
        n_zip = len(next(iter(self.zip.values()))) if self.zip else 0
        zip_rows = [{k: v[i] for k, v in self.zip.items()} for i in range(n_zip)] if self.zip else [{}]
        pts = self.points or [{}]
        return [{**self.base, **g, **z, **p} for g in grid_rows for z in zip_rows for p in pts]

    def runs(self) -> list[RunSpec]:
        """Every (point, seed) run, point-major, in spec order (resolved when the spec was built)."""
        return list(self._runs)

    def _resolve_runs(self) -> list[RunSpec]:
        """Resolve every point with its target and hash it. Raises SpecError naming a bad point."""
        from resonant.sweep.targets import get_target

        tgt = get_target(self.target)
        out: list[RunSpec] = []
        seen: dict[str, dict[str, Any]] = {}
        for params in self.point_params():
            try:
                config = canonical(tgt.resolve(dict(params)), "config")
            except (ValueError, TypeError) as exc:  # ConfigError and SpecError are ValueErrors
                shown = {k: params[k] for k in self.swept if k in params}
                raise SpecError(f"point {shown or params}: {exc}") from None
            h = config_hash(self.target, config)
            if h in seen:
                raise SpecError(f"points {seen[h]} and {params} resolve to the same configuration (hash {h}); "
                                "remove the duplicate")
            seen[h] = params
            swept = {k: params[k] for k in self.swept if k in params}
            out.extend(RunSpec(self.target, swept, config, h, s) for s in self.seeds)
        return out


# --------------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------------
def load_spec(path: str | Path) -> SweepSpec:
    """Read a spec from a ``.toml`` (Python ≥ 3.11) or ``.json`` file; clear errors for a missing or bad file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sweep spec file not found: {str(path)!r}")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}: not valid JSON: {exc}") from None
    elif suffix == ".toml":
        if sys.version_info < (3, 11):  # pragma: no cover - py3.10 only
            try:
                import tomli as tomllib  # type: ignore[import-not-found]
            except ImportError:
                raise SpecError(f"{path}: TOML specs need Python >= 3.11 (tomllib) or the tomli package; "
                                "use a .json spec instead") from None
        else:
            import tomllib
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path}: not valid TOML: {exc}") from None
    else:
        raise SpecError(f"{path}: unknown spec format {suffix!r}; use .toml or .json")
    return SweepSpec.from_dict(data, source=str(path))


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _parse_seeds(seeds: Any, source: str) -> tuple[int, ...]:
    if isinstance(seeds, bool):
        raise SpecError(f"{source}: seeds={seeds!r} must be a count (int >= 1) or a list of ints >= 0")
    if isinstance(seeds, int):
        if seeds < 1:
            raise SpecError(f"{source}: seeds={seeds!r} as a count must be >= 1")
        return tuple(range(seeds))
    if isinstance(seeds, (list, tuple)) and seeds:
        for s in seeds:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise SpecError(f"{source}: seeds must be ints >= 0, got {s!r} in {list(seeds)}")
        if len(set(seeds)) != len(seeds):
            raise SpecError(f"{source}: seeds must be distinct, got {list(seeds)}")
        return tuple(int(s) for s in seeds)
    raise SpecError(f"{source}: seeds={seeds!r} must be a count (int >= 1) or a non-empty list of ints >= 0")


def _as_lists(axis: Any, name: str) -> Any:
    if not isinstance(axis, Mapping):
        return axis  # rejected with a clear message in __post_init__
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in axis.items()}


def _check_mapping(name: str, d: Any) -> None:
    if not isinstance(d, Mapping):
        raise SpecError(f"{name} must be a table/object of parameter = value, got {d!r}")
    for k, v in d.items():
        if not isinstance(k, str) or not k:
            raise SpecError(f"{name} has an invalid parameter name {k!r}")
        canonical(v, f"{name}[{k!r}]")


def _check_axis(name: str, axis: Any) -> None:
    if not isinstance(axis, Mapping):
        raise SpecError(f"{name} must be a table/object of parameter = [values], got {axis!r}")
    for k, v in axis.items():
        if not isinstance(k, str) or not k:
            raise SpecError(f"{name} has an invalid parameter name {k!r}")
        if not isinstance(v, list) or not v:
            raise SpecError(f"{name}[{k!r}]={v!r} must be a non-empty list of values")
        canonical(v, f"{name}[{k!r}]")
        keys = [canonical_json(x) for x in v]
        if len(set(keys)) != len(keys) and name == "grid":
            raise SpecError(f"{name}[{k!r}]={v!r} has repeated values")


__all__ = [
    "HASH_CHARS",
    "RunSpec",
    "SpecError",
    "SweepSpec",
    "canonical",
    "canonical_json",
    "config_hash",
    "load_spec",
]
