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

Layout for speed (``benchmarks/scaling.py``): loops over oscillators and carriers read and write 1-D
arrays so that LLVM vectorises them, with the polynomial ``exp``/``sincos`` of
:mod:`resonant.core.simd`; the edge loop runs in chunks (:func:`_edges`): a scalar gather, a
vectorised pass, a scalar scatter. Indices arrive as unsigned views (no negative-index checks). Large
edge lists are cut into :data:`NPART` oscillator-disjoint partitions with private carrier sums, run
on numba's threads by :data:`advance_block_parallel`.
"""

from __future__ import annotations

import math
import types

import numpy as np

try:  # numba is optional: without it the torch path is used everywhere
    import numba

    HAVE_NUMBA = True
    from resonant.core.simd import exp_nonpos as _exp_nonpos
    from resonant.core.simd import sincos as _sincos
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None
    HAVE_NUMBA = False

#: Summary columns written per step by :func:`advance_block`.
KERNEL_SUMMARY = ("t", "N", "M", "M_active", "nnz", "R", "gate_open_fraction", "mean_energy", "max_energy",
                  "bound_ratio", "snaps")

#: Edges per chunk of the edge loop: a chunk's gathered operands stay in L1 between its passes.
CHUNK = 512
#: The edge list is cut into NPART partitions with private carrier sums (run in parallel by
#: :data:`advance_block_parallel`, one partition at a time per thread). From PARALLEL_MIN_EDGES edges
#: on, and when the edges are grouped by oscillator (as the engine keeps them), the cuts are the
#: oscillator boundaries at or after p·E/NPART, so partitions touch disjoint oscillators; otherwise
#: partition 0 holds every edge. The cuts depend only on the edge list, never on the thread count,
#: so any number of threads gives bit-identical numbers.
NPART = 8
PARALLEL_MIN_EDGES = 1 << 16

ERR_NONE, ERR_PHI, ERR_A, ERR_C, ERR_P = 0, 1, 2, 3, 4
ERR_NAMES = {ERR_PHI: "phi", ERR_A: "A", ERR_C: "c", ERR_P: "P"}

_TWO_PI = 2.0 * math.pi
_INV_TWO_PI = 1.0 / _TWO_PI
_SHIFTER = 6755399441055744.0  # 1.5 · 2^52: x + S - S rounds x to an integer (vectorisable)


def partition_bounds(osc, E):  # pragma: no cover - compiled; covered through the engine tests
    """Edge ranges [lo_p, hi_p) of the NPART partitions (see :data:`NPART`)."""
    lo = np.full(NPART, E, dtype=np.int64)
    hi = np.full(NPART, E, dtype=np.int64)
    lo[0] = 0
    grouped = E >= PARALLEL_MIN_EDGES
    if grouped:
        for e in range(1, E):
            if osc[e] < osc[e - 1]:
                grouped = False
                break
    if grouped:
        for p in range(1, NPART):
            cut = max(p * E // NPART, lo[p - 1])
            while cut < E and osc[cut] == osc[cut - 1]:
                cut += 1
            lo[p] = cut
    for p in range(NPART - 1):
        hi[p] = lo[p + 1]
    return lo, hi


def _edges(lo, hi, osc, car, P, phi, ac, as_, kA, gr, gi, bond_step, dtb, alpha_p, lambda_p, inv_P_max, eps_snap):
    """The edges lo..hi-1 of one partition for one step; returns (snaps, non-finite new P values).

    Per chunk of CHUNK edges: a scalar gather of each edge's operands; a vectorised pass for the
    tuning weights w = T_ik P_ik (eq. 9, exp by polynomial) and the bonds (eq. 13); then the scalar
    scatter-adds of the drive Σ w A e^{iφ} (eq. 5) into kA[k, 6:8] and of the back-influence
    Σ w c_k (eq. 8) into (gr, gi)[i]. A row of kA (one cache line) holds everything the edges
    need of carrier k: ψ_k, 1/σ_k, G_k e^{iψ_k}, c_k and the drive sums; ac, as_ hold A cos φ, A sin φ.
    """
    bd = np.empty(CHUNK)
    bc = np.empty(CHUNK)
    bw = np.empty(CHUNK)
    snaps = 0
    bad = 0
    for e0 in range(lo, hi, CHUNK):
        n = min(CHUNK, hi - e0)
        oc = osc[e0:e0 + n]
        ca = car[e0:e0 + n]
        Pv = P[e0:e0 + n]
        for j in range(n):  # gather (indices are unsigned: no wrap-around checks)
            i = oc[j]
            k = ca[j]
            d = phi[i] - kA[k, 0]
            d = d - _TWO_PI * ((d * _INV_TWO_PI + _SHIFTER) - _SHIFTER)  # only d² is used: round-to-nearest serves
            bd[j] = -(d * d) * kA[k, 1]  # the scalar gather is bound by load latency: its arithmetic is free
            bc[j] = kA[k, 2] * ac[i] + kA[k, 3] * as_[i]  # G_k A_i cos(φ_i - ψ_k), the capture
        ns = 0
        nb = 0
        for j in range(n):  # vectorised: T_ik P_ik (eq. 9) and the bonds (eq. 13)
            pw = Pv[j]
            bw[j] = _exp_nonpos(bd[j]) * pw
            if bond_step:  # snapping below ε_snap; edges already at 0 are not counted again
                pn = pw + dtb * (alpha_p * pw * max(bc[j], 0.0) * (1.0 - pw * inv_P_max) - lambda_p * pw)
                snapped = pn < eps_snap
                ns += np.int64(snapped and pw > 0.0)
                nb += np.int64((pn - pn) != 0.0)  # NaN or ±inf
                Pv[j] = 0.0 if snapped else pn
        snaps += ns
        bad += nb
        for j in range(n):  # scatter
            w = bw[j]
            i = oc[j]
            k = ca[j]
            kA[k, 6] += w * ac[i]
            kA[k, 7] += w * as_[i]
            gr[i] += w * kA[k, 4]
            gi[i] += w * kA[k, 5]
    return snaps, bad


def _advance_block(
    n_steps, step0, dt,
    phi, omega_f, A, I_drive, t_end,
    c, rot, E_prop, F_prop, inv_sigma, u_abs_acc,
    osc, car, P, lo, hi,
    gamma, beta, kappa, alpha_A, rho_A, A0, amp_cubic, integrator_euler, quasi_steady,
    alpha_p, lambda_p, tau_p, P_max, eps_snap, r_bond,
    frame_omega, noise, M_active_thr, delta, check_finite,
    out, summarize, trace_out,
):  # pragma: no cover - compiled; covered through the engine tests
    N = phi.shape[0]
    M = c.shape[0]
    E = P.shape[0]
    two_pi = _TWO_PI
    # per-oscillator scratch as 1-D arrays (2-D rows would stop the loops from vectorising)
    cphi = np.empty(N)
    sphi = np.empty(N)
    ac = np.empty(N)  # A cos φ, A sin φ: gathered by the edges
    as_ = np.empty(N)
    gr = np.empty(N)  # back-influence Σ_k T P c_k (eq. 8); the partitions own disjoint oscillators
    gi = np.empty(N)
    scratch = np.empty(N if summarize else 0)  # for the eq. (44) bound of the summary rows
    # per partition, one 64-byte row per carrier: ψ_k, 1/σ_k, G_k cos ψ_k, G_k sin ψ_k, Re c_k, Im c_k
    # and the partition's private drive sums (an edge then touches one carrier cache line)
    kA = np.empty((NPART, M, 8))
    psi = np.empty(M)
    G = np.empty(M)
    dr = np.empty(M)  # scratch of the carrier traces
    snaps_p = np.zeros(NPART, dtype=np.int64)
    bad_p = np.zeros(NPART, dtype=np.int64)
    snaps = 0
    nnz = 0
    inv_P_max = 1.0 / P_max if math.isfinite(P_max) else 0.0
    n_bad = 0
    for e in numba.prange(E):  # integer reductions: the same in any order
        nnz += np.int64(P[e] > 0.0)
        n_bad += np.int64((P[e] - P[e]) != 0.0)
    if check_finite and n_bad > 0:
        return snaps, ERR_P, step0
    has_noise = noise.shape[0] > 0
    for i in numba.prange(N):  # phasors of the first step; the phase update writes the later ones
        sn, cs = _sincos(phi[i])
        cphi[i] = cs
        sphi[i] = sn
        ac[i] = A[i] * cs
        as_[i] = A[i] * sn
        gr[i] = 0.0
        gi[i] = 0.0
    for j in range(n_steps):
        step = step0 + j
        t = step * dt
        theta = 0.0
        if frame_omega != 0.0:
            theta = np.fmod(frame_omega * t, two_pi)
        ct = math.cos(theta)
        st = math.sin(theta)
        # --- per carrier: phase, gate (eq. 4), unit phasor ---------------------------------------
        for k in numba.prange(M):
            cr = c[k].real
            ci = c[k].imag
            psi[k] = math.atan2(ci, cr)
            G[k] = 1.0 if (cr * ct - ci * st) >= 0.0 else 0.0
            r = abs(c[k])
            kA[0, k, 0] = psi[k]
            kA[0, k, 1] = inv_sigma[k]
            kA[0, k, 2] = G[k] * cr / r if r > 0.0 else 0.0
            kA[0, k, 3] = G[k] * ci / r if r > 0.0 else 0.0
            kA[0, k, 4] = cr
            kA[0, k, 5] = ci
            kA[0, k, 6] = 0.0
            kA[0, k, 7] = 0.0
        bond_step = ((step + 1) % r_bond) == 0
        dtb = r_bond * dt / tau_p
        # --- edges: partitions spread over the threads ---------------------------------------------
        for p in numba.prange(NPART):
            if p > 0 and hi[p] == lo[p]:  # empty partition (small or ungrouped edge lists)
                snaps_p[p] = 0
                bad_p[p] = 0
            else:
                if p > 0:  # a private copy of the carrier rows, with zero drive sums
                    for k in range(M):
                        for q in range(6):
                            kA[p, k, q] = kA[0, k, q]
                        kA[p, k, 6] = 0.0
                        kA[p, k, 7] = 0.0
                snaps_p[p], bad_p[p] = _edges(lo[p], hi[p], osc, car, P, phi, ac, as_, kA[p], gr, gi, bond_step,
                                              dtb, alpha_p, lambda_p, inv_P_max, eps_snap)
        for p in range(NPART):
            snaps += snaps_p[p]
            nnz -= snaps_p[p]
            if check_finite and bad_p[p] > 0:
                return snaps, ERR_P, step
        # --- carriers ---------------------------------------------------------------------------
        n_bad_c = 0
        for k in numba.prange(M):
            sr = 0.0
            si = 0.0
            for p in range(NPART):
                if p == 0 or hi[p] > lo[p]:
                    sr += kA[p, k, 6]
                    si += kA[p, k, 7]
            if quasi_steady:
                ur = 0.5 * sr
                ui = 0.5 * si
                den = gamma + beta * (ur * ur + ui * ui)
                cn = complex(ur / den, ui / den)
            else:
                ur = G[k] * sr
                ui = G[k] * si
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
            n_bad_c += np.int64(not math.isfinite(abs(cn)))
        if check_finite and n_bad_c > 0:
            return snaps, ERR_C, step
        # --- oscillators: phase (eq. 40) and amplitude (eq. 12 or 11) ----------------------------
        n_bad_phi = 0
        n_bad_A = 0
        for i in numba.prange(N):
            v = omega_f[i] + kappa * (gi[i] * cphi[i] - gr[i] * sphi[i])
            x = phi[i] + dt * v
            if has_noise:
                x += noise[j, i]
            x = x - two_pi * np.floor(x / two_pi)
            if x >= two_pi:  # guards the rounding edge of floor
                x -= two_pi
            phi[i] = x
            drive = alpha_A * I_drive[i] if t_end[i] > t else 0.0
            a = A[i]
            if amp_cubic:
                a = a + dt * (-alpha_A * (a - A0) + drive - rho_A * a * a * a)
            else:
                a = (1.0 - alpha_A * dt) * a + dt * drive
            a = a if a > 0.0 else 0.0
            A[i] = a
            n_bad_phi += np.int64((x - x) != 0.0)
            n_bad_A += np.int64((a - a) != 0.0)
            # phasors for the next step (vectorised sincos), and its back-influence accumulators
            sn, cs = _sincos(x)
            cphi[i] = cs
            sphi[i] = sn
            ac[i] = a * cs
            as_[i] = a * sn
            gr[i] = 0.0
            gi[i] = 0.0
        if check_finite:
            if n_bad_phi > 0:
                return snaps, ERR_PHI, step
            if n_bad_A > 0:
                return snaps, ERR_A, step
        # --- summary row (after the step) ------------------------------------------------------
        if not summarize:
            continue
        e_sum = 0.0
        e_max = 0.0
        n_act = 0
        n_open = 0.0
        sr = 0.0
        si = 0.0
        for i in range(N):
            sr += math.cos(phi[i])
            si += math.sin(phi[i])
        R = math.sqrt(sr * sr + si * si) / N if N > 0 else 0.0
        th1 = np.fmod(frame_omega * ((step + 1) * dt), two_pi)
        for k in range(M):
            r = abs(c[k])
            e_sum += r
            if r > e_max:
                e_max = r
            if r > M_active_thr:
                n_act += 1
            if (c[k].real * math.cos(th1) - c[k].imag * math.sin(th1)) >= 0.0:
                n_open += 1.0
        # eq. (44): κ max_i Σ_k P_ik |c_k|
        bound = 0.0
        if M > 0 and N > 0:
            for i in range(N):
                scratch[i] = 0.0
            for e in range(E):
                if P[e] > 0.0:
                    scratch[osc[e]] += P[e] * abs(c[car[e]])
            for i in range(N):
                if scratch[i] > bound:
                    bound = scratch[i]
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


def _renamed(fn, name: str):
    """A copy of the function ``fn`` under another name (same code, globals and source file)."""
    copy = types.FunctionType(fn.__code__.replace(co_name=name), fn.__globals__, name, fn.__defaults__,
                              fn.__closure__)
    copy.__qualname__ = name
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    return copy


if HAVE_NUMBA:
    # fastmath "contract" only lets LLVM fuse a*b + c into one FMA (no reassociation), which the
    # polynomial passes need to run at full width; sums keep their order, so runs stay bit-reproducible
    _jit = dict(cache=True, nogil=True, fastmath={"contract"})
    partition_bounds = numba.njit(cache=True, nogil=True)(partition_bounds)
    _edges = numba.njit(**_jit)(_edges)
    advance_block = numba.njit(**_jit)(_advance_block)
    #: the same kernel with the oscillator loops and the NPART edge partitions run on numba's threads.
    #: numba's on-disk cache is keyed by the function's qualified name and ignores ``parallel``, so the
    #: parallel version compiles a renamed copy of the function (its own cache entry).
    advance_block_parallel = numba.njit(parallel=True, **_jit)(_renamed(_advance_block, "_advance_block_parallel"))
else:  # pragma: no cover
    advance_block = advance_block_parallel = None


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
    cphi = np.empty(N)
    sphi = np.empty(N)
    for i in range(N):  # vectorised: one sincos per oscillator instead of one per edge
        sn, cs = _sincos(phi[i])
        sphi[i] = sn
        cphi[i] = cs
    for e in range(E):
        i = osc[e]
        k = car[e]
        w = P[e] * A[i]
        w_sq[k] += w * w
        ur[k] += w * cphi[i]
        ui[k] += w * sphi[i]
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
    block_statistics = numba.njit(**_jit)(_block_statistics)
else:  # pragma: no cover
    block_statistics = None
