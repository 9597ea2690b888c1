"""Literal dense port of the Resonant Compression System equations: the speed/behaviour BASELINE.

This is the paper (``resonant-compression-systems``, §4–§5, §8.2, §10) taken literally, the way a
straightforward port would do it: dense N×M float64 / complex128 torch tensors (P is a dense matrix),
growable by ``torch.cat``, and a per-step Python loop. One step is:

  arrivals (PaperStream) → (36) z = A e^{iφ} → gate (4) and tuning (9), σ_k = (W_k/2)² →
  (5)/(37) gated tuned drive u_k = G(ψ_k) Σ_i T_ik P_ik z_i → (38) carrier Euler step →
  (8)/(39) back influence g_i = Σ_k T_ik P_ik c_k → (40) phase step with κ = 1 → (12) amplitudes →
  (13) bonds (growth ∝ P: zero bonds stay zero) + snapping → (14)–(19) D_k → (10) gate widths →
  (24) metabolism → mitosis (§5.3, Algorithm 2) → dissolution → oscillator leave → nucleation (25)–(26).

Carriers do NOT rotate (eq. 5 has no i·ω_k·c_k term): ω_k is stored but drives nothing. The known defects
this reproduces (frozen closed gates, no bond creation, no mitosis of one-bond carriers) are listed in
``/work/shared/notes/rcs-known-pitfalls.md``; they are kept on purpose. Do not optimise this file.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from resonant.rcs.stream import PaperStream

TWO_PI = 2.0 * math.pi

LITERAL_DEFAULTS: dict[str, float] = {
    "gamma": 1.0,  # γ_k carrier damping (1/s), eq. (5)/(38)
    "beta": 0.1,  # β_k carrier cubic saturation, eq. (5)/(38)
    "kappa": 1.0,  # κ of eq. (40) / Algorithm 1; §4.3 says "no κ", so κ = 1 (pitfall 4)
    "W0": math.pi,  # newborn gate width W_k (rad): the 50%-duty half-cycle gate of eq. (4)
    "W_min": 0.2,  # lower bound on W_k, eq. (10)
    "W_max": TWO_PI,  # upper bound on W_k, eq. (10)
    "eta_narrow": 0.2,  # η_narrow (1/s), eq. (10)
    "eta_widen": 0.2,  # η_widen (1/s), eq. (10)
    "tau_p": 1.0,  # bond timescale τ_p (s), eq. (13)
    "alpha_p": 1.0,  # bond reinforcement gain α, eq. (13)
    "lam": 0.1,  # elastic bond decay λ, eq. (13)
    "eps_snap": 1e-2,  # snap threshold ε_snap, §4.6
    "alpha_A": 1.0,  # oscillator amplitude leak α (1/s), eq. (12); drive I_i = α·amplitude while it lasts
    "A_leave": 0.05,  # an oscillator leaves once its drive has ended and A_i < A_leave (ring-down, §10)
    "theta_div": 0.95,  # mitosis threshold θ_div on D_k, eq. (20)
    "T_div": 1.0,  # persistence window T_div (s) for mitosis, counted in steps
    "mitosis_noise": 0.1,  # std (rad) of the thermal phase kicks at mitosis, §5.3 step 4 (unspecified)
    "tau_ema": 1.0,  # EMA time constant (s) of the raw intake I_k = EMA(|u_k|), eq. (24)
    "I_min": 0.05,  # dissolution threshold on I_eff = I_k·D_k, §5.5
    "T_dissolve": 1.0,  # persistence window (s) for dissolution, counted in steps
    "P_min": 0.1,  # "unbound" threshold on max_k P_ik, §5.6
    "A_pressure": 0.5,  # genesis amplitude pressure, eq. (26)
    "R_genesis": 0.7,  # genesis order-parameter threshold, eq. (26)
    "P_seed": 0.5,  # bond seeded between a newborn carrier and the strongest unbound oscillator (unspecified)
    "c_birth": 0.1,  # newborn carrier amplitude |c_k| (unspecified)
}

F64, C128 = torch.float64, torch.complex128


def _wrap_pi(x: torch.Tensor) -> torch.Tensor:
    """Shortest angular distance, wrapped to [-π, π)."""
    return torch.remainder(x + math.pi, TWO_PI) - math.pi


def run_literal(seconds: float = 60.0, seed: int = 0, dt: float = 0.005, cfg: dict | None = None) -> dict:
    """Run the literal port on ``PaperStream(seed)`` for ``seconds`` and return timing + stream metrics."""
    p = {**LITERAL_DEFAULTS, **(cfg or {})}
    stream = PaperStream(seed)
    gen = torch.Generator().manual_seed(seed)
    # Oscillators (rows of P): phase, natural frequency, amplitude, drive amplitude, drive end time.
    phi, omega, A = (torch.zeros(0, dtype=F64) for _ in range(3))
    drive, t_end = torch.zeros(0, dtype=F64), torch.zeros(0, dtype=F64)
    # Carriers (columns of P): complex amplitude, intrinsic frequency, gate width, EMA intake, counters.
    c = torch.zeros(0, dtype=C128)
    omega_c, W, intake = (torch.zeros(0, dtype=F64) for _ in range(3))
    div_cnt, dis_cnt = torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.int64)
    gate_prev = torch.zeros(0, dtype=torch.int64)  # previous step's gate, -1 for a newborn carrier
    P = torch.zeros(0, 0, dtype=F64)

    n_steps = round(seconds / dt)
    win_div, win_dis = max(1, round(p["T_div"] / dt)), max(1, round(p["T_dissolve"] / dt))
    kappa, gamma, beta = p["kappa"], p["gamma"], p["beta"]
    births = mitoses = dissolutions = snaps = arrivals = 0
    sum_N = sum_M = sum_nnz = 0
    sum_R, max_R, R_steps = 0.0, 0.0, 0
    gate_open = carrier_steps = reopenings = 0

    t_start = time.perf_counter()
    for step in range(n_steps):
        t = step * dt
        # --- arrivals: each signal becomes an oscillator (ω = 2πf, φ = the signal's phase now, A = 0 rising
        # by eq. (12) while the drive lasts) with an all-zero row of P
        for s in stream.events(t, t + dt):
            arrivals += 1
            phi = torch.cat([phi, torch.tensor([s.phase_at(t) % TWO_PI], dtype=F64)])
            omega = torch.cat([omega, torch.tensor([TWO_PI * s.frequency], dtype=F64)])
            A = torch.cat([A, torch.zeros(1, dtype=F64)])
            drive = torch.cat([drive, torch.tensor([s.amplitude], dtype=F64)])
            t_end = torch.cat([t_end, torch.tensor([s.onset + s.duration], dtype=F64)])
            P = torch.cat([P, torch.zeros(1, P.shape[1], dtype=F64)], dim=0)

        # --- (36) phasors, (4) gate, (9) tuning
        z = torch.polar(A, phi)
        psi = torch.angle(c)
        G = (torch.cos(psi) >= 0).to(F64)
        sigma = (W / 2) ** 2
        T = torch.exp(-(_wrap_pi(phi[:, None] - psi[None, :]) ** 2) / sigma[None, :])
        TP = (T * P).to(C128)
        gate_open += int(G.sum())
        carrier_steps += G.numel()
        reopenings += int(((gate_prev == 0) & (G == 1)).sum())
        gate_prev = G.to(torch.int64)

        # --- (5)/(37) gated tuned drive, (38) carrier step (no intrinsic rotation)
        u = G.to(C128) * (TP.T @ z)
        c = c + dt * (u - gamma * c - beta * c.abs() ** 2 * c)
        # --- (8)/(39) back influence, (40) phase step
        g = TP @ c
        phi = torch.remainder(phi + dt * (omega + kappa * torch.imag(g * torch.exp(-1j * phi))), TWO_PI)
        # --- (12) amplitude leaky integration with rectification
        I_ext = torch.where(t < t_end, p["alpha_A"] * drive, torch.zeros_like(drive))
        A = torch.clamp((1 - p["alpha_A"] * dt) * A + dt * I_ext, min=0.0)

        # --- (13) elastic bonds (growth ∝ P) and snapping
        capture = torch.clamp(torch.real(c[None, :] * torch.exp(-1j * phi)[:, None]), min=0.0)
        P = P + (dt / p["tau_p"]) * (p["alpha_p"] * G[None, :] * P * capture - p["lam"] * P)
        snapped = (P > 0) & (P < p["eps_snap"])
        snaps += int(snapped.sum())
        P = torch.where(snapped, torch.zeros_like(P), P)

        # --- (14)-(19) coherence and division score
        w = P * A[:, None]
        sw = w.sum(0)
        sw_safe = torch.where(sw > 0, sw, torch.ones_like(sw))
        coh = (w.to(C128) * torch.exp(1j * phi)[:, None]).sum(0).abs() / sw_safe
        b = math.sqrt(math.pi / 4) * torch.sqrt((w**2).sum(0)) / sw_safe
        # a carrier with no weight (bond gone, or silent oscillator) gets D_k = 0
        D = torch.where(sw > 0, coh / torch.where(b > 0, b, torch.ones_like(b)), torch.zeros_like(sw))

        # --- (10) adaptive gate width
        dW = torch.where(D > 1, -p["eta_narrow"] * (D - 1) * W, p["eta_widen"] * (1 - D) * W)
        W = torch.clamp(W + dt * dW, p["W_min"], p["W_max"])
        # --- (24) coherence-weighted metabolism (raw intake = EMA of |u_k| of eq. (5), the captured drive),
        # persistence counters in steps (Python ints / int64: no overflow)
        intake = intake + (dt / p["tau_ema"]) * (u.abs() - intake)
        dis_cnt = torch.where(intake * D < p["I_min"], dis_cnt + 1, torch.zeros_like(dis_cnt))
        div_cnt = torch.where(D < p["theta_div"], div_cnt + 1, torch.zeros_like(div_cnt))

        # --- (21)-(23) spectral profile of every carrier; multimodal as the reference did it:
        # Var_k > (range of ALL oscillator frequencies / 4)^2
        wT = P * A[:, None] * T
        swT = wT.sum(0)
        swT_safe = torch.where(swT > 0, swT, torch.ones_like(swT))
        omega_bar = (wT * omega[:, None]).sum(0) / swT_safe
        var = (wT * (omega[:, None] - omega_bar[None, :]) ** 2).sum(0) / swT_safe
        quarter = (omega.max() - omega.min()) / 4 if omega.numel() > 0 else torch.zeros((), dtype=F64)
        multimodal = (swT > 0) & (var > quarter**2)

        # --- mitosis (Algorithm 2): persistent D_k < θ_div AND multimodal; split at the weighted median
        children = []
        for k in torch.nonzero((div_cnt >= win_div) & multimodal).flatten().tolist():
            wk, swk = wT[:, k], float(swT[k])
            bonded = torch.nonzero(wk > 0).flatten()
            order = bonded[torch.argsort(omega[bonded])]
            cum = torch.cumsum(wk[order], 0)
            median = float(omega[order[min(int(torch.searchsorted(cum, 0.5 * swk)), len(order) - 1)]])
            high = (P[:, k] > 0) & (omega > median)
            low = (P[:, k] > 0) & ~high
            if not bool(high.any()) or not bool(low.any()):
                continue
            w_lo, w_hi = torch.where(low, wk, 0.0), torch.where(high, wk, 0.0)
            child_P = torch.where(high, P[:, k], torch.zeros_like(P[:, k]))
            P[:, k] = torch.where(high, torch.zeros_like(P[:, k]), P[:, k])
            if float(w_lo.sum()) > 0:
                omega_c[k] = (w_lo * omega).sum() / w_lo.sum()
            kicks = p["mitosis_noise"] * torch.randn(2, generator=gen, dtype=F64)
            c_parent = c[k]
            c[k] = c_parent * torch.exp(1j * kicks[0])
            om_child = (w_hi * omega).sum() / w_hi.sum() if float(w_hi.sum()) > 0 else omega_c[k]
            c_child = c_parent * torch.exp(1j * kicks[1])
            children.append((child_P, c_child, float(om_child), float(W[k]), float(intake[k])))
            div_cnt[k] = 0
            mitoses += 1
        for child_P, c_ch, om_ch, W_ch, I_ch in children:
            P = torch.cat([P, child_P[:, None]], dim=1)
            c = torch.cat([c, c_ch.reshape(1)])
            omega_c = torch.cat([omega_c, torch.tensor([om_ch], dtype=F64)])
            W = torch.cat([W, torch.tensor([W_ch], dtype=F64)])
            intake = torch.cat([intake, torch.tensor([I_ch], dtype=F64)])
            div_cnt = torch.cat([div_cnt, torch.zeros(1, dtype=torch.int64)])
            dis_cnt = torch.cat([dis_cnt, torch.zeros(1, dtype=torch.int64)])
            gate_prev = torch.cat([gate_prev, torch.full((1,), -1, dtype=torch.int64)])

        # --- dissolution: I_eff < I_min persistently (its bonds go with it; not counted as snaps)
        keep = dis_cnt < win_dis
        if not bool(keep.all()):
            dissolutions += int((~keep).sum())
            P, c, omega_c, W, intake = P[:, keep], c[keep], omega_c[keep], W[keep], intake[keep]
            div_cnt, dis_cnt, gate_prev = div_cnt[keep], dis_cnt[keep], gate_prev[keep]

        # --- oscillators leave once their drive has ended and they have rung down
        t_next = t + dt
        stay = (t_next < t_end) | (A >= p["A_leave"])
        if not bool(stay.all()):
            phi, omega, A, drive, t_end = phi[stay], omega[stay], A[stay], drive[stay], t_end[stay]
            P = P[stay]

        # --- nucleation (25)-(26): apex-aligned birth seeding one bond
        if phi.numel() > 0:
            unbound = P.max(1).values < p["P_min"] if P.shape[1] > 0 else torch.ones_like(A, dtype=torch.bool)
            A_U = torch.where(unbound, A, torch.zeros_like(A))
            sum_AU = float(A_U.sum())
            if sum_AU > p["A_pressure"]:
                R_U = float((A_U * torch.exp(1j * phi)).sum().abs()) / sum_AU
                if R_U > p["R_genesis"]:
                    j = int(torch.argmax(A_U))
                    new_col = torch.zeros(P.shape[0], 1, dtype=F64)
                    new_col[j, 0] = p["P_seed"]
                    P = torch.cat([P, new_col], dim=1)
                    c = torch.cat([c, torch.polar(torch.tensor([p["c_birth"]], dtype=F64), phi[j : j + 1])])
                    omega_c = torch.cat([omega_c, omega[j : j + 1]])
                    W = torch.cat([W, torch.tensor([p["W0"]], dtype=F64)])
                    intake = torch.cat([intake, torch.zeros(1, dtype=F64)])
                    div_cnt = torch.cat([div_cnt, torch.zeros(1, dtype=torch.int64)])
                    dis_cnt = torch.cat([dis_cnt, torch.zeros(1, dtype=torch.int64)])
                    gate_prev = torch.cat([gate_prev, torch.full((1,), -1, dtype=torch.int64)])
                    births += 1

        # --- stream metrics (end of step)
        N, M = phi.numel(), c.numel()
        sum_N += N
        sum_M += M
        sum_nnz += int((P > 0).sum())
        if N > 0:
            R = float(torch.exp(1j * phi).mean().abs())  # eq. (48)
            sum_R, max_R, R_steps = sum_R + R, max(max_R, R), R_steps + 1
    wall = time.perf_counter() - t_start

    steps = max(n_steps, 1)
    return {
        "seed": seed,
        "seconds": seconds,
        "dt": dt,
        "wall_s": wall,
        "steps": n_steps,
        "s_per_step": wall / steps,
        "arrivals": arrivals,
        "mean_N": sum_N / steps,
        "mean_M": sum_M / steps,
        "mean_nnz": sum_nnz / steps,
        "births": births,
        "mitoses": mitoses,
        "dissolutions": dissolutions,
        "snaps": snaps,
        "mean_R": sum_R / max(R_steps, 1),  # over steps with N > 0
        "max_R": max_R,
        "gate_open_frac": gate_open / max(carrier_steps, 1),
        "gate_reopenings": reopenings,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="Literal dense port of the RCS equations (baseline).")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, nargs="+", default=[0])
    ap.add_argument("--dt", type=float, default=0.005)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cols = ["seed", "steps", "wall_s", "ms/step", "N", "M", "nnz", "births", "mitoses", "dissol", "snaps",
            "mean_R", "max_R", "gate_open", "reopen"]
    print(" ".join(f"{h:>9}" for h in cols))
    for seed in args.seed:
        r = run_literal(args.seconds, seed, args.dt)
        vals = [r["seed"], r["steps"], f"{r['wall_s']:.2f}", f"{1e3 * r['s_per_step']:.3f}",
                f"{r['mean_N']:.2f}", f"{r['mean_M']:.2f}", f"{r['mean_nnz']:.2f}", r["births"], r["mitoses"],
                r["dissolutions"], r["snaps"], f"{r['mean_R']:.3f}", f"{r['max_R']:.3f}",
                f"{r['gate_open_frac']:.3f}", r["gate_reopenings"]]
        print(" ".join(f"{v!s:>9}" for v in vals))


if __name__ == "__main__":
    main()
