"""The RCS stream experiment (§10): run the engine on a stream, record, write the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch

from resonant.rcs.config import RCSConfig
from resonant.rcs.engine import Engine
from resonant.rcs.metrics import StreamRecorder
from resonant.rcs.metrics_types import StreamRecord
from resonant.rcs.stream import PaperStream, SignalSource

#: Table 1 of the paper (RCS §10.2), for comparison in reports.
PAPER_TABLE_1 = {"mean_N": 4.7, "mean_M": 0.9, "mean_nnz": 6.9, "mean_L_comp": 7.8, "mitoses": 1,
                 "dissolutions": 22}


def run_stream(
    seconds: float = 60.0,
    seed: int = 0,
    dt: float = 0.005,
    config: RCSConfig | None = None,
    source: SignalSource | None = None,
    device: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 10.0,
    resume: bool = False,
) -> StreamRecord:
    """Run the engine on a stream (the paper's by default) and return its record.

    With ``checkpoint``, the engine is saved atomically every ``checkpoint_every`` simulated
    seconds; with ``resume`` and an existing checkpoint, the run continues from it (the
    recorder's series restart at the resume point).
    """
    cfg = (config or RCSConfig()).replace(dt=dt)
    src = source if source is not None else PaperStream(seed)
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if resume and ckpt is not None and ckpt.is_file():
        engine = Engine.load(ckpt, device=device)
        if engine.seed != seed or engine.config != cfg:
            diff = sorted(k for k, v in cfg.to_dict().items() if engine.config.to_dict()[k] != v)
            raise ValueError(f"checkpoint {str(ckpt)!r} was made with seed={engine.seed} and a config differing in "
                             f"{diff or 'nothing'}; resume with the same seed, dt and config (asked: seed={seed})")
    else:
        engine = Engine(cfg, device=device, seed=seed)
    recorder = StreamRecorder(seconds)
    remaining = seconds - engine.t
    start = time.perf_counter()
    total = int(round(seconds / dt))

    def _progress(_done: int, _n: int) -> None:
        if progress is not None:
            progress(engine.state.step, total)

    with torch.inference_mode():
        while remaining > 1e-12:
            block = min(remaining, checkpoint_every) if ckpt is not None else remaining
            engine.run(src, block, recorder=recorder, progress=_progress)
            remaining = seconds - engine.t
            if ckpt is not None:
                engine.save(ckpt)
    wall = time.perf_counter() - start
    return recorder.record(engine, wall)
