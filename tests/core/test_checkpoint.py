"""Atomic checkpoints: a write lands whole or not at all; loading a missing file says where."""

import os

import pytest
import torch

from resonant.core import checkpoint as ckpt_mod
from resonant.core.checkpoint import atomic_save, load_checkpoint


def _state() -> dict:
    g = torch.Generator().manual_seed(0)
    return {
        "phi": torch.rand(17, generator=g, dtype=torch.float64),
        "c": torch.randn(5, generator=g, dtype=torch.complex128),
        "hi": torch.tensor([0, 2**32 - 1], dtype=torch.int64),
        "step": 1234,
        "nested": {"P": torch.rand(3, 4, generator=g, dtype=torch.float32), "name": "run-a"},
    }


def _assert_same(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert torch.equal(a, b)
    else:
        assert a == b


def test_round_trip_dict_of_tensors(tmp_path):
    state = _state()
    path = atomic_save(state, tmp_path / "ckpt.pt")
    assert path == tmp_path / "ckpt.pt" and path.is_file()
    _assert_same(load_checkpoint(path), state)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]  # no temp file left behind


def test_accepts_str_path_and_creates_parent_folders(tmp_path):
    target = tmp_path / "a" / "b" / "state.pt"
    atomic_save({"x": torch.arange(3)}, str(target))
    assert torch.equal(load_checkpoint(str(target))["x"], torch.arange(3))


def test_overwrite_replaces_whole_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    atomic_save({"v": torch.zeros(1000)}, path)
    atomic_save({"v": torch.ones(2)}, path)
    assert torch.equal(load_checkpoint(path)["v"], torch.ones(2))
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


def test_missing_file_raises_file_not_found_naming_path(tmp_path):
    missing = tmp_path / "nope" / "missing.pt"
    with pytest.raises(FileNotFoundError) as info:
        load_checkpoint(missing)
    assert str(missing) in str(info.value)


def test_directory_is_not_a_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path)


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failed_save_leaves_original_untouched_and_no_temp_files(tmp_path, monkeypatch, exc):
    path = tmp_path / "ckpt.pt"
    atomic_save({"good": torch.arange(10)}, path)
    original = path.read_bytes()

    def failing_save(obj, f, *args, **kwargs):
        f.write(b"partial garbage that must never reach the target")  # fail midway
        raise exc

    monkeypatch.setattr(ckpt_mod.torch, "save", failing_save)
    with pytest.raises(type(exc)):
        atomic_save({"bad": torch.zeros(3)}, path)
    monkeypatch.undo()

    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]
    assert torch.equal(load_checkpoint(path)["good"], torch.arange(10))


def test_failed_first_save_creates_nothing(tmp_path, monkeypatch):
    def failing_save(obj, f, *args, **kwargs):
        raise OSError("no space")

    monkeypatch.setattr(ckpt_mod.torch, "save", failing_save)
    with pytest.raises(OSError, match="no space"):
        atomic_save({"x": 1}, tmp_path / "new.pt")
    assert os.listdir(tmp_path) == []


def test_load_maps_to_cpu(tmp_path):
    path = atomic_save({"x": torch.ones(2)}, tmp_path / "c.pt")
    assert load_checkpoint(path)["x"].device.type == "cpu"
