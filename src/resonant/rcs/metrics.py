"""The stream recorder (RCS §10.1): collects the engine's per-step metrics and a few snapshots.

It consumes what the engine reports and never touches engine state (§7.1). At the end,
:meth:`StreamRecorder.record` returns a :class:`~resonant.rcs.metrics_types.StreamRecord` for
the report writer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from resonant.core.phases import TWO_PI
from resonant.rcs.engine import SUMMARY_COLUMNS, Engine, Observation
from resonant.rcs.metrics_types import GateTrace, PresenceSnapshot, StreamRecord


class StreamRecorder:
    """Records the time series of §10.1, a gate-capture trace and the densest P snapshot.

    Args:
        seconds: planned run length (s), used to place the trace window in the middle.
        trace_seconds: length of the full-observation window for the gate-capture figure (s).
        snapshot_every: take a P snapshot every this many seconds and keep the one with most bonds.
    """

    def __init__(self, seconds: float, trace_seconds: float = 4.0, snapshot_every: float = 1.0) -> None:
        self.seconds = float(seconds)
        mid = 0.5 * self.seconds
        self.trace_window = (max(0.0, mid - 0.5 * trace_seconds), mid + 0.5 * trace_seconds)
        self.snapshot_every = snapshot_every
        self._rows: list[np.ndarray] = []
        self._traces: dict[int, dict[str, list[float]]] = {}
        self._best_snapshot: PresenceSnapshot | None = None
        self._next_snapshot = snapshot_every

    # --- Recorder protocol --------------------------------------------------------------------
    def add_rows(self, rows: np.ndarray) -> None:
        if len(rows):
            self._rows.append(np.asarray(rows, dtype=float))

    def next_observation_step(self, step: int, dt: float) -> int | None:
        return max(step, int(math.ceil(self._next_snapshot / dt - 1e-9)))

    def add_traces(self, t: np.ndarray, car_id: np.ndarray, gate: np.ndarray, drive: np.ndarray,
                   energy: np.ndarray) -> None:
        """Gate, composite drive and energy of every carrier over a block of steps (RCS Fig. 2)."""
        inside = (t >= self.trace_window[0]) & (t < self.trace_window[1])
        if not inside.any():
            return
        for col, cid in enumerate(car_id.tolist()):
            tr = self._traces.setdefault(cid, {"t": [], "gate": [], "drive": [], "captured": [], "energy": []})
            g, d = gate[inside, col], drive[inside, col]
            tr["t"].extend(t[inside].tolist())
            tr["gate"].extend(g.tolist())
            tr["drive"].extend(d.tolist())
            tr["captured"].extend((g * d).tolist())
            tr["energy"].extend(energy[inside, col].tolist())

    def add_observation(self, obs: Observation) -> None:
        """A full §7.2 observation: the P snapshot, keeping the one with most bonds."""
        if obs.t >= self._next_snapshot - 1e-9:
            self._next_snapshot += self.snapshot_every
            if self._best_snapshot is None or obs.nnz > np.count_nonzero(self._best_snapshot.P):
                self._best_snapshot = presence_snapshot(obs)

    # --- results --------------------------------------------------------------------------------
    def series(self) -> dict[str, np.ndarray]:
        """The time series (columns of :data:`~resonant.rcs.metrics_types.SERIES_COLUMNS`)."""
        if not self._rows:
            return {c: np.zeros(0) for c in (*SUMMARY_COLUMNS, "mean_degree", "L_comp")}
        arr = np.concatenate(self._rows)
        out = {c: arr[:, j] for j, c in enumerate(SUMMARY_COLUMNS)}
        N = out["N"]
        out["mean_degree"] = np.divide(out["nnz"], N, out=np.zeros_like(N), where=N > 0)
        out["L_comp"] = out["nnz"] + out["M_active"]  # eq. (49)
        return out

    def gate_trace(self) -> GateTrace | None:
        """The trace of the carrier with the most captured drive in the window (≥ 1 s of data)."""
        best, score = None, -math.inf
        for cid, tr in self._traces.items():
            if len(tr["t"]) < 2 or tr["t"][-1] - tr["t"][0] < 1.0:
                continue
            s = float(np.sum(np.abs(tr["captured"])))
            if s > score:
                best, score = cid, s
        if best is None:
            return None
        tr = self._traces[best]
        return GateTrace(best, *(np.asarray(tr[k]) for k in ("t", "gate", "drive", "captured", "energy")))

    def record(self, engine: Engine, wall_seconds: float, extra: dict[str, Any] | None = None) -> StreamRecord:
        """Assemble the :class:`StreamRecord` of a finished run."""
        t_end = engine.t
        life = np.array([d - b for _, b, d in engine.lifetimes], dtype=float)
        censored = (t_end - engine.state.birth_time).detach().cpu().numpy().astype(float)
        return StreamRecord(
            series=self.series(), lifetimes=life, censored_lifetimes=censored, gate_trace=self.gate_trace(),
            presence=self._best_snapshot, config=engine.config.to_dict(), seed=engine.seed, dt=engine.config.dt,
            seconds=t_end, wall_seconds=wall_seconds, mitosis_log=list(engine.mitosis_log),
            extra=dict(counters=dict(engine.counters), **(extra or {})),
        )


def presence_snapshot(obs: Observation) -> PresenceSnapshot:
    """Dense P (oscillators × carriers) from an observation."""
    P = np.zeros((obs.N, obs.M))
    if obs.nnz:
        np.add.at(P, (obs.osc.cpu().numpy(), obs.car.cpu().numpy()), obs.P.cpu().numpy())
    return PresenceSnapshot(
        t=obs.t, P=P, osc_freq_hz=obs.omega.cpu().numpy() / TWO_PI, car_freq_hz=obs.omega_k.cpu().numpy() / TWO_PI,
        osc_label=obs.label.cpu().numpy(), osc_ids=obs.osc_id.cpu().numpy(), car_ids=obs.car_id.cpu().numpy(),
    )


__all__ = ["StreamRecorder", "presence_snapshot"]
