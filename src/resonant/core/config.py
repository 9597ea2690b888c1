"""Validated configuration dataclasses: every constant with meaning, unit, default and range.

A field is declared with :func:`param`; :func:`validate` checks every field against its range
and raises :class:`~resonant.core.errors.ConfigError` naming the field and the value.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from resonant.core.errors import ConfigError


def param(
    default: Any,
    meaning: str,
    unit: str = "1",
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    choices: Sequence[Any] | None = None,
    integer: bool = False,
    optional: bool = False,
    paper: str = "",
) -> Any:
    """A dataclass field with documentation and range metadata.

    ``paper`` says where the constant comes from ("eq. 13", or "unspecified" for constants the
    paper leaves out, RCS pitfall 9).
    """
    meta = dict(meaning=meaning, unit=unit, low=low, high=high, low_open=low_open, high_open=high_open,
                choices=tuple(choices) if choices is not None else None, integer=integer,
                optional=optional, paper=paper)
    return dataclasses.field(default=default, metadata=meta)


def _describe_range(m: dict[str, Any]) -> str:
    if m["choices"] is not None:
        return f"one of {list(m['choices'])}"
    lo = "(" if m["low_open"] else "["
    hi = ")" if m["high_open"] else "]"
    low = "-inf" if m["low"] is None else m["low"]
    high = "inf" if m["high"] is None else m["high"]
    return f"in {lo}{low}, {high}{hi}"


def validate(obj: Any) -> None:
    """Check every :func:`param` field of a dataclass instance; raise ConfigError naming the first bad one."""
    cls = type(obj).__name__
    for f in dataclasses.fields(obj):
        m = f.metadata
        if "meaning" not in m:
            continue
        v = getattr(obj, f.name)
        if v is None and m["optional"]:
            continue
        if m["choices"] is not None:
            if v not in m["choices"]:
                raise ConfigError(f"{cls}.{f.name}={v!r} is invalid: must be {_describe_range(m)} ({m['meaning']})")
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"{cls}.{f.name}={v!r} must be a number ({m['meaning']}, unit {m['unit']})")
        if m["integer"] and not isinstance(v, int):
            raise ConfigError(f"{cls}.{f.name}={v!r} must be an integer ({m['meaning']})")
        if not math.isfinite(v):
            raise ConfigError(f"{cls}.{f.name}={v!r} must be finite ({m['meaning']})")
        lo, hi = m["low"], m["high"]
        bad = (lo is not None and (v <= lo if m["low_open"] else v < lo)) or (
            hi is not None and (v >= hi if m["high_open"] else v > hi)
        )
        if bad:
            raise ConfigError(
                f"{cls}.{f.name}={v!r} is out of range: must be {_describe_range(m)} "
                f"({m['meaning']}, unit {m['unit']})"
            )


def describe(cls: type) -> list[dict[str, Any]]:
    """Rows (name, default, unit, range, meaning, paper) documenting a config class."""
    rows = []
    for f in dataclasses.fields(cls):
        m = f.metadata
        if "meaning" not in m:
            continue
        rows.append(dict(name=f.name, default=f.default, unit=m["unit"], range=_describe_range(m),
                         meaning=m["meaning"], paper=m["paper"]))
    return rows


class ConfigMixin:
    """Dict round trip, ``replace`` and the documentation table, shared by the frozen config dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Any:
        """The config from :meth:`to_dict` output; unknown keys are a :class:`ConfigError` naming them."""
        from resonant.core.errors import ConfigError

        unknown = sorted(set(d) - {f.name for f in dataclasses.fields(cls)})  # type: ignore[arg-type]
        if unknown:
            raise ConfigError(f"unknown {cls.__name__} field(s): {unknown}")
        return cls(**d)

    def replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def table(cls) -> str:
        """A markdown table of every field (name, default, unit, range, meaning, source)."""
        lines = ["| field | default | unit | range | meaning | source |", "|---|---|---|---|---|---|"]
        for r in describe(cls):
            lines.append(f"| `{r['name']}` | {r['default']} | {r['unit']} | {r['range']} | {r['meaning']} | "
                         f"{r['paper']} |")
        return "\n".join(lines)
