"""Fused CPU kernel for EP training (numba): a whole epoch of online SGD for many small networks
(free and nudged equilibria, EP gradients, clipped updates) in one compiled loop.

Same equations, gauge and stopping rule as :func:`resonant.ep.solver.solve_equilibrium` and
:func:`resonant.ep.gradients.ep_gradients` (the torch reference, which the tests compare against); the
kernel exists because a training step on R = 300 networks of 9 nodes is ~100 small tensor launches in
torch, which makes the 100-seed ablation launch-bound. Stability is decided by a Cholesky factorisation
of L̃ + β diag(m̃) − tol·I, as with ``eigenvalues=False`` in the torch solver.
"""

from __future__ import annotations

import math

import numpy as np

try:
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    numba = None
    HAVE_NUMBA = False


def _assemble_hessian(K, beta, m, pinned, cs, sn, shift, H):  # pragma: no cover - compiled
    """H = L̃ + β diag(m̃) − shift·I on the reduced indices (rows/cols ≠ pinned), from cos/sin of θ."""
    N = cs.shape[0]
    ri = 0
    for i in range(N):
        if i == pinned:
            continue
        diag = beta * m[i] - shift
        cj = 0
        for j in range(N):
            if j == i:
                cj += 1
                continue
            c = K[i, j] * (cs[j] * cs[i] + sn[j] * sn[i]) if K[i, j] != 0.0 else 0.0
            diag += c
            if j != pinned:
                H[ri, cj] = -c
                cj += 1
        H[ri, ri] = diag
        ri += 1


def _solve_one(theta, omega_c, K, beta, t, m, pinned, tol, max_iter, stab_tol, F, H, step, cand, cs, sn):
    # pragma: no cover - compiled
    N = theta.shape[0]
    n = N - 1

    def residual(th, out):
        for i in range(N):
            cs[i] = math.cos(th[i])
            sn[i] = math.sin(th[i])
        worst = 0.0
        for i in range(N):
            acc = omega_c[i] + beta * m[i] * (t[i] - th[i])
            for j in range(N):
                kij = K[i, j]
                if kij != 0.0:
                    acc += kij * (sn[j] * cs[i] - cs[j] * sn[i])
            out[i] = acc
            if i != pinned and abs(acc) > worst:
                worst = abs(acc)
        return worst

    err = residual(theta, F)
    it = 0
    while it < max_iter and err > tol * 1e-3:
        it += 1
        _assemble_hessian(K, beta, m, pinned, cs, sn, 0.0, H)  # cs/sn hold θ's cos/sin
        ri = 0
        for i in range(N):
            if i != pinned:
                step[ri] = F[i]
                ri += 1
        # Gaussian elimination with partial pivoting: H Δ = F̃
        singular = False
        for col in range(n):
            piv = col
            best = abs(H[col, col])
            for r in range(col + 1, n):
                if abs(H[r, col]) > best:
                    best = abs(H[r, col])
                    piv = r
            if best == 0.0:
                singular = True
                break
            if piv != col:
                for c in range(n):
                    tmp = H[col, c]
                    H[col, c] = H[piv, c]
                    H[piv, c] = tmp
                tmp = step[col]
                step[col] = step[piv]
                step[piv] = tmp
            for r in range(col + 1, n):
                f = H[r, col] / H[col, col]
                if f != 0.0:
                    for c in range(col, n):
                        H[r, c] -= f * H[col, c]
                    step[r] -= f * step[col]
        if singular:
            break
        for r in range(n - 1, -1, -1):
            acc = step[r]
            for c in range(r + 1, n):
                acc -= H[r, c] * step[c]
            step[r] = acc / H[r, r]
        # backtracking on max|F̃|
        alpha = 1.0
        improved = False
        for _ in range(12):
            ri = 0
            for i in range(N):
                if i == pinned:
                    cand[i] = theta[i]
                else:
                    cand[i] = theta[i] + alpha * step[ri]
                    ri += 1
            c_err = residual(cand, F)
            if c_err < err:
                improved = True
                break
            alpha *= 0.5
        if not improved:
            err = residual(theta, F)
            break
        for i in range(N):
            theta[i] = cand[i]
        err = c_err
    # stability: Cholesky of (L̃ + β m̃) − stab_tol I at the final θ (cs/sn hold θ's cos/sin)
    residual(theta, F)
    _assemble_hessian(K, beta, m, pinned, cs, sn, stab_tol, H)
    stable = True
    for j in range(n):
        s = H[j, j]
        for k in range(j):
            s -= H[j, k] * H[j, k]
        if s <= 0.0:
            stable = False
            break
        d = math.sqrt(s)
        H[j, j] = d
        for i in range(j + 1, n):
            s = H[i, j]
            for k in range(j):
                s -= H[i, k] * H[j, k]
            H[i, j] = s / d
    return err, stable


if HAVE_NUMBA:
    _assemble_hessian = numba.njit(cache=True, nogil=True)(_assemble_hessian)
    _solve_one = numba.njit(cache=True, nogil=True)(_solve_one)


