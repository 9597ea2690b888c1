"""Helpers shared by the report writers: JSON conversion and atomic text/figure writes."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from resonant.core.checkpoint import atomic_write

DPI = 150


def jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples, paths … to plain JSON values; non-finite floats → None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return str(value)


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def save_figure(fig: Figure, path: Path) -> Path:
    """Save a figure as PNG atomically."""
    return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure with an Agg canvas attached (no pyplot, no global backend state)."""
    fig = Figure(figsize=figsize, layout="tight")
    FigureCanvasAgg(fig)
    return fig
