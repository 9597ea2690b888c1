"""Analysis (not a benchmark): along which input direction does the common mode of the outputs respond, and
what do the UNTRAINED networks already score (random and spectral initial ω)? Also checks that every edge of the
initial networks stays below π/2 of phase difference on every sample (so L̃⁻¹ > 0 entrywise).

For each seed's initial layered network (2+5+2, random ω), the linear response of the output common mode
c = θ_out1 + θ_out2 to the two inputs (ω_in = 1.5·x) is measured by a finite difference through the
equilibrium solver: d = ∂c/∂(x_F1, x_F2). If frequency learning only shifts c (a bias) and leaves the
input direction d nearly unchanged, ω-only training under the common targets is, to first order, a threshold
classifier on d·x. The script reports d (normalised), its largest angle from −x_F1 over seeds, and the
train/test accuracy of the best train-set threshold on d·x on each seed's split (same splits as the ablation).
Second table: the untrained networks (seeds 0–99, before any update) under each target scheme and readout,
scored with the ablation's criteria (train accuracy > 0.6 and ≥ 0.9), for both class orders of each pair.

Usage: python benchmarks/ep_common_mode_direction.py --data ../shared/data/hillenbrand_vowels.csv [--seeds 100]
Writes benchmarks/results/ep_common_mode_direction.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from resonant.datasets import load_vowels, vowel_task
from resonant.ep.network import layered_network, spectral_seed
from resonant.ep.solver import solve_equilibrium
from resonant.ep.training import READOUTS, Runs, TrainConfig, evaluate
from resonant.experiments.ep_ablation import CONVERGED_TRAIN_ACC, STRICT_TRAIN_ACC, learn_masks


def common_mode_direction(seed: int, eps: float = 1e-6, input_scale: float = 1.5) -> np.ndarray:
    """∂(θ_out1 + θ_out2)/∂x at x = 0 for the initial network of ``seed`` (central differences, batched)."""
    net = layered_network(seed=seed)
    om = net.omega.expand(4, net.N).clone()
    for k, i in enumerate(net.inputs):
        om[2 * k, i] += input_scale * eps
        om[2 * k + 1, i] -= input_scale * eps
    res = solve_equilibrium(om, net.K, pinned=net.pinned, policy="raise")
    c = res.theta[:, list(net.outputs)].sum(-1)
    return np.array([float(c[2 * k] - c[2 * k + 1]) / (2 * eps) for k in range(len(net.inputs))])


def best_threshold(p_train: np.ndarray, y_train: np.ndarray, p_test: np.ndarray, y_test: np.ndarray):
    """Best train accuracy of sign(±(p − τ)) over τ at the sample values (and beyond), and its test accuracy."""
    taus = np.concatenate([p_train, [p_train.min() - 1.0, p_train.max() + 1.0]])
    pred = (p_train[None, :] > taus[:, None]).astype(int)
    acc = np.stack([(pred == y_train).mean(1), ((1 - pred) == y_train).mean(1)])  # (2 signs, taus)
    sgn, k = np.unravel_index(np.argmax(acc), acc.shape)
    test_pred = (p_test > taus[k]).astype(int)
    if sgn == 1:
        test_pred = 1 - test_pred
    return float(acc[sgn, k]), float((test_pred == y_test).mean())


def _runs(n_seeds: int, seeding: str) -> Runs:
    nets = [layered_network(seed=s) for s in range(n_seeds)]
    if seeding == "spectral":
        for n in nets:
            n.omega = spectral_seed(n)
    masks = [learn_masks("omega", n.N, n.inputs, n.K) for n in nets]
    return Runs.from_networks(nets, torch.stack([m[0] for m in masks]), torch.stack([m[1] for m in masks]))


def untrained_table(data, n_seeds: int) -> list[str]:
    lines = ["", f"Untrained networks (seeds 0–{n_seeds - 1}, before any update), train split of each seed:", "",
             f"| pair (class 0, class 1) | initial ω | targets | readout | train acc > {CONVERGED_TRAIN_ACC} | "
             f"train acc ≥ {STRICT_TRAIN_ACC} | mean train acc | mean test acc |",
             "|---|---|---|---|---:|---:|---:|---:|"]
    cos_min = []
    for seeding in ("random", "spectral"):
        runs = _runs(n_seeds, seeding)
        for pair in (("a", "i"), ("i", "a"), ("o", "u"), ("u", "o")):
            tasks = [vowel_task(data, pair, seed=s) for s in range(n_seeds)]
            Xtr, ytr = torch.stack([t.X_train for t in tasks]), torch.stack([t.y_train for t in tasks])
            Xte, yte = torch.stack([t.X_test for t in tasks]), torch.stack([t.y_test for t in tasks])
            cos_min.append(edge_cos_min(runs, torch.cat([Xtr, Xte], 1)))
            for targets in ("differential", "common"):
                if seeding == "spectral" and targets == "common":
                    continue
                cfg = TrainConfig(targets=targets)
                tr, te = evaluate(runs, Xtr, ytr, cfg), evaluate(runs, Xte, yte, cfg)
                for kind in READOUTS:
                    if targets == "common" and kind == "paper":
                        continue
                    a = tr[f"acc_{kind}"].numpy()
                    lines.append(f"| {pair[0]}, {pair[1]} | {seeding} | {targets} | {kind} | "
                                 f"{int((a > CONVERGED_TRAIN_ACC).sum())} | {int((a >= STRICT_TRAIN_ACC).sum())} | "
                                 f"{a.mean():.3f} | {float(te[f'acc_{kind}'].mean()):.3f} |")
    lines += ["", f"Smallest cos(θ_j − θ_i) over all edges, samples (train and test) and these initial networks: "
              f"{min(cos_min):.3f} (> 0: every L̃ is an M-matrix, L̃⁻¹ > 0 entrywise)."]
    return lines


def edge_cos_min(runs: Runs, X: torch.Tensor, input_scale: float = 1.5) -> float:
    """min over runs, samples and edges of cos(θ_j − θ_i) at the free equilibria."""
    R, S = X.shape[:2]
    om = runs.omega.unsqueeze(1).expand(R, S, -1).clone()
    om[..., list(runs.inputs)] = input_scale * X
    res = solve_equilibrium(om, runs.K.unsqueeze(1), pinned=runs.pinned, eigenvalues=False)
    if not bool(res.ok.all()):
        raise RuntimeError("an initial network has no stable equilibrium on some sample")
    c = torch.cos(res.theta.unsqueeze(-1) - res.theta.unsqueeze(-2))
    return float(torch.where(runs.K.unsqueeze(1) > 0, c, torch.ones_like(c)).min())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ep_common_mode_direction.md")
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = load_vowels(args.data)
    dirs = np.array([common_mode_direction(s) for s in range(args.seeds)])
    unit = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    angle = np.degrees(np.abs(np.arctan2(unit[:, 1], -unit[:, 0])))
    lines = [
        "# Common mode of the outputs: input direction of the initial networks",
        "",
        f"Seeds 0–{args.seeds - 1}, layered 2+5+2 networks at initialisation, pinned node = input F1. Normalised "
        f"d = ∂(θ_out1 + θ_out2)/∂(x_F1, x_F2): mean ({unit[:, 0].mean():.4f}, {unit[:, 1].mean():.4f}); largest "
        f"angle from −x_F1 over seeds {angle.max():.2f}°; |d| from {np.linalg.norm(dirs, axis=1).min():.3f} to "
        f"{np.linalg.norm(dirs, axis=1).max():.3f} rad per unit x.",
        "",
        "| pair | best threshold on d·x: mean train acc | mean test acc | min test acc |",
        "|---|---:|---:|---:|",
    ]
    for pair in (("a", "i"), ("o", "u")):
        tr, te = [], []
        for s in range(args.seeds):
            t = vowel_task(data, pair, seed=s)
            a, b = best_threshold(t.X_train.numpy() @ dirs[s], t.y_train.numpy(), t.X_test.numpy() @ dirs[s],
                                  t.y_test.numpy())
            tr.append(a)
            te.append(b)
        lines.append(f"| {pair[0]}/{pair[1]} | {np.mean(tr):.3f} | {np.mean(te):.3f} | {np.min(te):.3f} |")
    lines += untrained_table(data, args.seeds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
