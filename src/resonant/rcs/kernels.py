"""Fused CPU kernel for the fast dynamics of the RCS engine (numba).

The equations are the same as the torch path of :meth:`Engine._step` (which calls the pure
functions of :mod:`resonant.rcs.dynamics` and is the reference, the CUDA path and the path for
autograd); this kernel runs a *block* of steps between structure events in compiled code, so a
step costs a few microseconds instead of ~60 tensor launches. Tests check that both paths give
the same trajectories. It is used on the CPU when numba is installed (``backend="auto"``).

One step, all right-hand sides at time t (a simultaneous explicit step):

* gate G_k (eq. 4), tuning T_ik (eq. 9), tuned drive Σ T P z and u_k = G_k·drive (eq. 5);
* back-influence g_i = Σ T P c_k (eq. 8), phase update (eq. 40, dither eq. 46);
* carriers: exponential integrator with rotation (eq. 41) + exact saturation flow, or Euler (eq. 38),
  or quasi-steady (eq. 42);
* amplitudes (eq. 12 or 11); bonds (eq. 13, our capture term) every r_bond steps, snapping to 0
  below ε_snap (removed by the engine after the block).

Each step writes one summary row: t, N, M, M_active, nnz, R, gate-open fraction, mean and max
|c_k|, the eq. (44) bound ratio, and cumulative snaps.
"""

from __future__ import annotations

import math

import numpy as np

try:  # numba is optional: without it the torch path is used everywhere
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None
    HAVE_NUMBA = False

#: Summary columns written per step by :func:`advance_block`.
KERNEL_SUMMARY = ("t", "N", "M", "M_active", "nnz", "R", "gate_open_fraction", "mean_energy", "max_energy",
                  "bound_ratio", "snaps")

ERR_NONE, ERR_PHI, ERR_A, ERR_C, ERR_P = 0, 1, 2, 3, 4
ERR_NAMES = {ERR_PHI: "phi", ERR_A: "A", ERR_C: "c", ERR_P: "P"}


