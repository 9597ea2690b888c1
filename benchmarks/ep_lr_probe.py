"""Exploratory probe (not a benchmark): convergence of EP training vs learning rate, 20 seeds, one condition.

Usage: python benchmarks/ep_lr_probe.py LR[,LR...] EPOCHS PAIR CONDITION   e.g.  0.05,0.5 150 a,i both
(reads the vowel file from ../shared/data/hillenbrand_vowels.csv).
"""

import sys
import time
from pathlib import Path

import torch

torch.set_num_threads(1)
from resonant.datasets import load_vowels
from resonant.ep.training import TrainConfig
from resonant.experiments.ep_ablation import ablation

d=load_vowels(Path(__file__).resolve().parents[2] / 'shared' / 'data' / 'hillenbrand_vowels.csv')
for lr in [float(x) for x in sys.argv[1].split(',')]:
    t=time.perf_counter()
    r=ablation(d, pair=tuple(sys.argv[3].split(',')), seeds=range(20), conditions=(sys.argv[4],), cfg=TrainConfig(epochs=int(sys.argv[2]), lr=lr), eval_every=int(sys.argv[2]))
    out={rec['readout']:(rec['converged'], round(rec['mean_test_acc_all'],3), rec['mean_test_acc_converged']) for rec in r['records']}
    print('lr',lr, out, 'loss', r['curves'][sys.argv[4]]['train_loss'][-1], round(time.perf_counter()-t,1),'s', flush=True)