def _train_epoch(omega, K, learn_omega, learn_K, X, y, order, inputs, outputs, input_scale, T, beta, lr,
                 grad_clip, omega_clip, K_min, K_max, pinned, tol, max_iter, stab_tol, skipped, batch_size, opt,
                 mu, b1, b2, eps, m_om, v_om, m_K, v_K, step_count):
    # pragma: no cover - compiled
    """One epoch of EP training for R runs, the same update as :func:`resonant.ep.training.train`:
    per run and mini-batch of ``batch_size`` consecutive samples of ``order``, for each sample inputs → ω,
    targets T[y] on the outputs, free and nudged equilibria, EP gradients (centred ω-gradient,
    cos-difference K-gradient) with components clipped to ±grad_clip; the mean over the batch's samples
    with converged, stable equilibria (the others are skipped and counted) goes to the optimiser
    (``opt`` 0 = SGD, 1 = momentum μ, 2 = Adam b1, b2, eps with per-run state m_*, v_*, step_count),
    which updates the learnable parameters; then ω and K are clipped. batch_size = 1 with SGD is the
    paper's online rule."""
    R, N = omega.shape
    S = order.shape[1]
    n_out = outputs.shape[0]
    F = np.empty(N)
    H = np.empty((N, N))
    step = np.empty(N)
    cand = np.empty(N)
    cs = np.empty(N)
    sn = np.empty(N)
    om = np.empty(N)
    omega_c = np.empty(N)
    t = np.zeros(N)
    m = np.zeros(N)
    th_f = np.empty(N)
    th_n = np.empty(N)
    g = np.empty(N)
    acc_om = np.empty(N)
    acc_K = np.empty((N, N))
    for b0 in range(0, S, batch_size):
        b1_end = min(b0 + batch_size, S)
        for r in range(R):
            for i in range(N):
                acc_om[i] = 0.0
                for j in range(N):
                    acc_K[i, j] = 0.0
            n_ok = 0
            for s in range(b0, b1_end):
                idx = order[r, s]
                for i in range(N):
                    om[i] = omega[r, i]
                    t[i] = 0.0
                    m[i] = 0.0
                for a in range(inputs.shape[0]):
                    om[inputs[a]] = input_scale * X[r, idx, a]
                for a in range(n_out):
                    m[outputs[a]] = 1.0
                    t[outputs[a]] = T[y[r, idx], a]
                mean = 0.0
                for i in range(N):
                    mean += om[i]
                mean /= N
                for i in range(N):
                    omega_c[i] = om[i] - mean
                    th_f[i] = 0.0
                e1, s1 = _solve_one(th_f, omega_c, K[r], 0.0, t, m, pinned, tol, max_iter, stab_tol, F, H, step,
                                    cand, cs, sn)
                for i in range(N):
                    th_n[i] = th_f[i]
                e2, s2 = _solve_one(th_n, omega_c, K[r], beta, t, m, pinned, tol, max_iter, stab_tol, F, H, step,
                                    cand, cs, sn)
                if not (s1 and s2 and e1 <= tol and e2 <= tol):
                    skipped[r] += 1
                    continue
                n_ok += 1
                gm = 0.0
                for i in range(N):
                    g[i] = -(th_n[i] - th_f[i]) / beta
                    gm += g[i]
                gm /= N
                for i in range(N):
                    if learn_omega[r, i]:
                        acc_om[i] += min(max(g[i] - gm, -grad_clip), grad_clip)
                for i in range(N):
                    for j in range(i + 1, N):
                        if learn_K[r, i, j] and K[r, i, j] > 0.0:
                            gk = (math.cos(th_f[j] - th_f[i]) - math.cos(th_n[j] - th_n[i])) / beta
                            acc_K[i, j] += min(max(gk, -grad_clip), grad_clip)
            if n_ok == 0:
                continue
            step_count[r] += 1
            bc1 = 1.0 - b1 ** step_count[r]
            bc2 = 1.0 - b2 ** step_count[r]
            for i in range(N):
                if learn_omega[r, i]:
                    gi = acc_om[i] / n_ok
                    if opt == 1:
                        m_om[r, i] = mu * m_om[r, i] + gi
                        gi = m_om[r, i]
                    elif opt == 2:
                        m_om[r, i] = b1 * m_om[r, i] + (1.0 - b1) * gi
                        v_om[r, i] = b2 * v_om[r, i] + (1.0 - b2) * gi * gi
                        gi = (m_om[r, i] / bc1) / (math.sqrt(v_om[r, i] / bc2) + eps)
                    omega[r, i] = min(max(omega[r, i] - lr * gi, -omega_clip), omega_clip)
            for i in range(N):
                for j in range(i + 1, N):
                    if learn_K[r, i, j] and K[r, i, j] > 0.0:
                        gk = acc_K[i, j] / n_ok
                        if opt == 1:
                            m_K[r, i, j] = mu * m_K[r, i, j] + gk
                            m_K[r, j, i] = m_K[r, i, j]
                            gk = m_K[r, i, j]
                        elif opt == 2:
                            m_K[r, i, j] = b1 * m_K[r, i, j] + (1.0 - b1) * gk
                            v_K[r, i, j] = b2 * v_K[r, i, j] + (1.0 - b2) * gk * gk
                            m_K[r, j, i] = m_K[r, i, j]
                            v_K[r, j, i] = v_K[r, i, j]
                            gk = (m_K[r, i, j] / bc1) / (math.sqrt(v_K[r, i, j] / bc2) + eps)
                        kn = min(max(K[r, i, j] - lr * gk, K_min), K_max)
                        K[r, i, j] = kn
                        K[r, j, i] = kn


if HAVE_NUMBA:
    train_epoch = numba.njit(cache=True, nogil=True)(_train_epoch)
else:  # pragma: no cover
    train_epoch = None
