"""The RCS engine: orchestrates the equations of :mod:`dynamics` and the events of :mod:`structure`.

It holds no equations itself. One step (Algorithm 1, with the fixes documented in
``docs/rcs.md``):

1. admit arriving signals as oscillators;
2. gate (eq. 4), tuning (eq. 9), tuned drive and gated drive u_k (eq. 5);
3. carriers: rotation at ω_k, drive, damping, saturation (eq. 5 + pitfall 1; eq. 41 or 38);
4. back-influence g_i (eq. 8) and phases (eq. 40, optional dither eq. 46);
5. amplitudes (eq. 12 or 11);
6. bonds (eq. 13) every r_bond steps, then snapping (§4.6);
7. every r_arch steps: statistics, gate widths, metabolism, departures, mitosis, recruitment and
   nucleation (§5, §8.3.2).

Observation (:meth:`Engine.observe`) reads the state and never writes it (§7.1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch

from resonant.core.checkpoint import atomic_save, load_checkpoint
from resonant.core.device import resolve_device_dtype
from resonant.core.errors import NumericalInstabilityError
from resonant.core.monitor import coupling_bound, coupling_bound_ratio, detuning_halfwidth
from resonant.core.phases import TWO_PI, wrap_phase
from resonant.rcs import structure
from resonant.rcs.config import RCSConfig
from resonant.rcs.dynamics import (
    amplitude_rhs_cubic,
    amplitude_step_leaky,
    back_influence,
    bond_capture,
    bond_rhs,
    carrier_propagator,
    carrier_rhs,
    carrier_statistics,
    description_length,
    gate,
    global_order_parameter,
    quasi_steady_carrier,
    soft_assignment,
    spectral_profile,
    tuned_drive,
)
from resonant.rcs.state import RCSState
from resonant.rcs.stream import Signal, SignalSource

CHECKPOINT_VERSION = 1

#: Columns of :meth:`Engine.summary_row` (counters are cumulative).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "t", "N", "M", "M_active", "nnz", "R", "gate_open_fraction", "mean_energy", "max_energy", "bound_ratio",
    "births", "nucleations", "mitoses", "dissolutions", "snaps", "recruitments",
)


class Recorder(Protocol):
    """A consumer of engine measurements (see :class:`resonant.rcs.metrics.StreamRecorder`)."""

    def add_rows(self, rows: Sequence[Sequence[float]]) -> None: ...

    def wants_observation(self, step: int, t: float) -> bool: ...

    def add_observation(self, obs: Observation) -> None: ...


@dataclass(frozen=True)
class Observation:
    """Snapshot of §7.2. Tensors are copies: changing them cannot touch the engine.

    Per carrier (length M): ``car_id``, ``energy`` |c_k|, ``phase`` arg c_k, ``omega_k``, ``intake``
    I_k, ``D`` (eq. 19, current state), ``W`` gate width, ``spectral_center`` ω̄_k (eq. 22),
    ``spectral_variance`` Var_k (eq. 23), ``gate`` G(ψ_k), ``drive`` (ungated tuned drive, complex).
    Per edge: ``osc``, ``car``, ``P``, ``m`` (soft assignment, eq. 33). Per oscillator: ``osc_id``,
    ``phi`` (lab frame), ``omega``, ``A``, ``label``. Global: ``R`` (eq. 48), ``L_comp`` (eq. 49),
    ``M_active``, ``N``, ``M``, ``nnz``, ``bound_ratio`` (eq. 44).
    """

    t: float
    step: int
    N: int
    M: int
    nnz: int
    M_active: int
    R: float
    L_comp: int
    bound_ratio: float
    car_id: torch.Tensor
    energy: torch.Tensor
    phase: torch.Tensor
    omega_k: torch.Tensor
    intake: torch.Tensor
    D: torch.Tensor
    W: torch.Tensor
    spectral_center: torch.Tensor
    spectral_variance: torch.Tensor
    gate: torch.Tensor
    drive: torch.Tensor
    osc: torch.Tensor
    car: torch.Tensor
    P: torch.Tensor
    m: torch.Tensor
    osc_id: torch.Tensor
    phi: torch.Tensor
    omega: torch.Tensor
    A: torch.Tensor
    label: torch.Tensor


@dataclass(frozen=True)
class Summary:
    """The scalar metrics of §10.1 for one step (cheap enough to record every step)."""

    t: float
    N: int
    M: int
    M_active: int
    nnz: int
    R: float
    L_comp: int
    gate_open_fraction: float
    mean_energy: float
    max_energy: float
    bound_ratio: float


class Engine:
    """Resonant Compression System engine.

    Args:
        config: the validated constants (:class:`RCSConfig`); defaults if None.
        device: "cpu" (default) or "cuda"; the same code runs on both.
        dtype: real dtype, float64 by default on the CPU (float32 on CUDA).
        seed: seed of the engine's random generator (mitosis phase kicks, dither).

    The engine is driven by :meth:`step` (one Δt, with the signals arriving in it) or :meth:`run`
    (a :class:`SignalSource` over a duration, with a per-step callback for observers).
    """

    def __init__(
        self,
        config: RCSConfig | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype | str | None = None,
        seed: int = 0,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self.config = config if config is not None else RCSConfig()
        if not isinstance(self.config, RCSConfig):
            raise TypeError(f"config must be an RCSConfig, got {type(self.config).__name__}")
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        self.seed = seed
        self.generator = torch.Generator(device="cpu").manual_seed(seed)
        self.state = RCSState.empty(self.device, self.dtype)
        self.counters = dict(births=0, nucleations=0, mitoses=0, dissolutions=0, snaps=0, recruitments=0,
                             arrivals=0, departures=0)
        self.lifetimes: list[tuple[int, float, float]] = []
        self.mitosis_log: list[dict[str, Any]] = []
        self._cache_valid = False
        self._steps_in_block = 0

    # ------------------------------------------------------------------ time
    @property
    def t(self) -> float:
        """Current time (s); exactly step·Δt, so long runs do not accumulate rounding in t."""
        return self.state.step * self.config.dt

    def _frame_phase(self, t: float) -> float:
        """Θ(t) = Ωt mod 2π of the rotating frame (0 in the lab frame)."""
        Om = self.config.rotating_frame_omega
        return 0.0 if Om is None else math.fmod(Om * t, TWO_PI)

    # ------------------------------------------------------------------ arrivals
    def admit(self, signals: Sequence[Signal]) -> None:
        """Turn signals into oscillators at the current time (A = 0, rising under its drive)."""
        if not signals:
            return
        for s in signals:
            if not isinstance(s, Signal):
                raise TypeError(f"signals must be Signal objects, got {type(s).__name__} {s!r}")
        t = self.t
        theta = self._frame_phase(t)
        opts = dict(dtype=self.dtype, device=self.device)
        phases = torch.tensor([s.phase_at(t) - theta for s in signals], **opts)
        self.state.append_oscillators(
            phi=wrap_phase(phases),
            omega=torch.tensor([TWO_PI * s.frequency for s in signals], **opts),
            A=torch.zeros(len(signals), **opts),
            I=torch.tensor([s.amplitude for s in signals], **opts),
            t_end=torch.tensor([s.onset + s.duration for s in signals], **opts),
            label=torch.tensor([s.label for s in signals], dtype=torch.int64, device=self.device),
        )
        self.counters["arrivals"] += len(signals)

    # ------------------------------------------------------------------ the step
    def _refresh_cache(self) -> None:
        cfg, s = self.config, self.state
        Om = cfg.rotating_frame_omega or 0.0
        self._omega_frame = s.omega - Om
        self._inv_sigma = 4.0 / (s.W * s.W)
        rot = (s.omega_k - Om) if cfg.carrier_rotation else torch.zeros_like(s.omega_k)
        self._rot = rot
        self._E, self._F = carrier_propagator(rot, cfg.gamma, cfg.dt)
        self._cache_valid = True

    def step(self, signals: Sequence[Signal] = ()) -> None:
        """Advance the system by one Δt, admitting ``signals`` (onsets in [t, t + Δt)) first."""
        with torch.inference_mode():
            self._step(signals)

    def _step(self, signals: Sequence[Signal]) -> None:
        cfg, s = self.config, self.state
        dt, t = cfg.dt, self.t
        if signals:
            self.admit(signals)
            self._cache_valid = False
        if not self._cache_valid:
            self._refresh_cache()
        N, M, E = s.N, s.M, s.nnz
        osc, car = s.osc, s.car
        cos_phi, sin_phi = torch.cos(s.phi), torch.sin(s.phi)
        theta = self._frame_phase(t)
        # gate (eq. 4) on the lab-frame carrier phase ψ = ψ̃ + Θ
        if theta != 0.0:
            G = (s.c.real * math.cos(theta) - s.c.imag * math.sin(theta) >= 0).to(self.dtype)
        else:
            G = gate(s.c)
        if E:
            psi = torch.angle(s.c)
            d = s.phi[osc] - psi[car]
            d = d - TWO_PI * torch.floor((d + math.pi) / TWO_PI)  # wrap to [-π, π), eq. (9)
            w = torch.exp(-(d * d) * self._inv_sigma[car]) * s.P  # T_ik P_ik
            z = torch.complex(s.A * cos_phi, s.A * sin_phi)
            drive = tuned_drive(w, z, osc, car, M)
        else:
            w = s.P
            drive = torch.zeros(M, dtype=s.c.dtype, device=self.device)
        # carriers (eq. 5 with rotation; eq. 41 or 38; eq. 42 if quasi-steady)
        if cfg.quasi_steady:
            u = drive * 0.5
            c = quasi_steady_carrier(drive, cfg.gamma, cfg.beta)
        else:
            u = drive * G
            if cfg.carrier_integrator == "exponential":
                c = self._E * s.c + self._F * u
                if cfg.beta:
                    c = c * torch.rsqrt(1.0 + (2.0 * cfg.beta * dt) * (c.real * c.real + c.imag * c.imag))
            else:
                c = s.c + dt * carrier_rhs(s.c, u, self._rot, cfg.gamma, cfg.beta)
        s.u_abs_acc = s.u_abs_acc + u.abs()
        # phases (eqs. 8, 40, 46)
        vel = self._omega_frame
        if E:
            g = back_influence(w, c, osc, car, N)
            vel = vel + cfg.kappa * (g.imag * cos_phi - g.real * sin_phi)
        phi = s.phi + dt * vel
        if cfg.dither_sigma:
            phi = phi + (cfg.dither_sigma * math.sqrt(dt)) * torch.randn(
                N, generator=self.generator, dtype=self.dtype).to(self.device)
        phi = torch.remainder(phi, TWO_PI)
        # amplitudes (eq. 12 / 11); drive I = α·a while the signal lasts
        I_now = torch.where(s.t_end > t, cfg.alpha_A * s.I, 0.0)
        if cfg.amplitude_model == "leaky":
            A = amplitude_step_leaky(s.A, I_now, cfg.alpha_A, dt)
        else:
            A = torch.clamp_min(s.A + dt * amplitude_rhs_cubic(s.A, I_now, cfg.alpha_A, cfg.A_baseline, cfg.rho_A), 0.0)
        # bonds (eq. 13) every r_bond steps, with the new carriers and the old phases
        snapped = 0
        if E and (s.step + 1) % cfg.r_bond == 0:
            capture = bond_capture(c[car], s.A[osc], cos_phi[osc], sin_phi[osc])
            P = s.P + (cfg.r_bond * dt) * bond_rhs(s.P, G[car], capture, cfg.alpha_p, cfg.lambda_p, cfg.tau_p,
                                                   cfg.P_max)
            s.P = P
            weak = P < cfg.eps_snap
            if bool(weak.any()):
                snapped = int(weak.sum())
                s.keep_edges(~weak)
        s.c, s.phi, s.A = c, phi, A
        s.step += 1
        self.counters["snaps"] += snapped
        self._steps_in_block += 1
        if cfg.check_finite:
            self._check_finite()
        if s.step % cfg.r_arch == 0:
            self._structure()

    def _check_finite(self) -> None:
        s = self.state
        total = s.c.abs().sum() + s.phi.sum() + s.A.sum() + s.P.sum() + s.W.sum() + s.I_ema.sum()
        if not math.isfinite(float(total)):
            for name in ("c", "phi", "A", "P", "W", "I_ema"):
                v = getattr(s, name)
                if not bool(torch.isfinite(v).all()):
                    bad = torch.nonzero(~torch.isfinite(v)).squeeze(1)[:5].tolist()
                    raise NumericalInstabilityError(name, s.step, f"entries {bad} of {v.shape[0]} at t={self.t:.4f} s")
            raise NumericalInstabilityError("state", s.step, "sum overflowed")

    def _structure(self) -> None:
        """Every r_arch steps: statistics, metabolism, departures, mitosis, recruitment, nucleation."""
        cfg, s = self.config, self.state
        t = self.t
        dt_block = self._steps_in_block * cfg.dt
        structure.update_statistics(s, cfg, dt_block, self._steps_in_block)
        self._steps_in_block = 0
        dead = structure.dissolve(s, cfg, t)
        if dead:
            self.counters["dissolutions"] += len(dead)
            self.lifetimes.extend(dead)
        self.counters["departures"] += structure.depart(s, cfg, t)
        audit = structure.mitosis(s, cfg, t, self.generator)
        if audit:
            self.counters["mitoses"] += len(audit)
            self.counters["births"] += len(audit)
            self.mitosis_log.extend(audit)
        if cfg.recruit:
            self.counters["recruitments"] += structure.recruit(s, cfg, t)
        born = structure.nucleate(s, cfg, t)
        self.counters["nucleations"] += born
        self.counters["births"] += born
        self._cache_valid = False

    # ------------------------------------------------------------------ running
    def run(
        self,
        source: SignalSource,
        seconds: float,
        recorder: Recorder | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Run for ``seconds`` of simulated time, pulling signals from ``source``.

        A ``recorder`` (see :class:`Recorder`) receives the per-step metrics of §10.1 and, at the
        steps it asks for, a full :meth:`observe` snapshot; it is a consumer only (§7.1).
        ``progress(done, total)`` is called now and then for progress bars.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
                or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        if not callable(getattr(source, "events", None)):
            raise TypeError(f"source must implement SignalSource.events(t0, t1), got {type(source).__name__}")
        dt = self.config.dt
        n_steps = int(round(seconds / dt))
        end_step = self.state.step + n_steps
        pending: list[Signal] = []
        fetched_until = self.t
        chunk = max(1.0, 50 * dt)
        done = 0
        while self.state.step < end_step:
            t0 = self.t
            t1 = (self.state.step + 1) * dt
            if t1 > fetched_until:
                new_until = max(fetched_until + chunk, t1)
                pending.extend(source.events(fetched_until, new_until))
                fetched_until = new_until
            arriving: list[Signal] = []
            while pending and pending[0].onset < t1:
                sig = pending.pop(0)
                if sig.onset >= t0 - 1e-12:
                    arriving.append(sig)
            self.step(arriving)
            if recorder is not None:
                recorder.add_rows([self.summary_row()])
                if recorder.wants_observation(self.state.step, self.t):
                    recorder.add_observation(self.observe())
            done += 1
            if progress is not None and (done % 200 == 0 or done == n_steps):
                progress(done, n_steps)

    # ------------------------------------------------------------------ observation (§7)
    def summary_row(self) -> list[float]:
        """The per-step metrics of §10.1 as a row in :data:`SUMMARY_COLUMNS` order (read-only)."""
        with torch.inference_mode():
            s, cfg = self.state, self.config
            R = global_order_parameter(s.phi)
            if s.M:
                r = s.c.abs()
                vals = torch.stack([
                    (r > cfg.M_active_threshold).sum().to(self.dtype), R, self._gate_now().mean(), r.mean(), r.max(),
                    self._bound_ratio(r),
                ]).tolist()
            else:
                vals = [0.0, float(R), 0.0, 0.0, 0.0, 0.0]
            c = self.counters
            return [self.t, s.N, s.M, vals[0], s.nnz, vals[1], vals[2], vals[3], vals[4], vals[5], c["births"],
                    c["nucleations"], c["mitoses"], c["dissolutions"], c["snaps"], c["recruitments"]]

    def summary(self) -> Summary:
        """Global metrics of §10.1 for the current state (read-only)."""
        r = dict(zip(SUMMARY_COLUMNS, self.summary_row(), strict=True))
        m_act = int(r["M_active"])
        return Summary(r["t"], int(r["N"]), int(r["M"]), m_act, int(r["nnz"]), r["R"],
                       description_length(int(r["nnz"]), m_act), r["gate_open_fraction"], r["mean_energy"],
                       r["max_energy"], r["bound_ratio"])

    def _gate_now(self) -> torch.Tensor:
        theta = self._frame_phase(self.t)
        c = self.state.c
        if theta == 0.0:
            return gate(c)
        return (c.real * math.cos(theta) - c.imag * math.sin(theta) >= 0).to(self.dtype)

    def _bound_ratio(self, r: torch.Tensor) -> torch.Tensor:
        s = self.state
        lhs = coupling_bound(s.P, s.osc, r, s.car, s.N, self.config.kappa)
        return coupling_bound_ratio(lhs, detuning_halfwidth(s.omega))

    def observe(self) -> Observation:
        """The canonical observation of §7.2 (copies; never changes the engine, §7.1)."""
        with torch.inference_mode():
            s, cfg = self.state, self.config
            N, M = s.N, s.M
            theta = self._frame_phase(self.t)
            phi_lab = wrap_phase(s.phi + theta)
            c_lab = s.c * complex(math.cos(theta), math.sin(theta))
            psi = torch.angle(s.c)
            d = s.phi[s.osc] - psi[s.car]
            d = d - TWO_PI * torch.floor((d + math.pi) / TWO_PI)
            T = torch.exp(-(d * d) * (4.0 / (s.W * s.W))[s.car])
            w = T * s.P
            z = torch.polar(s.A, s.phi)
            drive = tuned_drive(w, z, s.osc, s.car, M) * complex(math.cos(theta), math.sin(theta))
            stats = carrier_statistics(s.P, s.A, s.phi, s.osc, s.car, M)
            center, var = spectral_profile(w * s.A[s.osc], s.omega, s.osc, s.car, M)
            r = c_lab.abs()
            m_act = int((r > cfg.M_active_threshold).sum())
            return Observation(
                t=self.t, step=s.step, N=N, M=M, nnz=s.nnz, M_active=m_act,
                R=float(global_order_parameter(phi_lab)), L_comp=description_length(s.nnz, m_act),
                bound_ratio=float(self._bound_ratio(r)) if M else 0.0,
                car_id=s.car_id.clone(), energy=r, phase=torch.angle(c_lab), omega_k=s.omega_k.clone(),
                intake=s.I_ema.clone(), D=stats["D"], W=s.W.clone(), spectral_center=center,
                spectral_variance=var, gate=self._gate_now(), drive=drive,
                osc=s.osc.clone(), car=s.car.clone(), P=s.P.clone(), m=soft_assignment(w, s.osc, N),
                osc_id=s.osc_id.clone(), phi=phi_lab, omega=s.omega.clone(), A=s.A.clone(), label=s.label.clone(),
            )

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically: config, state, counters, logs, RNG."""
        return dict(
            version=CHECKPOINT_VERSION, config=self.config.to_dict(), seed=self.seed, dtype=str(self.dtype),
            state=self.state.state_dict(), counters=dict(self.counters), lifetimes=list(self.lifetimes),
            mitosis_log=[dict(a) for a in self.mitosis_log], generator=self.generator.get_state(),
            steps_in_block=self._steps_in_block,
        )

    def load_state_dict(self, d: dict[str, Any]) -> None:
        if d.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"unsupported checkpoint version {d.get('version')!r} (expected {CHECKPOINT_VERSION})")
        self.config = RCSConfig.from_dict(d["config"])
        self.seed = d["seed"]
        self.state = RCSState.from_state_dict(d["state"], self.device)
        self.counters = dict(d["counters"])
        self.lifetimes = [tuple(x) for x in d["lifetimes"]]
        self.mitosis_log = [dict(a) for a in d["mitosis_log"]]
        self.generator.set_state(d["generator"])
        self._steps_in_block = d["steps_in_block"]
        self._cache_valid = False

    def save(self, path: str | Path) -> Path:
        """Atomically write a checkpoint."""
        return atomic_save(self.state_dict(), path)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None) -> Engine:
        d = load_checkpoint(path)
        dtype = torch.float64 if d["dtype"] == "torch.float64" else torch.float32
        eng = cls(RCSConfig.from_dict(d["config"]), device=device, dtype=dtype, seed=d["seed"])
        eng.load_state_dict(d)
        return eng