def _advance_block(
    n_steps, step0, dt,
    phi, omega_f, A, I_drive, t_end,
    c, rot, E_prop, F_prop, inv_sigma, u_abs_acc,
    osc, car, P,
    gamma, beta, kappa, alpha_A, rho_A, A0, amp_cubic, integrator_euler, quasi_steady,
    alpha_p, lambda_p, tau_p, P_max, eps_snap, r_bond,
    frame_omega, noise, M_active_thr, delta, check_finite,
    out, summarize, trace_out,
):  # pragma: no cover - compiled; covered through the engine tests
    N = phi.shape[0]
    M = c.shape[0]
    E = P.shape[0]
    two_pi = 2.0 * math.pi
    cosp = np.empty(N)
    sinp = np.empty(N)
    gr = np.empty(N)
    gi = np.empty(N)
    psi = np.empty(M)
    G = np.empty(M)
    chr_ = np.empty(M)
    chi = np.empty(M)
    dr = np.empty(M)
    di = np.empty(M)
    snaps = 0
    nnz = 0
    for e in range(E):
        if P[e] > 0.0:
            nnz += 1
    finite_P = math.isfinite(P_max)
    for j in range(n_steps):
        step = step0 + j
        t = step * dt
        theta = 0.0
        if frame_omega != 0.0:
            theta = np.fmod(frame_omega * t, two_pi)
        ct = math.cos(theta)
        st = math.sin(theta)
        # --- per carrier: phase, gate, unit phasor ---------------------------------------------
        for k in range(M):
            cr = c[k].real
            ci = c[k].imag
            psi[k] = math.atan2(ci, cr)
            G[k] = 1.0 if (cr * ct - ci * st) >= 0.0 else 0.0
            r = abs(c[k])
            if r > 0.0:
                chr_[k] = cr / r
                chi[k] = ci / r
            else:
                chr_[k] = 0.0
                chi[k] = 0.0
            dr[k] = 0.0
            di[k] = 0.0
        for i in range(N):
            cosp[i] = math.cos(phi[i])
            sinp[i] = math.sin(phi[i])
            gr[i] = 0.0
            gi[i] = 0.0
        bond_step = ((step + 1) % r_bond) == 0
        dtb = r_bond * dt / tau_p
        # --- edges: tuning, drive, back-influence, bonds ----------------------------------------
        for e in range(E):
            p = P[e]
            if p == 0.0:
                continue
            i = osc[e]
            k = car[e]
            d = phi[i] - psi[k]
            d = d - two_pi * math.floor((d + math.pi) / two_pi)
            w = math.exp(-(d * d) * inv_sigma[k]) * p
            wa = w * A[i]
            dr[k] += wa * cosp[i]
            di[k] += wa * sinp[i]
            gr[i] += w * c[k].real
            gi[i] += w * c[k].imag
            if bond_step:
                cap = A[i] * (chr_[k] * cosp[i] + chi[k] * sinp[i])
                growth = alpha_p * G[k] * p * max(cap, 0.0)
                if finite_P:
                    growth *= 1.0 - p / P_max
                pn = p + dtb * (growth - lambda_p * p)
                if pn < eps_snap:
                    pn = 0.0
                    snaps += 1
                    nnz -= 1
                P[e] = pn
        # --- carriers -------------------------------------------------------------------------
        e_sum = 0.0
        e_max = 0.0
        n_act = 0
        n_open = 0.0
        for k in range(M):
            if quasi_steady:
                ur = 0.5 * dr[k]
                ui = 0.5 * di[k]
                den = gamma + beta * (ur * ur + ui * ui)
                cn = complex(ur / den, ui / den)
            else:
                ur = G[k] * dr[k]
                ui = G[k] * di[k]
                u = complex(ur, ui)
                if integrator_euler:
                    ck = c[k]
                    r2 = ck.real * ck.real + ck.imag * ck.imag
                    cn = ck + dt * (complex(-gamma - beta * r2, rot[k]) * ck + u)
                else:
                    cn = E_prop[k] * c[k] + F_prop[k] * u
                    if beta != 0.0:
                        r2 = cn.real * cn.real + cn.imag * cn.imag
                        cn = cn / math.sqrt(1.0 + 2.0 * beta * dt * r2)
            u_abs_acc[k] += math.sqrt(ur * ur + ui * ui)
            c[k] = cn
            r = abs(cn)
            if check_finite and not math.isfinite(r):
                return snaps, ERR_C, step
        # --- oscillators ------------------------------------------------------------------------
        for i in range(N):
            v = omega_f[i] + kappa * (gi[i] * cosp[i] - gr[i] * sinp[i])
            x = phi[i] + dt * v
            if noise.shape[0] > 0:
                x += noise[j, i]
            x = x - two_pi * math.floor(x / two_pi)
            if x >= two_pi:  # guards the rounding edge of floor
                x -= two_pi
            phi[i] = x
            drive = alpha_A * I_drive[i] if t_end[i] > t else 0.0
            a = A[i]
            if amp_cubic:
                a = a + dt * (-alpha_A * (a - A0) + drive - rho_A * a * a * a)
            else:
                a = (1.0 - alpha_A * dt) * a + dt * drive
            A[i] = a if a > 0.0 else 0.0
            if check_finite:
                if not math.isfinite(x):
                    return snaps, ERR_PHI, step
                if not math.isfinite(a):
                    return snaps, ERR_A, step
        if check_finite:
            for e in range(E):
                if not math.isfinite(P[e]):
                    return snaps, ERR_P, step
        # --- summary row (after the step) ------------------------------------------------------
        if not summarize:
            continue
        sr = 0.0
        si = 0.0
        for i in range(N):
            sr += math.cos(phi[i])
            si += math.sin(phi[i])
        R = math.sqrt(sr * sr + si * si) / N if N > 0 else 0.0
        for k in range(M):
            r = abs(c[k])
            e_sum += r
            if r > e_max:
                e_max = r
            if r > M_active_thr:
                n_act += 1
            cr = c[k].real
            ci = c[k].imag
            th1 = np.fmod(frame_omega * ((step + 1) * dt), two_pi)
            if (cr * math.cos(th1) - ci * math.sin(th1)) >= 0.0:
                n_open += 1.0
        # eq. (44): κ max_i Σ_k P_ik |c_k|, reusing gr as scratch
        bound = 0.0
        if M > 0 and N > 0:
            for i in range(N):
                gr[i] = 0.0
            for e in range(E):
                if P[e] > 0.0:
                    gr[osc[e]] += P[e] * abs(c[car[e]])
            for i in range(N):
                if gr[i] > bound:
                    bound = gr[i]
            bound *= kappa
        if delta > 0.0:
            ratio = bound / delta
        elif bound > 0.0:
            ratio = math.inf
        else:
            ratio = 0.0
        out[j, 0] = (step + 1) * dt
        out[j, 1] = N
        out[j, 2] = M
        out[j, 3] = n_act
        out[j, 4] = nnz
        out[j, 5] = R
        out[j, 6] = n_open / M if M > 0 else 0.0
        out[j, 7] = e_sum / M if M > 0 else 0.0
        out[j, 8] = e_max
        out[j, 9] = ratio
        out[j, 10] = snaps
        if trace_out.shape[0] > 0:
            # gate, lab-frame composite drive Re Σ T P A e^{i(φ+Θ)} and energy of each carrier after the step
            th1 = np.fmod(frame_omega * ((step + 1) * dt), two_pi) if frame_omega != 0.0 else 0.0
            for k in range(M):
                dr[k] = 0.0
                psi[k] = math.atan2(c[k].imag, c[k].real)
                trace_out[j, k, 0] = 1.0 if (c[k].real * math.cos(th1) - c[k].imag * math.sin(th1)) >= 0.0 else 0.0
                trace_out[j, k, 2] = abs(c[k])
            for e in range(E):
                if P[e] > 0.0:
                    i = osc[e]
                    k = car[e]
                    d = phi[i] - psi[k]
                    d = d - two_pi * math.floor((d + math.pi) / two_pi)
                    dr[k] += math.exp(-(d * d) * inv_sigma[k]) * P[e] * A[i] * math.cos(phi[i] + th1)
            for k in range(M):
                trace_out[j, k, 1] = dr[k]
    return snaps, ERR_NONE, step0 + n_steps


