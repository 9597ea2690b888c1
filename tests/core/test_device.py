"""Device and dtype resolution: float64 on the CPU by default, float32 on CUDA."""

import pytest
import torch

from resonant.core.device import resolve_device_dtype


def test_default_is_float64_on_cpu():
    dev, dt = resolve_device_dtype()
    assert dev == torch.device("cpu") and dt == torch.float64


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        ("float32", torch.float32),
        ("float64", torch.float64),
        (torch.float32, torch.float32),
        (None, torch.float64),
    ],
)
def test_explicit_dtypes_on_cpu(dtype, expected):
    dev, dt = resolve_device_dtype("cpu", dtype)
    assert dev.type == "cpu" and dt == expected


def test_accepts_torch_device():
    dev, dt = resolve_device_dtype(torch.device("cpu"), "float32")
    assert dev == torch.device("cpu") and dt == torch.float32


@pytest.mark.parametrize("bad", ["float16", "double", "f64", "", "complex128"])
def test_bad_dtype_string_raises_naming_it(bad):
    with pytest.raises(ValueError) as info:
        resolve_device_dtype("cpu", bad)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize("bad", [torch.float16, torch.bfloat16, torch.int64, torch.complex128])
def test_unsupported_torch_dtype_raises(bad):
    with pytest.raises(ValueError, match=str(bad)):
        resolve_device_dtype("cpu", bad)


def test_cuda_without_cuda_raises(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for dev in ("cuda", "cuda:0", torch.device("cuda")):
        with pytest.raises(ValueError, match="CUDA"):
            resolve_device_dtype(dev)


def test_cuda_default_dtype_is_float32_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    dev, dt = resolve_device_dtype("cuda")
    assert dev.type == "cuda" and dt == torch.float32
    assert resolve_device_dtype("cuda", "float64")[1] == torch.float64


def test_invalid_device_string_raises():
    with pytest.raises(RuntimeError):
        resolve_device_dtype("not-a-device")
