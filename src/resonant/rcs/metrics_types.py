"""Plain data records produced by the stream recorder and consumed by reports (no engine imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Columns of the per-step time series, in order (units in :data:`SERIES_UNITS`).
SERIES_COLUMNS: tuple[str, ...] = (
    "t",  # time (s)
    "N",  # oscillators alive
    "M",  # carriers alive
    "M_active",  # carriers with |c_k| above the activity threshold
    "nnz",  # nonzero presences nnz(P)
    "mean_degree",  # nnz(P) / N (bonds per oscillator; 0 when N = 0)
    "L_comp",  # description-length proxy nnz(P) + M_active, eq. (49)
    "R",  # global order parameter, eq. (48)
    "births",  # cumulative carrier births (nucleation + mitosis children)
    "nucleations",  # cumulative nucleation events (eq. 26)
    "mitoses",  # cumulative mitoses
    "dissolutions",  # cumulative dissolutions
    "snaps",  # cumulative bond snaps by own dynamics (pitfall 8)
    "recruitments",  # cumulative bonds created by recruitment
    "gate_open_fraction",  # fraction of carriers whose gate is open (0 when M = 0)
    "mean_energy",  # mean carrier energy |c_k| (0 when M = 0)
    "max_energy",  # max carrier energy |c_k| (0 when M = 0)
    "bound_ratio",  # κ max_i Σ_k P_ik|c_k| / Δ, eq. (44)
)

SERIES_UNITS: dict[str, str] = {
    "t": "s", "N": "count", "M": "count", "M_active": "count", "nnz": "count",
    "mean_degree": "bonds per oscillator", "L_comp": "count", "R": "1", "births": "count",
    "nucleations": "count", "mitoses": "count", "dissolutions": "count", "snaps": "count",
    "recruitments": "count", "gate_open_fraction": "1", "mean_energy": "|c|", "max_energy": "|c|",
    "bound_ratio": "1",
}


@dataclass
class GateTrace:
    """Per-step trace of one carrier for the gate-capture figure (RCS Fig. 2).

    ``drive`` is Re of the ungated tuned drive Σ_i T_ik P_ik z_i projected on the carrier phase
    (what the carrier would receive with its gate open), ``captured`` the same times G(ψ_k).
    """

    carrier_id: int
    t: np.ndarray
    gate: np.ndarray
    drive: np.ndarray
    captured: np.ndarray
    energy: np.ndarray


@dataclass
class PresenceSnapshot:
    """A snapshot of P (dense, oscillators × carriers) with the row/column frequencies (Hz)."""

    t: float
    P: np.ndarray
    osc_freq_hz: np.ndarray
    car_freq_hz: np.ndarray
    osc_label: np.ndarray
    osc_ids: np.ndarray
    car_ids: np.ndarray


@dataclass
class StreamRecord:
    """Everything a stream report needs: time series, lifetimes, snapshots and run facts."""

    series: dict[str, np.ndarray]
    lifetimes: np.ndarray  # completed carrier lifetimes (s), dissolution order
    censored_lifetimes: np.ndarray  # ages (s) of carriers still alive at the end
    gate_trace: GateTrace | None
    presence: PresenceSnapshot | None
    config: dict[str, Any]
    seed: int
    dt: float
    seconds: float
    wall_seconds: float
    mitosis_log: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
