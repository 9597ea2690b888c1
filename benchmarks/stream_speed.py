"""Time of the 60 s default stream: our engine against a literal dense port, in the same run.

Runs, for each seed, (1) ``literal_port.run_literal`` (the paper's equations transcribed on dense
N×M tensors with a per-step Python loop, see literal_port.py), (2) our engine with the numba
backend, engine only, (3) the same with the stream recorder (per-step metrics, gate trace,
P snapshots: everything the report needs, except writing the files), (4) our engine with the
reference torch backend. Threads pinned to 1; each time is the best of ``--repeats`` runs.
The target of issue 2 is (3) ≤ (1)/20.

Usage: python benchmarks/stream_speed.py [--seeds 0] [--repeats 3] [--out benchmarks/results/stream_speed.md]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numba
import torch

sys.path.insert(0, str(Path(__file__).parent))
from literal_port import run_literal
from resonant.rcs import Engine, PaperStream
from resonant.rcs.metrics import StreamRecorder


def time_engine(seed: int, seconds: float, backend: str, record: bool) -> tuple[float, Engine]:
    e = Engine(seed=seed, backend=backend)
    rec = StreamRecorder(seconds) if record else None
    t = time.perf_counter()
    e.run(PaperStream(seed), seconds, recorder=rec)
    return time.perf_counter() - t, e


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "stream_speed.md")
    args = ap.parse_args()
    torch.set_num_threads(1)
    numba.set_num_threads(1)  # the default stream is small: the kernel runs serially anyway
    time_engine(0, 1.0, "numba", True)  # JIT warm-up (compiled kernels are cached on disk)
    rows = []
    for seed in args.seeds:
        lit = min(run_literal(args.seconds, seed)["wall_s"] for _ in range(args.repeats))
        fast = min(time_engine(seed, args.seconds, "numba", False)[0] for _ in range(args.repeats))
        rec = min(time_engine(seed, args.seconds, "numba", True)[0] for _ in range(args.repeats))
        ref, eng = time_engine(seed, args.seconds, "torch", False)
        steps = eng.state.step
        rows.append(dict(seed=seed, steps=steps, literal=lit, fast=fast, rec=rec, torch=ref))
        print(f"seed {seed}: literal {lit:.2f} s, engine {fast:.3f} s, engine+recorder {rec:.3f} s, "
              f"torch backend {ref:.2f} s -> ratio {lit / rec:.1f}x", flush=True)
    lines = [
        "# 60 s default stream: engine vs literal dense port",
        "",
        f"Machine: {platform.machine()}, torch {torch.__version__}, 1 thread; best of {args.repeats} runs per cell "
        "(the torch-backend column: one run). Simulated time "
        f"{args.seconds:g} s at Δt = 0.005 s.",
        "",
        "| seed | steps | literal port (s) | ms/step literal | engine, numba (s) | engine + recorder (s) | "
        "torch backend (s) | literal / (engine + recorder) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['seed']} | {r['steps']} | {r['literal']:.2f} | {r['literal'] / r['steps'] * 1e3:.3f} | "
                     f"{r['fast']:.3f} | {r['rec']:.3f} | {r['torch']:.2f} | {r['literal'] / r['rec']:.1f}× |")
    worst = min(r["literal"] / r["rec"] for r in rows)
    lines += ["", f"Smallest speed-up (literal / engine with recorder): {worst:.1f}× (target ≥ 20×)."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(lines[-1])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
