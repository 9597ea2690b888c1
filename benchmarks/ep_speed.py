"""Wall time of the EP experiments of issue 3 on this machine (1 thread).

1. The full ablation: 100 seeds × {ω-only, K-only, both}, 150 epochs of online SGD with the paper's
   constants on /a/ vs /i/, all 300 runs batched (evaluation every 10 epochs, as `resonant ep ablation`).
   Target ≤ 4 min (the reference implementation needs ≈ 3 CPU-hours for the same protocol).
2. One 200-epoch single-seed online run (ω-only). Target ≤ 10 s (reference ≈ 52 s).
Both with the numba training kernel and, for (2), with the torch reference backend for comparison.

Usage: python benchmarks/ep_speed.py --data ../shared/data/hillenbrand_vowels.csv [--seeds 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch

from resonant.datasets import load_vowels, vowel_task
from resonant.ep.network import layered_network
from resonant.ep.training import Runs, TrainConfig, train
from resonant.experiments.ep_ablation import ablation, learn_masks


def single_run(data, epochs: int, backend: str) -> float:
    task = vowel_task(data, ("a", "i"), seed=0)
    net = layered_network(seed=0)
    lo, lk = learn_masks("omega", net.N, net.inputs, net.K)
    runs = Runs.from_networks([net], lo.unsqueeze(0), lk.unsqueeze(0))
    g = torch.Generator().manual_seed(0)
    S = task.X_train.shape[0]
    orders = torch.stack([torch.randperm(S, generator=g) for _ in range(epochs)]).unsqueeze(1)
    t = time.perf_counter()
    train(runs, task.X_train, task.y_train, orders, TrainConfig(epochs=epochs), eval_every=epochs, backend=backend)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ep_speed.md")
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = load_vowels(args.data)
    single_run(data, 1, "numba")  # JIT warm-up
    one_numba = single_run(data, 200, "numba")
    one_torch = single_run(data, 200, "torch")
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    res = ablation(data, seeds=range(args.seeds), cfg=TrainConfig(epochs=args.epochs), eval_every=10)
    full = time.perf_counter() - t
    load_after = os.getloadavg()[0]
    lines = [
        "# EP training speed",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, 1 thread; 1-minute load "
        f"average {load_before:.1f} before and {load_after:.1f} after the ablation (other jobs share the cores: a "
        "load above the core count slows every run).",
        "",
        "| experiment | wall time (s) | target (s) | reference (from the method notes) |",
        "|---|---:|---:|---|",
        f"| ablation, {args.seeds} seeds × 3 conditions × {args.epochs} epochs ({res['config']['runs']} runs batched, "
        f"numba kernel) | {full:.1f} | 240 | ≈ 3 CPU-hours |",
        f"| one 200-epoch single-seed ω-only run, numba kernel | {one_numba:.2f} | 10 | ≈ 52 s |",
        f"| one 200-epoch single-seed ω-only run, torch backend | {one_torch:.2f} | — | — |",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
