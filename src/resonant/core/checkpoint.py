"""Atomic checkpoints: a write either lands whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from resonant.core.atomic import atomic_write

__all__ = ["atomic_save", "atomic_write", "load_checkpoint"]


def atomic_save(obj: Any, path: str | os.PathLike[str]) -> Path:
    """torch.save ``obj`` to ``path`` atomically (see :func:`atomic_write`)."""
    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            torch.save(obj, fh)

    return atomic_write(path, _write)


def load_checkpoint(path: str | os.PathLike[str]) -> Any:
    """Load a checkpoint written by :func:`atomic_save`; a clear error if it is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint file not found: {str(path)!r}")
    return torch.load(path, map_location="cpu", weights_only=False)
