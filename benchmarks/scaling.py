"""Per-step cost of the RCS engine against nnz(P), and against the memory-traffic floor.

For N = 10³ … 10⁶ oscillators with degree d = 4 and M = N/100 carriers (nnz = 4N) this times
  * the fast dynamics step (gate, tuning, drive, carriers, back-influence, phases, amplitudes,
    bonds: the fused kernel of resonant.rcs.kernels, i.e. what runs every step), and
  * the amortised step including the structure step every r_arch = 20 steps (statistics,
    dissolution, departure, mitosis, recruitment, nucleation),
fits the log-log slope of time per step against nnz, and at the largest N compares one fast
step with the memory-traffic floor: the bytes a step must move (read every edge's i, k, P and
write P; read φ, ω, A, I, t_end and write φ, A per oscillator) divided by this machine's copy
bandwidth, measured in the same run. Threads are pinned to 1.

Usage: python benchmarks/scaling.py [--max-exp 6] [--out benchmarks/results/scaling.md]
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from pathlib import Path

import numpy as np
import torch

from resonant.rcs import Engine, RCSConfig

TWO_PI = 2 * math.pi


def build(N: int, d: int = 4, seed: int = 0, backend: str = "numba", device: str = "cpu") -> Engine:
    """An engine holding N driven oscillators, M = N/100 carriers and d random bonds per oscillator."""
    M = max(1, N // 100)
    rng = np.random.default_rng(seed)
    e = Engine(RCSConfig(), seed=seed, backend=backend, device=device, dtype=torch.float64)
    s = e.state
    f64 = dict(dtype=torch.float64, device=device)
    s.append_oscillators(
        phi=torch.tensor(rng.uniform(0, TWO_PI, N), **f64),
        omega=torch.tensor(TWO_PI * rng.uniform(0.6, 4.5, N), **f64),
        A=torch.ones(N, **f64), I=torch.ones(N, **f64), t_end=torch.full((N,), 1e9, **f64),
        label=torch.full((N,), -1, dtype=torch.int64, device=device),
    )
    z = torch.zeros(M, **f64)
    s.append_carriers(
        c=torch.polar(torch.full((M,), 0.3, **f64), torch.tensor(rng.uniform(0, TWO_PI, M), **f64)),
        omega_k=torch.tensor(TWO_PI * rng.uniform(0.6, 4.5, M), **f64), W=torch.full((M,), math.pi, **f64),
        I_ema=z + 0.2, D=z + 1.0, D_ema=z + 1.0, unstable_ema=z, last_unstable=z - 1e3, low_time=z, birth_time=z,
        refractory_until=z,
        u_abs_acc=z,
    )
    # d distinct carriers per oscillator, edges sorted by oscillator
    car = np.stack([rng.integers(0, M, N) for _ in range(d)], axis=1)
    osc = np.repeat(np.arange(N), d)
    s.append_edges(torch.tensor(osc, device=device), torch.tensor(car.reshape(-1), device=device),
                   torch.full((N * d,), 0.5, **f64))
    return e


def copy_bandwidth(nbytes: int = 512 * 2**20, repeats: int = 5) -> float:
    """Bytes moved per second by a large array copy (read + write), best of ``repeats``."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * nbytes / best


def step_bytes(N: int, nnz: int, M: int) -> int:
    """Bytes one step must move: edges (i, k int64 + P read + P write), oscillators, carriers."""
    return nnz * (8 + 8 + 8 + 8) + N * (5 * 8 + 2 * 8) + M * (16 + 16 + 8 + 8)


def time_fast_steps(e: Engine, steps: int, repeats: int) -> float:
    """Seconds per fast dynamics step (fused kernel, no structure step, no metrics), best of repeats."""
    e._refresh_cache()
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        e._fast_block(steps, record=False)
        best = min(best, (time.perf_counter() - t) / steps)
    return best


def time_amortised(e: Engine, steps: int) -> float:
    """Seconds per step including the structure step every r_arch steps."""
    t = time.perf_counter()
    e.advance(steps)
    return (time.perf_counter() - t) / steps


