"""Unsupervised structure discovery, RCS §7.1/§7.2, strictly outside the engine.

"What clusters emerge?" The soft assignment of eq. (33),

    m_ik = P_ik T_ik / Σ_k' P_ik' T_ik',

says how much oscillator i belongs to carrier k. Its hard version assigns each oscillator to the
carrier of largest m_ik, k*(i) = argmax_k m_ik; an oscillator with no bond (Σ_k m_ik = 0) is
*unassigned* (−1). The partition of oscillators into carriers is compared with ground-truth groups by
the adjusted Rand index (Hubert & Arabie 1985; scikit-learn's implementation). For the ARI, every
unassigned oscillator is its own singleton cluster: not being represented groups it with nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.metrics import adjusted_rand_score

__all__ = [
    "UNASSIGNED",
    "adjusted_rand_index",
    "hard_assignments",
    "hard_assignments_sparse",
    "observation_assignments",
]

#: The hard assignment of an oscillator without bonds.
UNASSIGNED = -1


def hard_assignments(m: np.ndarray | torch.Tensor) -> np.ndarray:
    """k*(i) = argmax_k m_ik for a dense soft-assignment matrix m (N, M) of eq. (33); −1 for an all-zero row.

    Ties go to the lowest carrier index. Raises ValueError for a non-2-D, negative or non-finite m.
    """
    a = m.detach().cpu().numpy() if torch.is_tensor(m) else np.asarray(m, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"m must be a 2-D (N oscillators, M carriers) matrix, got shape {a.shape}")
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError("m must be finite and >= 0 (a soft assignment, eq. 33)")
    if a.shape[1] == 0:
        return np.full(a.shape[0], UNASSIGNED, dtype=np.int64)
    k = np.argmax(a, axis=1).astype(np.int64)
    return np.where(a.max(axis=1) > 0, k, UNASSIGNED)


def hard_assignments_sparse(osc: np.ndarray | torch.Tensor, car: np.ndarray | torch.Tensor,
                            m: np.ndarray | torch.Tensor, N: int) -> np.ndarray:
    """Hard assignments from the edge list of an observation: edges (osc, car) with soft weights m (eq. 33).

    Returns (N,) carrier indices (−1 for oscillators without a positive edge). Ties go to the lowest
    carrier index, as in :func:`hard_assignments`. O(nnz log nnz), no loop over oscillators.
    """
    def arr(x: Any) -> np.ndarray:
        return np.asarray(x.detach().cpu().numpy() if torch.is_tensor(x) else x).reshape(-1)

    o, c, w = arr(osc).astype(np.int64), arr(car).astype(np.int64), arr(m).astype(float)
    if not (o.shape == c.shape == w.shape):
        raise ValueError(f"osc, car and m must have the same length, got {o.shape}, {c.shape}, {w.shape}")
    if o.size and (o.min() < 0 or o.max() >= N):
        raise ValueError(f"oscillator indices must be in [0, N={N}), got range [{o.min()}, {o.max()}]")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("m must be finite and >= 0 (a soft assignment, eq. 33)")
    out = np.full(N, UNASSIGNED, dtype=np.int64)
    pos = w > 0
    o, c, w = o[pos], c[pos], w[pos]
    if o.size:
        order = np.lexsort((c, -w, o))  # by oscillator, then largest m, then lowest carrier
        first = np.ones(order.size, dtype=bool)
        first[1:] = o[order][1:] != o[order][:-1]
        out[o[order][first]] = c[order][first]
    return out


def observation_assignments(obs: Any) -> tuple[np.ndarray, np.ndarray]:
    """(oscillator ids, carrier ids) of the hard eq. (33) assignment in one engine observation (§7.2).

    Carrier ids are the engine's stable ``car_id`` (−1 for unassigned oscillators), so partitions from
    different times can be compared.
    """
    k = hard_assignments_sparse(obs.osc, obs.car, obs.m, int(obs.N))
    car_id = obs.car_id.detach().cpu().numpy().astype(np.int64)
    ids = np.where(k >= 0, car_id[np.clip(k, 0, None)] if car_id.size else UNASSIGNED, UNASSIGNED)
    return obs.osc_id.detach().cpu().numpy().astype(np.int64), ids


def adjusted_rand_index(labels_true: Any, labels_pred: Any, unassigned: int | None = UNASSIGNED) -> float:
    """Adjusted Rand index between ground-truth groups and a partition (scikit-learn's ``adjusted_rand_score``).

    Predicted labels equal to ``unassigned`` (−1 by default; None: no special label) are replaced by
    distinct singleton clusters first.
    """
    t = np.asarray(labels_true).reshape(-1)
    p = np.asarray(labels_pred).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"labels_true and labels_pred must have the same length, got {t.size} and {p.size}")
    if unassigned is not None and p.size:
        p = p.astype(np.int64)
        lone = p == unassigned
        p = np.where(lone, p.max(initial=0) + 1 + np.cumsum(lone), p)
    return float(adjusted_rand_score(t, p))
