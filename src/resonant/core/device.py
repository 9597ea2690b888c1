"""Device and dtype resolution: float64 by default on the CPU, float32 on CUDA."""

from __future__ import annotations

import torch


def resolve_device_dtype(
    device: str | torch.device | None = None, dtype: torch.dtype | str | None = None
) -> tuple[torch.device, torch.dtype]:
    """Return (device, real dtype). ``dtype`` may be a torch dtype or "float32"/"float64"."""
    dev = torch.device(device if device is not None else "cpu")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={str(dev)!r} requested but CUDA is not available")
    if dtype is None:
        dt = torch.float64 if dev.type == "cpu" else torch.float32
    elif isinstance(dtype, str):
        names = {"float32": torch.float32, "float64": torch.float64}
        if dtype not in names:
            raise ValueError(f"dtype={dtype!r} is not one of {sorted(names)}")
        dt = names[dtype]
    else:
        dt = dtype
    if dt not in (torch.float32, torch.float64):
        raise ValueError(f"dtype={dt} must be torch.float32 or torch.float64")
    return dev, dt
