"""The same engine code on CUDA (torch backend): skipped where no GPU is present.

On the CPU the torch backend (the code path CUDA uses) is exercised by every test in
test_engine.py; these tests check that the device itself changes nothing but speed.
"""

from __future__ import annotations

import pytest
import torch

from resonant.rcs import Engine, EventList, GroupedStream, PaperStream, RCSConfig, Signal
from resonant.rcs.metrics import StreamRecorder

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def _close(a: Engine, b: Engine, atol: float) -> None:
    ta, tb = a.state.tensors(), b.state.tensors()
    for k in ta:
        assert ta[k].shape == tb[k].shape, k
        assert torch.allclose(ta[k].cpu(), tb[k].cpu(), atol=atol, rtol=0), k
    assert a.counters == b.counters


def test_cuda_float64_matches_the_cpu_kernel():
    gpu = Engine(seed=0, device="cuda", dtype=torch.float64, backend="torch")
    cpu = Engine(seed=0, device="cpu", backend="numba")
    for e in (gpu, cpu):
        e.run(PaperStream(0), 4.0)
    assert gpu.state.phi.device.type == "cuda"
    _close(gpu, cpu, atol=1e-9)


def test_cuda_recorder_and_observation():
    e = Engine(seed=0, device="cuda", dtype=torch.float64)
    rec = StreamRecorder(4.0, trace_seconds=1.0)
    e.run(GroupedStream(0), 4.0, recorder=rec)
    series = rec.series()
    assert len(series["t"]) == 800
    obs = e.observe()
    assert obs.energy.device.type == "cuda"
    assert rec.record(e, 1.0).presence is not None


def test_cuda_checkpoint_resume_bit_identical(tmp_path):
    straight = Engine(seed=1, device="cuda", dtype=torch.float64)
    straight.run(PaperStream(1), 4.0)
    first = Engine(seed=1, device="cuda", dtype=torch.float64)
    first.run(PaperStream(1), 2.0)
    resumed = Engine.load(first.save(tmp_path / "g.ckpt"), device="cuda")
    resumed.run(PaperStream(1), 2.0)
    _close(straight, resumed, atol=0.0)


def test_cuda_grouped_division():
    import math

    sigs = [Signal(0.0, f, 30.0, 0.1 * j, 1.0, g) for g, f in ((0, 1.0), (1, 3.0)) for j in range(3)]
    e = Engine(seed=0, device="cuda", dtype=torch.float64)
    e.step(sigs)
    e.run(EventList([]), 6.0)
    assert e.counters["mitoses"] >= 1
    f = sorted((e.state.omega_k / (2 * math.pi)).tolist())
    assert f == pytest.approx([1.0, 3.0], abs=0.02)


def test_cuda_float32_long_run_stays_finite():
    e = Engine(RCSConfig(), seed=0, device="cuda", dtype=torch.float32)
    e.run(PaperStream(0), 30.0)
    assert all(torch.isfinite(v.float() if not v.is_complex() else v.abs()).all() for v in e.state.tensors().values()
               if v.is_floating_point() or v.is_complex())
