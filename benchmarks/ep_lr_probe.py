"""Exploratory probe (not a benchmark): EP training convergence against the learning rate and the training
options, on exploration seeds that are NOT the reported ones (default 1000-1019).

Usage: python benchmarks/ep_lr_probe.py --lr 0.05,0.5 --epochs 150 --pair a,i --condition omega \\
           [--targets common] [--optimizer adam] [--batch-size 1] [--seeds 1000:1020]
Reads ../shared/data/hillenbrand_vowels.csv; prints converged seeds (train acc > 0.6 and ≥ 0.9) per readout,
mean test accuracy and the final mean train loss.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from resonant.datasets import load_vowels
from resonant.ep.training import TrainConfig
from resonant.experiments.ep_ablation import ablation


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lr", default="0.001")
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--pair", default="a,i")
    ap.add_argument("--condition", default="omega", help="comma list of conditions, e.g. omega,K,both")
    ap.add_argument("--targets", default="differential")
    ap.add_argument("--optimizer", default="sgd")
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--seeds", default="1000:1020")
    ap.add_argument("--data", type=Path,
                    default=Path(__file__).resolve().parents[2] / "shared" / "data" / "hillenbrand_vowels.csv")
    a = ap.parse_args()
    torch.set_num_threads(1)
    lo, hi = (int(v) for v in a.seeds.split(":"))
    data = load_vowels(a.data)
    for lr in (float(x) for x in a.lr.split(",")):
        t = time.perf_counter()
        cfg = TrainConfig(epochs=a.epochs, lr=lr, targets=a.targets, optimizer=a.optimizer, batch_size=a.batch_size)
        conds = tuple(a.condition.split(","))
        r = ablation(data, pair=tuple(a.pair.split(",")), seeds=range(lo, hi), conditions=conds, cfg=cfg,
                     eval_every=a.epochs)
        wall = time.perf_counter() - t
        for c in conds:
            out = {}
            for rec in r["records"]:
                if rec["condition"] == c:
                    tr = np.array(rec["train_acc"])
                    out[rec["readout"]] = (int((tr > 0.6).sum()), int((tr >= 0.9).sum()),
                                           round(rec["mean_test_acc_all"], 3))
            loss = r["curves"][c]["train_loss"][-1]
            print(f"{a.pair} {c} targets={a.targets} opt={a.optimizer} B={a.batch_size} lr {lr}: "
                  f"(conv>0.6, conv>=0.9, test acc) {out} final loss {loss:.4f} ({wall:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
