"""Wall time of the DRAI capacity sweep of issue 4 on this machine (1 thread).

The sweep: binary ±1 patterns, N = 100, loads P = 1 … 30, 30 trials (5 seeds × 6 trials, all batched in one
tensor axis), 10 % flipped cues, the full-size protocol of :mod:`resonant.experiments.drai_memory` (recall of R = 5
random stored patterns per trial, batched in the second axis; 400 Euler steps of Δt = 0.1 s; float32). Timed:

1. the primary DRAI variant ``drai_h2``: learning the weights with the DRAI cosine rule (one forced presentation
   window per pattern, Σ_P P = 465 windows for 30 networks each) plus its recall with the second harmonic;
2. the baselines in the same run: the one-shot outer product + h₂ in the same oscillator network (``outer_h2``)
   and the classical Hopfield network with asynchronous updates (``hopfield``);
3. the primary variant recalling *every* stored pattern of each trial (R = P: 465 recalls per trial) instead of 5.

Target (issue 4): the sweep runs in under 2 minutes. The numbers depend on the machine's load: run it on a quiet
machine (the load average at the start is printed in the table).

Usage: python benchmarks/drai_capacity.py [--out benchmarks/results/drai_capacity.md] [--skip-all-patterns]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from pathlib import Path

import torch

from resonant.experiments.drai_memory import SIZES, capacity_sweep

TARGET_S = 120.0


def sweep(recalls_per_trial: int | None, variants: list[str]) -> tuple[dict, float]:
    cfg = dataclasses.replace(SIZES["full"], recalls_per_trial=recalls_per_trial)
    t = time.perf_counter()
    res = capacity_sweep(100, "binary", cfg, seeds=range(5), variants=variants, conditions=[(0.1, 0.0)],
                         P_values=list(range(1, 31)))
    return res, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "drai_capacity.md")
    ap.add_argument("--skip-all-patterns", action="store_true", help="skip part 3 (every stored pattern recalled)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    res, total = sweep(5, ["drai_h2", "outer_h2", "hopfield"])
    v = res["conditions"][0]["variants"]
    learn = res["learning"]["scalar"]["seconds"]
    primary = learn + v["drai_h2"]["wall_seconds"]
    rows = [
        ("DRAI learning, cosine rule (465 windows × 30 networks)", learn, ""),
        ("DRAI recall `drai_h2` (R = 5 patterns per trial)", v["drai_h2"]["wall_seconds"], ""),
        ("**primary DRAI variant: learning + recall**", primary, TARGET_S),
        ("baseline: one-shot outer product + h₂, same oscillators (`outer_h2`)", v["outer_h2"]["wall_seconds"], ""),
        ("baseline: Hopfield, asynchronous (`hopfield`)", v["hopfield"]["wall_seconds"], ""),
        ("**whole sweep: primary + both baselines (incl. patterns, cues)**", total, TARGET_S),
    ]
    alphas = {n: v[n]["alpha50"] for n in v}
    if not args.skip_all_patterns:
        res_all, total_all = sweep(None, ["drai_h2"])
        rows.append(("primary DRAI variant recalling every stored pattern (R = P, 465 recalls per trial)",
                     total_all, TARGET_S))
        alphas["drai_h2 (R = P)"] = res_all["conditions"][0]["variants"]["drai_h2"]["alpha50"]
    lines = [
        "# DRAI capacity sweep speed (issue 4)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, 1 thread; "
        f"1-minute load average at the start: {load:.2f}.",
        "",
        "Sweep: binary patterns, N = 100, P = 1 … 30, 30 trials (5 seeds × 6, batched), 10 % flipped cues, "
        "400 Euler steps of Δt = 0.1 s per recall, float32 (`resonant.experiments.drai_memory`, size `full`).",
        "",
        "| part | wall time (s) | target (s) |",
        "|---|---:|---:|",
    ]
    for name, t, target in rows:
        tgt = f"{target:.0f}" if target else "—"
        mark = "" if not target else (" ✓" if t < target else " ✗")
        lines.append(f"| {name} | {t:.1f}{mark} | {tgt} |")
    lines += ["", "α₅₀ = P₅₀/N measured in the same run (sanity check of the protocol):", ""]
    lines += [f"- {n}: {a:.3f}" for n, a in alphas.items()]
    lines.append("")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
