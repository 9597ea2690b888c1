"""Engine state: oscillator pool, carrier pool and the presence edge list, as compact tensors.

Pools are kept compact (no dead slots): removal is one boolean-mask gather per tensor and a
re-indexing of the edge list, run only when something leaves. Each oscillator and carrier has
a stable integer id, so observers can follow them across compactions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import torch

OSC_FIELDS = ("phi", "omega", "A", "I", "t_end", "label", "osc_id")
CAR_FIELDS = (
    "c", "omega_k", "W", "I_ema", "D", "D_ema", "unstable_ema", "last_unstable", "low_time", "birth_time",
    "refractory_until", "u_abs_acc", "car_id",
)
EDGE_FIELDS = ("osc", "car", "P")


@dataclass
class RCSState:
    """All dynamical state of an RCS engine (tensors on one device) plus scalar counters."""

    # oscillators (length N)
    phi: torch.Tensor  # phase φ_i (rad, [0, 2π))
    omega: torch.Tensor  # natural frequency ω_i (rad/s)
    A: torch.Tensor  # amplitude A_i
    I: torch.Tensor  # drive level a_i while the signal lasts (eq. 11/12 input is α·a_i)
    t_end: torch.Tensor  # time (s) at which the oscillator's drive ends
    label: torch.Tensor  # ground-truth group of the source signal (int64, −1 = none), never used by dynamics
    osc_id: torch.Tensor  # stable id (int64)
    # carriers (length M)
    c: torch.Tensor  # complex amplitude c_k
    omega_k: torch.Tensor  # intrinsic frequency ω_k (rad/s)
    W: torch.Tensor  # gate width W_k (rad)
    I_ema: torch.Tensor  # intake I_k = EMA(|u_k|) (eq. 24)
    D: torch.Tensor  # latest division score D_k (eq. 19)
    D_ema: torch.Tensor  # EMA of D_k with the intake time constant (for eq. 24)
    unstable_ema: torch.Tensor  # fraction of the last T_div with D_k < θ_div (eq. 20, EMA)
    last_unstable: torch.Tensor  # time (s) of the latest structure step with D_k < θ_div (birth − 2T_div: none)
    low_time: torch.Tensor  # time (s) I_k^eff has stayed below I_min
    birth_time: torch.Tensor  # (s)
    refractory_until: torch.Tensor  # (s)
    u_abs_acc: torch.Tensor  # Σ |u_k| since the last structure step
    car_id: torch.Tensor  # stable id (int64)
    # presence edge list (length nnz)
    osc: torch.Tensor  # row index i (int64)
    car: torch.Tensor  # column index k (int64)
    P: torch.Tensor  # presence P_ik
    # scalars
    t: float = 0.0
    step: int = 0
    next_osc_id: int = 0
    next_car_id: int = 0

    @classmethod
    def empty(cls, device: torch.device, dtype: torch.dtype) -> RCSState:
        cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64
        f = lambda: torch.zeros(0, dtype=dtype, device=device)  # noqa: E731
        i = lambda: torch.zeros(0, dtype=torch.int64, device=device)  # noqa: E731
        return cls(
            phi=f(), omega=f(), A=f(), I=f(), t_end=f(), label=i(), osc_id=i(),
            c=torch.zeros(0, dtype=cdtype, device=device), omega_k=f(), W=f(), I_ema=f(), D=f(), D_ema=f(),
            unstable_ema=f(), last_unstable=f(), low_time=f(), birth_time=f(), refractory_until=f(), u_abs_acc=f(),
            car_id=i(),
            osc=i(), car=i(), P=f(),
        )

    # ---- sizes ---------------------------------------------------------------------------
    @property
    def N(self) -> int:
        return self.phi.shape[0]

    @property
    def M(self) -> int:
        return self.c.shape[0]

    @property
    def nnz(self) -> int:
        return self.P.shape[0]

    # ---- growth ----------------------------------------------------------------------------
    def append_oscillators(self, **cols: torch.Tensor) -> torch.Tensor:
        """Append oscillators (one tensor per OSC_FIELDS except osc_id); returns their new ids."""
        n = cols["phi"].shape[0]
        ids = torch.arange(self.next_osc_id, self.next_osc_id + n, dtype=torch.int64, device=self.phi.device)
        self.next_osc_id += n
        cols["osc_id"] = ids
        for name in OSC_FIELDS:
            setattr(self, name, torch.cat([getattr(self, name), cols[name].to(getattr(self, name).dtype)]))
        return ids

    def append_carriers(self, **cols: torch.Tensor) -> torch.Tensor:
        """Append carriers (one tensor per CAR_FIELDS except car_id); returns their new ids."""
        n = cols["c"].shape[0]
        ids = torch.arange(self.next_car_id, self.next_car_id + n, dtype=torch.int64, device=self.phi.device)
        self.next_car_id += n
        cols["car_id"] = ids
        for name in CAR_FIELDS:
            setattr(self, name, torch.cat([getattr(self, name), cols[name].to(getattr(self, name).dtype)]))
        return ids

    def append_edges(self, osc: torch.Tensor, car: torch.Tensor, P: torch.Tensor) -> None:
        """Add edges, keeping the edge list grouped by oscillator (``osc`` non-decreasing).

        The grouping lets the fused CPU kernel split the edges between threads at an oscillator
        boundary. New edges go after the existing edges of their oscillator (a stable merge in O(E)).
        """
        P = P.to(self.P.dtype)
        if osc.numel() == 0:
            return
        order = torch.argsort(osc, stable=True)
        osc, car, P = osc[order], car[order], P[order]
        if self.osc.numel() == 0 or bool(osc[0] >= self.osc[-1]):
            self.osc = torch.cat([self.osc, osc])
            self.car = torch.cat([self.car, car])
            self.P = torch.cat([self.P, P])
            return
        E, n = self.osc.numel(), osc.numel()
        pos = torch.searchsorted(self.osc, osc, right=True) + torch.arange(n, device=osc.device)
        is_new = torch.zeros(E + n, dtype=torch.bool, device=osc.device)
        is_new[pos] = True
        for name, new in (("osc", osc), ("car", car), ("P", P)):
            old = getattr(self, name)
            merged = torch.empty(E + n, dtype=old.dtype, device=old.device)
            merged[pos] = new
            merged[~is_new] = old
            setattr(self, name, merged)

    def sort_edges(self) -> None:
        """Restore the grouping by oscillator (stable), e.g. for a checkpoint written without it."""
        if self.osc.numel() > 1 and not bool((self.osc[1:] >= self.osc[:-1]).all()):
            order = torch.argsort(self.osc, stable=True)
            self.osc, self.car, self.P = self.osc[order], self.car[order], self.P[order]

    # ---- removal -----------------------------------------------------------------------------
    def keep_edges(self, keep: torch.Tensor) -> None:
        self.osc, self.car, self.P = self.osc[keep], self.car[keep], self.P[keep]

    def keep_oscillators(self, keep: torch.Tensor) -> None:
        """Remove oscillators where ``keep`` is False, with their bonds; re-index the edge list."""
        new_index = torch.cumsum(keep.to(torch.int64), 0) - 1
        edge_keep = keep[self.osc]
        self.keep_edges(edge_keep)
        self.osc = new_index[self.osc]
        for name in OSC_FIELDS:
            setattr(self, name, getattr(self, name)[keep])

    def keep_carriers(self, keep: torch.Tensor) -> None:
        """Remove carriers where ``keep`` is False, with their bonds; re-index the edge list."""
        new_index = torch.cumsum(keep.to(torch.int64), 0) - 1
        edge_keep = keep[self.car]
        self.keep_edges(edge_keep)
        self.car = new_index[self.car]
        for name in CAR_FIELDS:
            setattr(self, name, getattr(self, name)[keep])

    # ---- (de)serialisation -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {f.name: (v.detach().cpu().clone() if isinstance(v := getattr(self, f.name), torch.Tensor) else v)
                for f in fields(self)}

    @classmethod
    def from_state_dict(cls, d: dict[str, Any], device: torch.device) -> RCSState:
        kw = {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in d.items()}
        state = cls(**kw)
        state.sort_edges()
        return state

    def tensors(self) -> dict[str, torch.Tensor]:
        return {f.name: v for f in fields(self) if isinstance(v := getattr(self, f.name), torch.Tensor)}