if HAVE_NUMBA:
    advance_block = numba.njit(cache=True, nogil=True)(_advance_block)
else:  # pragma: no cover
    advance_block = None


def _block_statistics(
    t, dt_block, steps_in_block,
    phi, A, t_end, osc, car, P,
    I_ema, D, D_ema, unstable_ema, last_unstable, W, low_time, u_abs_acc, birth_time, refractory_until,
    a_I, a_div, theta_div, eta_narrow, eta_widen, W_min, W_max, I_min,
    T_dissolve, T_div, f_div, A_leave, P_min, d_max, A_pressure,
    omega, omega_k, c, q_max, bandwidth,
):  # pragma: no cover - compiled; covered through the engine tests
    """Carrier statistics of a structure step (same as :func:`structure.update_statistics`) plus flags.

    Returns (dissolve, depart, mitosis, nucleation, recruitment) "possible" flags: cheap necessary
    conditions so the engine skips the tensor code of events that cannot fire.
    """
    N = phi.shape[0]
    M = I_ema.shape[0]
    E = P.shape[0]
    sqrt_pi_4 = math.sqrt(math.pi / 4.0)
    w_sq = np.zeros(M)
    ur = np.zeros(M)
    ui = np.zeros(M)
    col = np.zeros(M, dtype=np.int64)
    row = np.zeros(N, dtype=np.int64)
    maxP = np.zeros(N)
    for e in range(E):
        i = osc[e]
        k = car[e]
        w = P[e] * A[i]
        w_sq[k] += w * w
        ur[k] += w * math.cos(phi[i])
        ui[k] += w * math.sin(phi[i])
        col[k] += 1
        row[i] += 1
        if P[e] > maxP[i]:
            maxP[i] = P[e]
    dissolve = False
    mitosis = False
    for k in range(M):
        den = sqrt_pi_4 * math.sqrt(w_sq[k])
        d = math.sqrt(ur[k] * ur[k] + ui[k] * ui[k]) / den if den > 0.0 else 0.0
        D[k] = d
        mean_u = u_abs_acc[k] / max(steps_in_block, 1)
        I_ema[k] = I_ema[k] + a_I * (mean_u - I_ema[k])
        u_abs_acc[k] = 0.0
        D_ema[k] = D_ema[k] + a_I * (d - D_ema[k])
        ind = 1.0 if d < theta_div else 0.0
        unstable_ema[k] = unstable_ema[k] + a_div * (ind - unstable_ema[k])
        if d < theta_div:
            last_unstable[k] = t
        rate = -eta_narrow * (d - 1.0) if d > 1.0 else eta_widen * (1.0 - d)
        wn = W[k] * math.exp(rate * dt_block)
        W[k] = min(max(wn, W_min), W_max)
        if I_ema[k] * D_ema[k] < I_min:
            low_time[k] = low_time[k] + dt_block
        else:
            low_time[k] = 0.0
        if low_time[k] >= T_dissolve:
            dissolve = True
        if (unstable_ema[k] >= f_div and t - last_unstable[k] <= T_div and t - birth_time[k] >= T_div
                and t >= refractory_until[k] and col[k] >= 2):
            mitosis = True
    depart = False
    recruit = False
    A_unbound = 0.0
    order = np.argsort(omega_k)
    oms = omega_k[order]
    for i in range(N):
        if t_end[i] <= t and A[i] < A_leave:
            depart = True
        if maxP[i] < P_min and A[i] >= A_leave and row[i] < d_max:
            A_unbound += A[i]
        if not recruit and M > 0 and row[i] < d_max and t_end[i] > t:
            # the carrier nearest in frequency (as structure.recruit chooses it)
            pos = np.searchsorted(oms, omega[i])
            kl = order[min(max(pos - 1, 0), M - 1)]
            kr = order[min(pos, M - 1)]
            dl = abs(omega[i] - omega_k[kl])
            dr = abs(omega[i] - omega_k[kr])
            k = kl if dl <= dr else kr
            if min(dl, dr) <= bandwidth and col[k] < q_max:
                d = phi[i] - math.atan2(c[k].imag, c[k].real)
                d = d - 2.0 * math.pi * math.floor((d + math.pi) / (2.0 * math.pi))
                if abs(d) < 0.5 * W[k]:
                    recruit = True
    return dissolve, depart, mitosis, A_unbound > A_pressure, recruit


if HAVE_NUMBA:
    block_statistics = numba.njit(cache=True, nogil=True)(_block_statistics)
else:  # pragma: no cover
    block_statistics = None