def main_cuda(args: argparse.Namespace) -> None:
    """The torch backend on a CUDA device: time per step (eager kernels) against nnz and the GPU copy floor."""
    x = torch.empty(2**27, dtype=torch.float64, device="cuda")
    y = torch.empty_like(x)
    y.copy_(x)
    torch.cuda.synchronize()
    best = math.inf
    for _ in range(10):
        t = time.perf_counter()
        y.copy_(x)
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    bw = 2 * x.numel() * 8 / best
    rows = []
    for ex in range(3, args.max_exp + 1):
        N = 10**ex
        e = build(N, backend="torch", device="cuda")
        e.advance(2 * e.config.r_arch)
        torch.cuda.synchronize()
        steps = 4 * e.config.r_arch
        t = time.perf_counter()
        e.advance(steps)
        torch.cuda.synchronize()
        per = (time.perf_counter() - t) / steps
        floor = step_bytes(N, e.state.nnz, e.state.M) / bw
        rows.append((N, e.state.nnz, per, floor))
        print(f"N={N:>9} nnz={e.state.nnz:>9} {per * 1e3:8.3f} ms/step floor {floor * 1e3:8.4f} ms", flush=True)
    slope = float(np.polyfit(np.log([r[1] for r in rows]), np.log([r[2] for r in rows]), 1)[0])
    lines = ["# RCS per-step cost on CUDA (torch backend, eager)", "",
             f"Device: {torch.cuda.get_device_name()}, torch {torch.__version__}, float64; device copy bandwidth "
             f"{bw / 1e9:.0f} GB/s. Time per step includes the structure step every r_arch = 20 steps.", "",
             "| N | nnz(P) | ms/step | floor (ms/step) | ratio |", "|---:|---:|---:|---:|---:|"]
    lines += [f"| {N:,} | {nnz:,} | {per * 1e3:.3f} | {floor * 1e3:.4f} | {per / floor:.1f} |"
              for N, nnz, per, floor in rows]
    lines += ["", f"Log-log slope of time per step against nnz: {slope:.3f}. At small N the step is bound by "
              "kernel-launch latency (~60 launches per step), so the slope is below 1 until nnz is large."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-exp", type=int, default=6)
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.out is None:
        name = "scaling.md" if args.device == "cpu" else "scaling_cuda.md"
        args.out = Path(__file__).parent / "results" / name
    if args.device == "cuda":
        main_cuda(args)
        return
    torch.set_num_threads(1)
    warm = build(1000)  # JIT warm-up
    time_fast_steps(warm, 5, 1)
    warm.advance(40)
    bw = copy_bandwidth()
    rows = []
    for ex in range(3, args.max_exp + 1):
        N = 10**ex
        e = build(N)
        nnz, M = e.state.nnz, e.state.M
        steps = max(3, min(400, 2_000_000 // nnz))
        fast = time_fast_steps(e, steps, repeats=3)
        amort = time_amortised(e, 2 * e.config.r_arch * max(1, steps // (2 * e.config.r_arch)))
        floor = step_bytes(N, nnz, M) / bw
        tb = None
        if N <= 10**5:
            et = build(N, backend="torch")
            k = max(3, min(50, 200_000 // nnz))
            t0 = time.perf_counter()
            et.advance(k)
            tb = (time.perf_counter() - t0) / k
        rows.append(dict(N=N, M=M, nnz=nnz, fast=fast, amort=amort, floor=floor, torch=tb))
        print(f"N={N:>8} nnz={nnz:>8} fast={fast * 1e3:9.4f} ms amortised={amort * 1e3:9.4f} ms "
              f"floor={floor * 1e3:8.4f} ms ratio={fast / floor:6.2f}" + (f" torch={tb * 1e3:8.3f} ms" if tb else ""),
              flush=True)
    x = np.log([r["nnz"] for r in rows])
    slope_fast = float(np.polyfit(x, np.log([r["fast"] for r in rows]), 1)[0])
    slope_amort = float(np.polyfit(x, np.log([r["amort"] for r in rows]), 1)[0])
    big = rows[-1]
    lines = [
        "# RCS per-step cost against nnz(P)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, 1 thread; "
        f"measured copy bandwidth {bw / 1e9:.1f} GB/s (read + write of a 512 MiB array, best of 5). "
        "Degree d = 4, M = N/100, float64. `fast` = one step of the fused dynamics kernel (what runs every step); "
        "`amortised` = including the structure step every r_arch = 20 steps; `floor` = bytes a step must move / copy "
        "bandwidth; `torch` = the reference torch backend (eager, per-op launches).",
        "",
        "| N | M | nnz(P) | fast (ms/step) | amortised (ms/step) | floor (ms/step) | fast / floor | torch (ms/step) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        tb = f"{r['torch'] * 1e3:.3f}" if r["torch"] else "—"
        lines.append(f"| {r['N']:,} | {r['M']:,} | {r['nnz']:,} | {r['fast'] * 1e3:.4f} | {r['amort'] * 1e3:.4f} | "
                     f"{r['floor'] * 1e3:.4f} | {r['fast'] / r['floor']:.2f} | {tb} |")
    lines += [
        "",
        f"Log-log slope of time per step against nnz: fast {slope_fast:.3f}, amortised {slope_amort:.3f} "
        "(target 1 ± 0.15).",
        f"At N = {big['N']:,}: one fast step takes {big['fast'] * 1e3:.2f} ms against a floor of "
        f"{big['floor'] * 1e3:.2f} ms ({big['fast'] / big['floor']:.2f}× the floor; target ≤ 5×).",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-2:]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
