"""The gradient identity of EP for natural frequencies (arXiv 2604.10272), verified four ways.

For each N, :func:`verify` builds ``random_network(N, seed=seed + N)`` with targets −0.2/+0.2 on
its two outputs, solves the free equilibrium (gauge of :mod:`resonant.ep.solver`), and computes
∂L/∂(ω, K) by

* the implicit-function theorem (``analytic``, the reference),
* two-phase EP at β = ``beta_identity`` (one-sided, error O(β)) and its symmetric ±β variant (O(β²)),
* central finite differences of the equilibrium loss,
* autograd through the equilibrium (implicit differentiation).

Cosines and relative errors are taken over all parameters (the N frequencies and the E edge
weights, concatenated), and also over ω alone (the paper's identity). A finite-β study on one
network (N = ``beta_study_N``) measures how the EP error scales with β and fits the log-log slopes.

The result is a plain dict (records, beta_study, config) for
:func:`resonant.reports.ep_report.write_verify_report`.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from resonant.ep.gradients import (
    Gradients,
    analytic_gradients,
    autograd_gradients,
    ep_gradients,
    finite_difference_gradients,
)
from resonant.ep.network import Network, random_network
from resonant.ep.solver import solve_equilibrium

__all__ = ["DEFAULT_NS", "ROUTES", "verify"]

#: network sizes of the paper's gradient-identity table
DEFAULT_NS: tuple[int, ...] = (6, 10, 15, 20, 50, 100, 200)
#: the routes compared against the analytic gradient (record keys ``cos_<route>_analytic``)
ROUTES: tuple[str, ...] = ("ep", "ep_symmetric", "fd", "autograd")
TARGET = 0.2


def _targets(net: Network) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets −0.2 on the first output, +0.2 on the others; mask 1 on the outputs."""
    t = torch.zeros(net.N, dtype=torch.float64)
    m = torch.zeros(net.N, dtype=torch.float64)
    outs = list(net.outputs)
    t[outs] = TARGET
    t[outs[0]] = -TARGET
    m[outs] = 1.0
    return t, m


def _cos(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a * b).sum() / (a.norm() * b.norm()))


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def _compare(g: Gradients, ref: Gradients, edge_mask: torch.Tensor) -> dict[str, float]:
    a, b = g.flat(edge_mask), ref.flat(edge_mask)
    return {"cos": _cos(a, b), "rel": _rel(a, b), "cos_omega": _cos(g.omega, ref.omega),
            "rel_omega": _rel(g.omega, ref.omega)}


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _one_network(N: int, seed: int, beta: float, fd_eps: float, tol: float) -> dict[str, Any]:
    start = time.perf_counter()
    net = random_network(N, seed=seed)
    t, m = _targets(net)
    free, t_solve = _timed(lambda: solve_equilibrium(net.omega, net.K, pinned=net.pinned, tol=tol))
    ref, t_analytic = _timed(lambda: analytic_gradients(free.theta, net.K, t, m, pinned=net.pinned))
    (ep, _, plus), t_ep = _timed(lambda: ep_gradients(net.omega, net.K, t, m, beta, pinned=net.pinned,
                                                      free=free, tol=tol))
    (eps_, lo, hi), t_sym = _timed(lambda: ep_gradients(net.omega, net.K, t, m, beta, pinned=net.pinned,
                                                        free=free, symmetric=True, tol=tol))
    fd, t_fd = _timed(lambda: finite_difference_gradients(net.omega, net.K, t, m, pinned=net.pinned, eps=fd_eps,
                                                          theta0=free.theta))
    ag, t_ag = _timed(lambda: autograd_gradients(net.omega, net.K, t, m, pinned=net.pinned, theta0=free.theta))
    rec: dict[str, Any] = {
        "N": N,
        "seed": seed,
        "edges": int(net.edges.shape[0]),
        "residual": float(free.residual),
        "lambda_min": float(free.lambda_min),
        "converged": bool(free.converged),
        "stable": bool(free.stable),
        "newton_iterations": int(free.iterations),
        "residual_nudged": max(float(plus.residual), float(lo.residual), float(hi.residual)),
        "anchor_force": float(plus.anchor_force),
        "loss": float(0.5 * (m * (free.theta - t) ** 2).sum()),
        "grad_norm": float(ref.flat(net.edge_mask).norm()),
    }
    for route, g in zip(ROUTES, (ep, eps_, fd, ag), strict=True):
        c = _compare(g, ref, net.edge_mask)
        rec[f"cos_{route}_analytic"] = c["cos"]
        rec[f"rel_err_{route}"] = c["rel"]
        rec[f"cos_{route}_analytic_omega"] = c["cos_omega"]
        rec[f"rel_err_{route}_omega"] = c["rel_omega"]
    rec["seconds"] = {"solve": t_solve, "analytic": t_analytic, "ep": t_ep, "ep_symmetric": t_sym, "fd": t_fd,
                      "autograd": t_ag}
    rec["wall_seconds"] = time.perf_counter() - start
    return rec


