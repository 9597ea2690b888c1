"""The shared schema of a validated claim: one :class:`ClaimResult` per experiment, for every system.

A validation suite (``resonant validate rcs``, later DRAI and EP) runs one experiment per claim of a
paper. Each experiment states its hypothesis, its protocol, a pass criterion declared before the run
and a baseline, runs over several seeds and reports what it measured as a :class:`ClaimResult`.
:func:`resonant.reports.claims_report.write_claims_report` turns a list of them into ``report.md``
and ``results.json``.

Nothing here knows about any oscillator system: the module is plain data plus validation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

import numpy as np

__all__ = ["SCHEMA_KEYS", "VERDICTS", "ClaimResult", "Verdict", "mean_spread", "verdict_from"]

Verdict = Literal["supported", "refuted", "inconclusive"]
#: The allowed verdicts, in the order reports list them.
VERDICTS: tuple[str, ...] = get_args(Verdict)


def _plain(value: Any, where: str) -> Any:
    """``value`` as plain JSON types (numpy scalars/arrays converted); TypeError naming ``where`` otherwise.

    Non-finite floats are kept here (a measured NaN is information); :meth:`ClaimResult.to_dict` writes
    them as null.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value.tolist())]
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where} must have string keys to be JSON-serialisable, got key {k!r}")
            out[k] = _plain(v, f"{where}[{k!r}]")
        return out
    raise TypeError(f"{where} must be JSON-serialisable (None, bool, int, float, str, list, dict), "
                    f"got {type(value).__name__} {value!r}")


def _json_ready(value: Any) -> Any:
    """Plain value with non-finite floats replaced by None (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of one claim's experiment.

    Attributes:
        claim: short name of the claim (e.g. ``"1. compression"``).
        verdict: ``"supported"``, ``"refuted"`` or ``"inconclusive"`` (the pre-declared criterion decides).
        metric: what ``value`` measures, with its unit.
        value: the measured value (mean over seeds for a number; any JSON value).
        baseline: what ``value`` is compared with (chance level, control condition, prediction).
        criterion: the pass criterion, declared before the run.
        seeds: the seeds the experiment ran over. Empty only for a deterministic experiment, and then
            ``notes`` must say so.
        spread: spread of ``value`` over seeds (standard deviation), or None.
        section: where the paper makes the claim (section / equation).
        hypothesis: the claim as a testable statement.
        protocol: what was run and measured.
        figure: file name of the figure (relative to the report folder), or None.
        notes: caveats, deviations, what the numbers mean.
        details: further measured numbers (JSON values), per seed or per condition.
    """

    claim: str
    verdict: Verdict
    metric: str
    value: Any
    baseline: Any
    criterion: str
    seeds: list[int]
    spread: Any = None
    section: str = ""
    hypothesis: str = ""
    protocol: str = ""
    figure: str | None = None
    notes: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("claim", "metric", "criterion"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.strip():
                raise ValueError(f"ClaimResult.{name} must be a non-empty string, got {v!r}")
        for name in ("section", "hypothesis", "protocol", "notes"):
            v = getattr(self, name)
            if not isinstance(v, str):
                raise TypeError(f"ClaimResult.{name} must be a string, got {type(v).__name__} {v!r}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"ClaimResult.verdict must be one of {VERDICTS}, got {self.verdict!r} "
                             f"(claim {self.claim!r})")
        if self.figure is not None and (not isinstance(self.figure, str) or not self.figure):
            raise ValueError(f"ClaimResult.figure must be None or a non-empty file name, got {self.figure!r}")
        if isinstance(self.seeds, (str, bytes)) or not isinstance(self.seeds, Iterable):
            raise TypeError(f"ClaimResult.seeds must be a list of ints, got {self.seeds!r}")
        seeds = list(self.seeds)
        for s in seeds:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or s < 0:
                raise ValueError(f"ClaimResult.seeds must hold non-negative ints, got {s!r} in {seeds!r}")
        if len(set(int(s) for s in seeds)) != len(seeds):
            raise ValueError(f"ClaimResult.seeds must not repeat a seed, got {seeds!r}")
        if not seeds and not self.notes.strip():
            raise ValueError(f"ClaimResult.seeds is empty for claim {self.claim!r}: only a deterministic experiment "
                             "may have no seeds, and its notes must say so")
        object.__setattr__(self, "seeds", [int(s) for s in seeds])
        for name in ("value", "baseline", "spread"):
            object.__setattr__(self, name, _plain(getattr(self, name), f"ClaimResult.{name}"))
        if not isinstance(self.details, Mapping):
            raise TypeError(f"ClaimResult.details must be a dict, got {type(self.details).__name__}")
        object.__setattr__(self, "details", _plain(self.details, "ClaimResult.details"))

    @property
    def passed(self) -> bool | None:
        """True if supported, False if refuted, None if inconclusive."""
        return {"supported": True, "refuted": False}.get(self.verdict)

    def to_dict(self) -> dict[str, Any]:
        """A strict-JSON dict with every field (non-finite floats become null)."""
        return {f.name: _json_ready(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClaimResult:
        """The inverse of :meth:`to_dict` (unknown keys are an error naming them)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown ClaimResult keys {unknown}")
        missing = sorted(k for k in ("claim", "verdict", "metric", "value", "baseline", "criterion", "seeds")
                         if k not in d)
        if missing:
            raise ValueError(f"ClaimResult dict lacks required keys {missing}")
        return cls(**dict(d))


#: Keys every record of ``results.json`` has (the schema shared by all systems' validation reports).
SCHEMA_KEYS: tuple[str, ...] = tuple(f.name for f in fields(ClaimResult))


def mean_spread(values: Iterable[float]) -> tuple[float, float, int]:
    """(mean, sample standard deviation, n) over the finite values; NaN/inf entries are left out.

    The standard deviation uses n − 1 (0.0 for a single value); with no finite value the result is
    (nan, nan, 0).
    """
    arr = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"mean_spread takes real numbers, got {type(v).__name__} {v!r}")
        arr.append(float(v))
    x = np.asarray(arr, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, 0
    std = float(np.std(x, ddof=1)) if n > 1 else 0.0
    return float(np.mean(x)), std, n


def verdict_from(passed: bool | None) -> Verdict:
    """True → "supported", False → "refuted", None → "inconclusive"."""
    if passed is None:
        return "inconclusive"
    if isinstance(passed, (bool, np.bool_)):
        return "supported" if bool(passed) else "refuted"
    raise TypeError(f"passed must be True, False or None, got {type(passed).__name__} {passed!r}")
