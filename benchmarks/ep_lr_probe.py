"""Exploratory probe (not a benchmark): EP training convergence against the learning rate, 20 seeds.

Usage: python benchmarks/ep_lr_probe.py LR[,LR...] EPOCHS PAIR CONDITION     e.g.  0.05,0.5 150 a,i both
Reads ../shared/data/hillenbrand_vowels.csv; prints converged seeds per readout, mean test accuracy and loss.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from resonant.datasets import load_vowels
from resonant.ep.training import TrainConfig
from resonant.experiments.ep_ablation import ablation


def main() -> None:
    torch.set_num_threads(1)
    lrs, epochs, pair, condition = sys.argv[1], int(sys.argv[2]), tuple(sys.argv[3].split(",")), sys.argv[4]
    data = load_vowels(Path(__file__).resolve().parents[2] / "shared" / "data" / "hillenbrand_vowels.csv")
    for lr in (float(x) for x in lrs.split(",")):
        t = time.perf_counter()
        r = ablation(data, pair=pair, seeds=range(20), conditions=(condition,),
                     cfg=TrainConfig(epochs=epochs, lr=lr), eval_every=epochs)
        out = {rec["readout"]: (rec["converged"], round(rec["mean_test_acc_all"], 3)) for rec in r["records"]}
        loss = r["curves"][condition]["train_loss"][-1]
        print(f"lr {lr}: {out} final loss {loss:.4f} ({time.perf_counter() - t:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