def _slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float)), 1)[0])


def _beta_study(N: int, seed: int, betas: Sequence[float], tol: float) -> dict[str, Any]:
    net = random_network(N, seed=seed)
    t, m = _targets(net)
    free = solve_equilibrium(net.omega, net.K, pinned=net.pinned, tol=tol)
    ref = analytic_gradients(free.theta, net.K, t, m, pinned=net.pinned)
    ref_flat = ref.flat(net.edge_mask)
    rows = []
    for beta in betas:
        row: dict[str, Any] = {"beta": float(beta)}
        for name, sym in (("one_sided", False), ("symmetric", True)):
            g, a, b = ep_gradients(net.omega, net.K, t, m, float(beta), pinned=net.pinned, free=free,
                                   symmetric=sym, tol=tol)
            flat = g.flat(net.edge_mask)
            row[f"rel_err_{name}"] = _rel(flat, ref_flat)
            row[f"cos_{name}"] = _cos(flat, ref_flat)
            row[f"norm_ratio_{name}"] = float(flat.norm() / ref_flat.norm())
            row[f"rel_err_{name}_omega"] = _rel(g.omega, ref.omega)
            row[f"converged_{name}"] = bool(a.ok) and bool(b.ok)
        rows.append(row)
    bs = [r["beta"] for r in rows]
    return {
        "N": N,
        "seed": seed,
        "rows": rows,
        "slope_one_sided": _slope(bs, [r["rel_err_one_sided"] for r in rows]),
        "slope_symmetric": _slope(bs, [r["rel_err_symmetric"] for r in rows]),
        "slope_one_sided_omega": _slope(bs, [r["rel_err_one_sided_omega"] for r in rows]),
        "slope_symmetric_omega": _slope(bs, [r["rel_err_symmetric_omega"] for r in rows]),
    }


def verify(
    Ns: Sequence[int] = DEFAULT_NS,
    seed: int = 0,
    betas: Sequence[float] | np.ndarray = np.logspace(-4, -1, 7),  # noqa: B008 (read-only default)
    progress: Callable[[int, int], None] | None = None,
    *,
    beta_identity: float = 1e-6,
    fd_eps: float = 1e-5,
    tol: float = 1e-12,
    beta_study_N: int = 20,
) -> dict[str, Any]:
    """Check the four gradient routes against each other for every N, and the EP error against β.

    Args:
        Ns: network sizes; network N is ``random_network(N, seed=seed + N)``.
        seed: base seed.
        betas: nudging strengths of the finite-β study (on N = ``beta_study_N``).
        progress: called as ``progress(done, total)`` after each network and after the β study.
        beta_identity: β of the EP routes in the per-N identity check.
        fd_eps: finite-difference step.
        tol: solver tolerance on max |F̃|.

    Returns:
        ``{"records": [one dict per N], "beta_study": {...}, "config": {...}}`` (plain Python values).
    """
    Ns = [int(n) for n in Ns]
    if not Ns or min(Ns) < 3:
        raise ValueError(f"Ns must be a non-empty list of sizes >= 3, got {Ns}")
    betas = [float(b) for b in np.asarray(betas, dtype=float).reshape(-1)]
    if len(betas) < 2 or min(betas) <= 0:
        raise ValueError(f"betas must hold at least two positive values, got {betas}")
    total = len(Ns) + 1
    start = time.perf_counter()
    _one_network(6, seed, beta_identity, fd_eps, tol)  # warm-up (library initialisation), not timed per N
    records = []
    for i, N in enumerate(Ns):
        records.append(_one_network(N, seed + N, beta_identity, fd_eps, tol))
        if progress is not None:
            progress(i + 1, total)
    beta_study = _beta_study(beta_study_N, seed + beta_study_N, betas, tol)
    if progress is not None:
        progress(total, total)
    config = {
        "Ns": Ns,
        "seed": seed,
        "network": "random_network(N, seed=seed + N)",
        "targets": f"-{TARGET} on the first output, +{TARGET} on the other",
        "beta_identity": beta_identity,
        "betas": betas,
        "beta_study_N": beta_study_N,
        "fd_eps": fd_eps,
        "tol": tol,
        "dtype": "float64",
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "wall_seconds": time.perf_counter() - start,
    }
    return {"records": records, "beta_study": beta_study, "config": config}
