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

import numpy as np
import torch

from resonant.core.checkpoint import atomic_save, load_checkpoint
from resonant.core.device import resolve_device_dtype
from resonant.core.errors import NumericalInstabilityError
from resonant.core.monitor import coupling_bound, coupling_bound_ratio, detuning_halfwidth
from resonant.core.phases import TWO_PI, wrap_phase
from resonant.rcs import kernels, structure
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
    ema_weight,
    gate,
    global_order_parameter,
    quasi_steady_carrier,
    soft_assignment,
    spectral_profile,
    tuned_drive,
    tuning,
    tuning_inv_sigma,
)
from resonant.rcs.state import RCSState
from resonant.rcs.stream import Signal, SignalSource

CHECKPOINT_VERSION = 2  # 2: carriers carry last_unstable (time of the latest D_k < θ_div, eq. 20)

#: Columns of :meth:`Engine.summary_row` (counters are cumulative).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "t", "N", "M", "M_active", "nnz", "R", "gate_open_fraction", "mean_energy", "max_energy", "bound_ratio",
    "births", "nucleations", "mitoses", "dissolutions", "snaps", "recruitments",
)


class Recorder(Protocol):
    """A consumer of engine measurements (see :class:`resonant.rcs.metrics.StreamRecorder`)."""

    #: (t_start, t_end) in seconds during which per-step carrier traces are wanted, or None.
    trace_window: tuple[float, float] | None

    def add_rows(self, rows: np.ndarray) -> None:
        """Per-step summary rows (columns :data:`SUMMARY_COLUMNS`)."""

    def add_traces(self, t: np.ndarray, car_id: np.ndarray, gate: np.ndarray, drive: np.ndarray,
                   energy: np.ndarray) -> None:
        """Per-step carrier traces of a block: t (k,), car_id (M,), gate/drive/energy (k, M)."""

    def next_observation_step(self, step: int, dt: float) -> int | None:
        """The first step index ≥ ``step`` after which a full :meth:`Engine.observe` is wanted (None: never)."""

    def add_observation(self, obs: Observation) -> None:
        """A full observation at a step it asked for."""


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
        backend: "torch" (the reference step built from :mod:`dynamics`, any device), "numba" (the fused
            CPU kernel of :mod:`kernels`, same equations, ~50× faster on small systems) or "auto"
            (numba on the CPU when installed, torch otherwise).

    The engine is driven by :meth:`step` (one Δt, with the signals arriving in it) or :meth:`run`
    (a :class:`SignalSource` over a duration, with a per-step callback for observers).
    """

    def __init__(
        self,
        config: RCSConfig | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype | str | None = None,
        seed: int = 0,
        backend: str = "auto",
    ) -> None:
        if backend not in ("auto", "torch", "numba"):
            raise ValueError(f"backend={backend!r} must be 'auto', 'torch' or 'numba'")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self.config = config if config is not None else RCSConfig()
        if not isinstance(self.config, RCSConfig):
            raise TypeError(f"config must be an RCSConfig, got {type(self.config).__name__}")
        self.device, self.dtype = resolve_device_dtype(device, dtype)
        if backend == "numba" and (not kernels.HAVE_NUMBA or self.device.type != "cpu"):
            raise ValueError("backend='numba' needs numba installed and device='cpu'")
        if backend == "auto":
            backend = "numba" if (kernels.HAVE_NUMBA and self.device.type == "cpu") else "torch"
        self.backend = backend
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

    def seed_carrier(
        self, omega_k: float, phase: float = 0.0, energy: float | None = None, bonds: dict[int, float] | None = None
    ) -> int:
        """Place a carrier by hand (for experiments and tests; the stream itself uses nucleation).

        Args:
            omega_k: intrinsic angular frequency (rad/s).
            phase: carrier phase ψ_k (rad, lab frame).
            energy: |c_k| (defaults to ``config.c_birth``).
            bonds: {oscillator id: P_ik} bonds to create (P in (0, P_max]).
        Returns the new carrier's id.
        """
        cfg, s = self.config, self.state
        for name, v in (("omega_k", omega_k), ("phase", phase)):
            if not math.isfinite(v):
                raise ValueError(f"{name} must be finite, got {v!r}")
        energy = cfg.c_birth if energy is None else energy
        if not (math.isfinite(energy) and energy >= 0):
            raise ValueError(f"energy must be finite and >= 0, got {energy!r}")
        bonds = bonds or {}
        ids = s.osc_id.tolist()
        rows = []
        for oid, p in bonds.items():
            if oid not in ids:
                raise ValueError(f"bonds refers to unknown oscillator id {oid!r}")
            if not (0 < p <= cfg.P_max):
                raise ValueError(f"bond strength for oscillator {oid} must be in (0, P_max={cfg.P_max}], got {p!r}")
            rows.append(ids.index(oid))
        opts = dict(dtype=self.dtype, device=self.device)
        one = torch.ones(1, **opts)
        t = self.t
        psi = phase - self._frame_phase(t)
        cid = s.append_carriers(
            c=torch.polar(one * energy, one * psi), omega_k=one * omega_k, W=one * cfg.W_init, I_ema=one * 0.0,
            D=one * 0.0, D_ema=one * 1.0, unstable_ema=one * 0.0, last_unstable=one * (t - 2.0 * cfg.T_div),
            low_time=one * 0.0,
            birth_time=one * t, refractory_until=one * t, u_abs_acc=one * 0.0,
        )
        if rows:
            k = s.M - 1
            s.append_edges(torch.tensor(rows, dtype=torch.int64, device=self.device),
                           torch.full((len(rows),), k, dtype=torch.int64, device=self.device),
                           torch.tensor(list(bonds.values()), **opts))
        self._cache_valid = False
        return int(cid[0])

    # ------------------------------------------------------------------ the step
    def _refresh_cache(self) -> None:
        cfg, s = self.config, self.state
        Om = cfg.rotating_frame_omega or 0.0
        self._omega_frame = s.omega - Om
        self._inv_sigma = 4.0 / (s.W * s.W)
        rot = (s.omega_k - Om) if cfg.carrier_rotation else torch.zeros_like(s.omega_k)
        self._rot = rot
        self._E, self._F = carrier_propagator(rot, cfg.gamma, cfg.dt)
        self._delta = float(detuning_halfwidth(s.omega))
        if self.backend == "numba":  # zero-copy views for the kernel, valid until the next shape change
            # indices as unsigned views: numba then skips the negative-index wrap-around on every gather
            self._np = (*(x.numpy() for x in (
                s.phi, self._omega_frame, s.A, s.I, s.t_end, s.c, self._rot, self._E, self._F, self._inv_sigma,
                s.u_abs_acc)), s.osc.numpy().view(np.uint64), s.car.numpy().view(np.uint64), s.P.numpy(),
                *kernels.partition_bounds(s.osc.numpy(), s.nnz))
        self._cache_valid = True

    def step(self, signals: Sequence[Signal] = ()) -> None:
        """Advance the system by one Δt, admitting ``signals`` (onsets in [t, t + Δt)) first.

        The structure events of §5 run after every r_arch-th step.
        """
        self.advance(1, signals)

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
            w = tuning_inv_sigma(s.phi[osc], psi[car], self._inv_sigma[car]) * s.P  # T_ik P_ik, eq. (9)
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
        # phases (eqs. 8, 40, 46); all right-hand sides are taken at time t (simultaneous explicit step)
        vel = self._omega_frame
        if E:
            g = back_influence(w, s.c, osc, car, N)
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
        # bonds (eq. 13) every r_bond steps
        snapped = 0
        if E and (s.step + 1) % cfg.r_bond == 0:
            capture = bond_capture(s.c[car], s.A[osc], cos_phi[osc], sin_phi[osc])
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
        if self.backend == "numba":
            may_dissolve, may_depart, may_divide, may_nucleate, may_recruit = kernels.block_statistics(
                t, dt_block, self._steps_in_block, s.phi.numpy(), s.A.numpy(), s.t_end.numpy(),
                s.osc.numpy().view(np.uint64), s.car.numpy().view(np.uint64), s.P.numpy(), s.I_ema.numpy(),
                s.D.numpy(), s.D_ema.numpy(), s.unstable_ema.numpy(),
                s.last_unstable.numpy(), s.W.numpy(), s.low_time.numpy(), s.u_abs_acc.numpy(), s.birth_time.numpy(),
                s.refractory_until.numpy(), ema_weight(dt_block, cfg.tau_I), ema_weight(dt_block, cfg.T_div),
                cfg.theta_div, cfg.eta_narrow, cfg.eta_widen, cfg.W_min, cfg.W_max, cfg.I_min, cfg.T_dissolve,
                cfg.T_div, cfg.f_div, cfg.A_leave, cfg.P_min, cfg.d_max, cfg.A_pressure, s.omega.numpy(),
                s.omega_k.numpy(), s.c.numpy(), cfg.q_max, TWO_PI * cfg.recruit_bandwidth_hz)
        else:
            structure.update_statistics(s, cfg, dt_block, self._steps_in_block, t)
            may_dissolve = may_depart = may_divide = may_nucleate = may_recruit = True
        self._steps_in_block = 0
        shape = (s.N, s.M, s.nnz)
        if may_dissolve:
            dead = structure.dissolve(s, cfg, t)
            if dead:
                self.counters["dissolutions"] += len(dead)
                self.lifetimes.extend(dead)
        if may_depart:
            self.counters["departures"] += structure.depart(s, cfg, t)
        if may_divide:
            audit = structure.mitosis(s, cfg, t, self.generator)
            if audit:
                self.counters["mitoses"] += len(audit)
                self.counters["births"] += len(audit)
                self.mitosis_log.extend(audit)
                shape = None  # edges were moved between carriers
        if cfg.recruit and (may_recruit or shape is None):
            self.counters["recruitments"] += structure.recruit(s, cfg, t)
        if may_nucleate:
            born = structure.nucleate(s, cfg, t)
            self.counters["nucleations"] += born
            self.counters["births"] += born
        if shape == (s.N, s.M, s.nnz):  # nothing changed shape: only W moved
            self._inv_sigma.copy_(4.0 / (s.W * s.W))
        else:
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
        start_step = self.state.step
        last_report = start_step
        window = recorder.trace_window if recorder is not None else None
        while self.state.step < end_step:
            step = self.state.step
            t0, t1 = step * dt, (step + 1) * dt
            if t1 > fetched_until:
                new_until = max(fetched_until + chunk, t1)
                pending.extend(source.events(fetched_until, new_until))
                pending.sort(key=lambda sig: sig.onset)
                fetched_until = new_until
            arriving: list[Signal] = []
            while pending and pending[0].onset < t1:
                sig = pending.pop(0)
                if sig.onset >= t0 - 1e-12:
                    arriving.append(sig)
            # the block runs until the next arrival, observation, trace-window edge or the end
            stop = end_step
            if pending:
                stop = min(stop, max(step + 1, int(math.floor(pending[0].onset / dt + 1e-9))))
            if fetched_until < stop * dt:
                stop = min(stop, max(step + 1, int(math.floor(fetched_until / dt))))
            trace = False
            if recorder is not None:
                want = recorder.next_observation_step(step + 1, dt)
                if want is not None:
                    stop = min(stop, max(step + 1, want))
                if window is not None:
                    a, b = (int(math.ceil(x / dt - 1e-9)) for x in window)
                    trace = a <= step + 1 <= b
                    for edge in (a - 1, b):
                        if step < edge < stop:
                            stop = edge
            rows, traces = self.advance(stop - step, arriving, record=recorder is not None, trace=trace,
                                        _with_traces=True)
            if recorder is not None:
                recorder.add_rows(rows)
                for tr in traces:
                    recorder.add_traces(*tr)
                if recorder.next_observation_step(self.state.step, dt) == self.state.step:
                    recorder.add_observation(self.observe())
            if progress is not None and (self.state.step - last_report >= 200 or self.state.step == end_step):
                last_report = self.state.step
                progress(self.state.step - start_step, n_steps)

    def advance(
        self, n_steps: int, signals: Sequence[Signal] = (), record: bool = False, trace: bool = False,
        _with_traces: bool = False,
    ) -> Any:
        """Advance ``n_steps`` steps, admitting ``signals`` at the first.

        Returns the per-step summary rows (an array with :data:`SUMMARY_COLUMNS`, recorded after each
        step's dynamics and before its structure step) if ``record``, else an empty array. With
        ``trace``, per-step carrier traces (t, car_id, gate, drive, energy) are also collected
        (returned as a second value when ``_with_traces``). Structure events run at every multiple of
        r_arch steps. With the numba backend, the fast dynamics between structure steps run in one
        fused kernel call.
        """
        rows: list[np.ndarray] = []
        traces: list[tuple[np.ndarray, ...]] = []
        with torch.inference_mode():
            if n_steps > 0 and self.backend == "torch":
                for j in range(n_steps):
                    self._step(signals if j == 0 else ())
                    if record:
                        rows.append(np.asarray([self.summary_row()]))
                    if trace:
                        tr = self.carrier_trace()
                        traces.append((np.array([self.t]), *(tr[k].cpu().numpy()[None] if k != "car_id" else
                                                             tr[k].cpu().numpy() for k in ("car_id", "gate", "drive",
                                                                                          "energy"))))
                    if self.state.step % self.config.r_arch == 0:
                        self._structure()
            elif n_steps > 0:
                if signals:
                    self.admit(signals)
                    self._cache_valid = False
                end = self.state.step + n_steps
                while self.state.step < end:
                    r_arch = self.config.r_arch
                    k = min(end - self.state.step, r_arch - self.state.step % r_arch)
                    block, tr = self._fast_block(k, record, trace)
                    rows.append(block)
                    if tr is not None:
                        traces.append(tr)
                    if self.state.step % r_arch == 0:
                        self._structure()
        out = np.concatenate(rows) if rows else np.zeros((0, len(SUMMARY_COLUMNS)))
        return (out, traces) if _with_traces else out

    def _fast_block(self, k: int, record: bool, trace: bool = False) -> tuple[np.ndarray, tuple | None]:
        """k steps of the fast dynamics in the fused kernel (no structure step inside)."""
        cfg, s = self.config, self.state
        if not self._cache_valid:
            self._refresh_cache()
        noise = np.zeros((0, 0))
        if cfg.dither_sigma:
            sd = cfg.dither_sigma * math.sqrt(cfg.dt)
            noise = torch.stack([sd * torch.randn(s.N, generator=self.generator, dtype=self.dtype)
                                 for _ in range(k)]).numpy() if s.N else np.zeros((k, 0))
        out = np.empty((k, len(kernels.KERNEL_SUMMARY)))
        trace_out = np.zeros((k, s.M, 3)) if trace else np.zeros((0, 0, 3))
        step0 = s.step
        kernel = kernels.advance_block
        if s.nnz >= kernels.PARALLEL_MIN_EDGES and kernels.numba.get_num_threads() > 1:
            kernel = kernels.advance_block_parallel  # same numbers (fixed partitions), on numba's threads
        n_snaps, err, err_step = kernel(
            k, s.step, cfg.dt, *self._np,
            cfg.gamma, cfg.beta, cfg.kappa, cfg.alpha_A, cfg.rho_A, cfg.A_baseline, cfg.amplitude_model == "cubic",
            cfg.carrier_integrator == "euler", cfg.quasi_steady,
            cfg.alpha_p, cfg.lambda_p, cfg.tau_p, cfg.P_max, cfg.eps_snap, cfg.r_bond,
            float(cfg.rotating_frame_omega or 0.0), noise, cfg.M_active_threshold, self._delta, cfg.check_finite,
            out, record, trace_out,
        )
        if err != kernels.ERR_NONE:
            raise NumericalInstabilityError(kernels.ERR_NAMES[err], int(err_step) + 1,
                                            f"at t={(int(err_step) + 1) * cfg.dt:.4f} s (numba backend)")
        tr = None
        if trace:
            t = (step0 + 1 + np.arange(k)) * cfg.dt
            tr = (t, s.car_id.numpy().copy(), trace_out[:, :, 0], trace_out[:, :, 1], trace_out[:, :, 2])
        snaps0 = self.counters["snaps"]
        if n_snaps:
            s.keep_edges(s.P > 0)
            self.counters["snaps"] += int(n_snaps)
            self._cache_valid = False
        s.step += k
        self._steps_in_block += k
        if not record:
            return np.zeros((0, len(SUMMARY_COLUMNS))), tr
        c = self.counters
        full = np.empty((k, len(SUMMARY_COLUMNS)))
        full[:, :10] = out[:, :10]
        full[:, 10:14] = (c["births"], c["nucleations"], c["mitoses"], c["dissolutions"])
        full[:, 14] = snaps0 + out[:, 10]
        full[:, 15] = c["recruitments"]
        return full, tr

    def summary_row(self) -> list[float]:
        """The per-step metrics of §10.1 as a row in :data:`SUMMARY_COLUMNS` order (read-only)."""
        with torch.no_grad():  # outputs are ordinary tensors the caller may modify
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

    def carrier_trace(self) -> dict[str, torch.Tensor]:
        """Per-carrier gate G(ψ_k), lab-frame composite drive Re Σ T P z and energy |c_k| (read-only, cheap).

        What the gate-capture figure (RCS Fig. 2) needs every step, without the full :meth:`observe`.
        """
        with torch.no_grad():  # outputs are ordinary tensors the caller may modify
            s = self.state
            theta = self._frame_phase(self.t)
            w = tuning(s.phi[s.osc], torch.angle(s.c)[s.car], s.W[s.car]) * s.P
            drive = tuned_drive(w, torch.polar(s.A, s.phi + theta), s.osc, s.car, s.M)
            return {"car_id": s.car_id.clone(), "gate": self._gate_now(), "drive": drive.real, "energy": s.c.abs()}

    def observe(self) -> Observation:
        """The canonical observation of §7.2 (copies; never changes the engine, §7.1)."""
        with torch.no_grad():  # outputs are ordinary tensors the caller may modify
            s, cfg = self.state, self.config
            N, M = s.N, s.M
            theta = self._frame_phase(self.t)
            phi_lab = wrap_phase(s.phi + theta)
            c_lab = s.c * complex(math.cos(theta), math.sin(theta))
            w = tuning(s.phi[s.osc], torch.angle(s.c)[s.car], s.W[s.car]) * s.P
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
    def load(cls, path: str | Path, device: str | torch.device | None = None, backend: str = "auto") -> Engine:
        """An engine continuing a checkpoint written by :meth:`save` (bit-identically on the same backend)."""
        d = load_checkpoint(path)
        dtype = torch.float64 if d["dtype"] == "torch.float64" else torch.float32
        eng = cls(RCSConfig.from_dict(d["config"]), device=device, dtype=dtype, seed=d["seed"], backend=backend)
        eng.load_state_dict(d)
        return eng
