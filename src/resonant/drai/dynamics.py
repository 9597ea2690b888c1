"""DRAI phase dynamics: right-hand sides as pure functions, integrators separate from them (diffrax style).

The paper never writes the phase equation (it mislabels the symbols of §4). Our reading, the one the
§4 text describes ("each neuron has a natural rhythm, but interactions slightly speed up or slow down
these rhythms ... borrowing concepts from the Kuramoto model"):

    dφ_i/dt = ω_i + Σ_j w_ij sin(φ_j − φ_i)                         (Kuramoto with learned weights)
              + Σ_k h_k Σ_j a^{(k)}_ij sin(k(φ_j − φ_i))             (higher harmonics, k = 2, 3)
              + I_i(t)                                               (external forcing)

with clamped units (phases set from the input) on top. The complex-coupling variant is
dφ_i/dt = ω_i + Σ_j |C_ij| sin(φ_j − φ_i + arg C_ij) = ω_i + Im(e^{−iφ_i} Σ_j C_ij e^{iφ_j}); with
C_ij ∝ ⟨z_i z̄_j⟩ (z = e^{iφ}) a stored pattern ξ is a fixed point since arg C_ij = ξ_i − ξ_j.

Coupling sums use Σ_j w_ij sin(φ_j − φ_i) = cos φ_i (W sin φ)_i − sin φ_i (W cos φ)_i: two
matrix-vector products instead of N² sines. Phases are (..., N) with any batch shape; W is (N, N)
shared, (..., N, N) per batch element, or an :class:`EdgeList` (sparse, shared).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch

from resonant.core.errors import NumericalInstabilityError
from resonant.core.integrators import euler_step
from resonant.core.kuramoto import phase_differences
from resonant.drai.gate import OpCounter
from resonant.drai.rules import GFunction, evaluate_g

Forcing = torch.Tensor | Callable[[float, torch.Tensor], torch.Tensor]
RHS = Callable[[float, torch.Tensor], torch.Tensor]


class EdgeList(NamedTuple):
    """Sparse coupling as an edge list: w_{rows[e], cols[e]} = values[e] (duplicates add), shared over batches."""

    rows: torch.Tensor
    cols: torch.Tensor
    values: torch.Tensor
    N: int

    @classmethod
    def from_dense(cls, W: torch.Tensor) -> EdgeList:
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ValueError(f"EdgeList.from_dense needs one (N, N) matrix, got shape {tuple(W.shape)}")
        rows, cols = torch.nonzero(W, as_tuple=True)
        return cls(rows, cols, W[rows, cols], W.shape[0])

    @classmethod
    def from_sparse(cls, W: torch.Tensor) -> EdgeList:
        """From a torch sparse (COO/CSR) (N, N) tensor."""
        Wc = W.to_sparse_coo().coalesce()
        if Wc.ndim != 2 or Wc.shape[0] != Wc.shape[1]:
            raise ValueError(f"sparse coupling must be (N, N), got shape {tuple(Wc.shape)}")
        idx = Wc.indices()
        return cls(idx[0], idx[1], Wc.values(), Wc.shape[0])

    @property
    def nnz(self) -> int:
        return int(self.values.numel())

    def matvec(self, x: torch.Tensor) -> torch.Tensor:
        """(W x)_i = Σ_e [rows_e = i] values_e x_{cols_e} over the last axis of x (..., N); O(nnz) per batch row."""
        vals = self.values.to(x.dtype) if x.is_complex() and not self.values.is_complex() else self.values
        contrib = vals * x[..., self.cols]
        out = torch.zeros(x.shape, dtype=contrib.dtype, device=x.device)
        return out.index_add_(-1, self.rows, contrib)

    def to_dense(self) -> torch.Tensor:
        out = torch.zeros(self.N * self.N, dtype=self.values.dtype, device=self.values.device)
        out.index_add_(0, self.rows * self.N + self.cols, self.values)
        return out.view(self.N, self.N)


Coupling = torch.Tensor | EdgeList


def as_coupling(W: torch.Tensor | EdgeList) -> Coupling:
    """Dense tensors pass through; torch sparse tensors become an :class:`EdgeList`."""
    if isinstance(W, EdgeList):
        return W
    if W.is_sparse or W.layout in (torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc):
        return EdgeList.from_sparse(W)
    return W


def coupling_nnz(W: Coupling) -> int:
    """Non-zero off-diagonal couplings (summed over any batch of matrices): the multiply-adds of one coupling sum."""
    if isinstance(W, EdgeList):
        return int(((W.rows != W.cols) & (W.values != 0)).sum())
    return int((W != 0).sum() - (torch.diagonal(W, dim1=-2, dim2=-1) != 0).sum())


def rows_times_transpose(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """X Wᵀ for rows X (..., R, N) and a dense W (N, N) or (..., N, N), batch dims broadcast.

    Plain ``matmul`` expands a batched W over every batch dim where only X varies (e.g. per-network weights
    shared by many trials or patterns), copying W once per row block; here those dims are folded into X's row
    axis instead, so each W is read once by one batched product.
    """
    if W.dim() == 2:
        return torch.matmul(X, W.transpose(-1, -2))
    lead = torch.broadcast_shapes(X.shape[:-2], W.shape[:-2])
    nd = len(lead)
    R, N = X.shape[-2], X.shape[-1]
    Xs = X.expand(*lead, R, N)
    Ws = W.reshape((1,) * (nd - (W.dim() - 2)) + tuple(W.shape))
    fold = [i for i in range(nd) if Ws.shape[i] == 1 and lead[i] > 1]
    if not fold:
        return torch.matmul(Xs, Ws.transpose(-1, -2))
    keep = [i for i in range(nd) if i not in fold]
    kshape = [lead[i] for i in keep]
    fshape = [lead[i] for i in fold]
    Xr = Xs.permute(*keep, *fold, nd, nd + 1).reshape(*kshape, math.prod(fshape) * R, N)
    Wk = Ws.reshape(*[Ws.shape[i] for i in keep], N, N)
    out = torch.matmul(Xr, Wk.transpose(-1, -2)).reshape(*kshape, *fshape, R, W.shape[-2])
    inverse = [0] * nd
    for pos, i in enumerate(keep + fold):
        inverse[i] = pos
    return out.permute(*inverse, nd, nd + 1)


def _matvec(W: Coupling, x: torch.Tensor) -> torch.Tensor:
    """(W x) over the last axis for x (..., N) and W (N, N), (..., N, N) or an EdgeList."""
    if isinstance(W, EdgeList):
        return W.matvec(x)
    return rows_times_transpose(x.unsqueeze(-2), W).squeeze(-2)


def coupling_sum(phi: torch.Tensor, W: Coupling, k: int = 1) -> torch.Tensor:
    """Σ_j w_ij sin(k(φ_j − φ_i)), shape (..., N), via cos(kφ_i)(W sin kφ)_i − sin(kφ_i)(W cos kφ)_i."""
    kphi = phi if k == 1 else k * phi
    c, s = torch.cos(kphi), torch.sin(kphi)
    if isinstance(W, EdgeList):
        Wc, Ws = W.matvec(c), W.matvec(s)
    else:
        cs = torch.stack((c, s), dim=-2)  # (..., 2, N); one matmul for both products
        out = rows_times_transpose(cs, W)
        Wc, Ws = out[..., 0, :], out[..., 1, :]
    return c * Ws - s * Wc


def mean_field_sum(phi: torch.Tensor, k: int = 1) -> torch.Tensor:
    """(1/N) Σ_j sin(k(φ_j − φ_i)) (uniform all-to-all coupling, the harmonic terms of Nishikawa et al. 2004), O(N)."""
    kphi = phi if k == 1 else k * phi
    c, s = torch.cos(kphi), torch.sin(kphi)
    return c * s.mean(-1, keepdim=True) - s * c.mean(-1, keepdim=True)


def complex_coupling_sum(phi: torch.Tensor, C: Coupling, k: int = 1) -> torch.Tensor:
    """Σ_j |C_ij| sin(k(φ_j − φ_i + arg C_ij)) = Im(e^{−ikφ_i} Σ_j C^{(k)}_ij e^{ikφ_j}), C^{(k)} = |C| e^{ik arg C}.

    k = 1 is the complex-coupling (phase-lag) term; k > 1 its higher harmonics, which keep every
    stored phase pattern a fixed point (the lags cancel at φ = ξ for every k).
    """
    if k != 1:
        if isinstance(C, EdgeList):
            v = C.values
            C = EdgeList(C.rows, C.cols, torch.polar(v.abs(), k * torch.angle(v)), C.N)
        else:
            C = torch.polar(C.abs(), k * torch.angle(C))
    kphi = phi if k == 1 else k * phi
    z = torch.polar(torch.ones_like(kphi), kphi)
    u = _matvec(C, z)
    return z.real * u.imag - z.imag * u.real


def periodic_forcing(
    t: float, phi: torch.Tensor, F: float | torch.Tensor, Omega: float, psi: torch.Tensor
) -> torch.Tensor:
    """External drive I_i(t) = F_i sin(Ωt + ψ_i − φ_i): pulls φ_i toward the input phase ψ_i + Ωt (a forced Kuramoto
    oscillator, locked when |ω_i − Ω| ≤ F_i). F may be a tensor (0 for units that get no input)."""
    return F * torch.sin(Omega * t + psi - phi)


def _apply_forcing(t: float, phi: torch.Tensor, forcing: Forcing | None) -> torch.Tensor | None:
    if forcing is None:
        return None
    return forcing(t, phi) if callable(forcing) else forcing


def phase_velocity(
    phi: torch.Tensor,
    omega: torch.Tensor,
    W: Coupling,
    *,
    t: float = 0.0,
    forcing: Forcing | None = None,
    harmonics: Sequence[tuple[int, float]] = (),
    harmonic_mode: str = "uniform",
    clamp_mask: torch.Tensor | None = None,
    clamp_velocity: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """dφ_i/dt of the DRAI phase equation (our reading of §4; see the module docstring).

    Args:
        phi: phases (..., N).
        omega: natural frequencies ω_i, broadcastable to phi.
        W: coupling w_ij (from j to i), already scaled (the network passes (K/N)·w): (N, N),
            (..., N, N) or an :class:`EdgeList` / torch sparse tensor.
        t: time (for a time-dependent forcing).
        forcing: I_i(t): a tensor broadcastable to phi (constant drive) or a callable (t, phi) → (..., N).
        harmonics: (k, h_k) pairs adding h_k Σ_j a_ij sin(k(φ_j − φ_i)); with ``harmonic_mode``
            "uniform" a_ij = 1/N (Nishikawa, Lai & Hoppensteadt 2004; Follmann et al. 2015), with
            "coupling" a_ij = w_ij.
        clamp_mask: (..., N) boolean; clamped units move at ``clamp_velocity`` (their phase is set
            from the input, :class:`Clamp`) instead of following the equation.
    """
    W = as_coupling(W)
    return _velocity(phi, omega, lambda k: coupling_sum(phi, W, k), t, forcing, harmonics, harmonic_mode,
                     clamp_mask, clamp_velocity)


def _velocity(
    phi: torch.Tensor,
    omega: torch.Tensor,
    coupling_k: Callable[[int], torch.Tensor],
    t: float,
    forcing: Forcing | None,
    harmonics: Sequence[tuple[int, float]],
    harmonic_mode: str,
    clamp_mask: torch.Tensor | None,
    clamp_velocity: float | torch.Tensor,
) -> torch.Tensor:
    """ω + coupling_k(1) + harmonics + forcing, then clamps: the part shared by the scalar and complex equations."""
    if harmonic_mode not in ("uniform", "coupling"):
        raise ValueError(f"harmonic_mode={harmonic_mode!r} must be 'uniform' or 'coupling'")
    dphi = omega + coupling_k(1)
    for k, h in harmonics:
        if h != 0.0:
            dphi = dphi + h * (mean_field_sum(phi, k) if harmonic_mode == "uniform" else coupling_k(k))
    drive = _apply_forcing(t, phi, forcing)
    if drive is not None:
        dphi = dphi + drive
    if clamp_mask is not None:
        dphi = torch.where(clamp_mask, torch.as_tensor(clamp_velocity, dtype=dphi.dtype, device=dphi.device), dphi)
    return dphi


def phase_velocity_complex(
    phi: torch.Tensor,
    omega: torch.Tensor,
    C: Coupling,
    *,
    t: float = 0.0,
    forcing: Forcing | None = None,
    harmonics: Sequence[tuple[int, float]] = (),
    harmonic_mode: str = "uniform",
    clamp_mask: torch.Tensor | None = None,
    clamp_velocity: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """dφ_i/dt = ω_i + Σ_j |C_ij| sin(φ_j − φ_i + arg C_ij) + harmonics + I_i(t) (complex coupling, phase lags).

    Same arguments as :func:`phase_velocity` with a complex C (already scaled). Harmonic mode
    "coupling" uses Σ_j |C_ij| sin(k(φ_j − φ_i + arg C_ij)) (:func:`complex_coupling_sum`).
    """
    C = as_coupling(C)
    return _velocity(phi, omega, lambda k: complex_coupling_sum(phi, C, k), t, forcing, harmonics, harmonic_mode,
                     clamp_mask, clamp_velocity)


# --- integrators -------------------------------------------------------------------------------------


def rk4_step(f: RHS, t: float, y: torch.Tensor, dt: float) -> torch.Tensor:
    """Classical fourth-order Runge–Kutta step of ẏ = f(t, y) (global error O(Δt⁴))."""
    k1 = f(t, y)
    k2 = f(t + 0.5 * dt, y + (0.5 * dt) * k1)
    k3 = f(t + 0.5 * dt, y + (0.5 * dt) * k2)
    k4 = f(t + dt, y + dt * k3)
    return y + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def euler_rhs_step(f: RHS, t: float, y: torch.Tensor, dt: float) -> torch.Tensor:
    """Explicit Euler step y + Δt f(t, y) (:func:`resonant.core.integrators.euler_step`)."""
    return euler_step(y, f(t, y), dt)


STEPPERS: dict[str, tuple[Callable[[RHS, float, torch.Tensor, float], torch.Tensor], int]] = {
    "rk4": (rk4_step, 4),
    "euler": (euler_rhs_step, 1),
}


@dataclass(frozen=True)
class Clamp:
    """Clamped units: φ_i(t) = ψ_i + Ω_i t for units where ``mask`` is True (input units set from the data).

    mask (..., N) bool and psi (..., N), broadcastable to the phases; Omega a float or a tensor
    broadcastable to the phases (one input frequency per unit).
    """

    mask: torch.Tensor
    psi: torch.Tensor
    Omega: float | torch.Tensor = 0.0

    def phases(self, t: float) -> torch.Tensor:
        return self.psi + self.Omega * t

    def apply(self, phi: torch.Tensor, t: float) -> torch.Tensor:
        return torch.where(self.mask, self.phases(t), phi)


@dataclass
class WindowStats:
    """Statistics of one integration window (DRAI §4 "we average the phase relationship over a time window").

    Attributes:
        mean_zz: ⟨z_i z̄_j⟩ = ⟨e^{i(φ_i − φ_j)}⟩ over the recorded samples, (..., N, N) complex;
            Re = ⟨cos(φ_i − φ_j)⟩, Im = ⟨sin(φ_i − φ_j)⟩, |·| = the phase-locking value. None if not recorded.
        mean_g: ⟨g(φ_i − φ_j)⟩ for the general g given to :func:`integrate`, (..., N, N), or None.
        samples: number of recorded time points (steps n with n > transient and (n − transient) % record_every == 0).
        duration: recorded time span samples · record_every · Δt.
        trajectory: phases at the recorded steps, (samples, ..., N), if requested.
        times: the recorded times t_n = t0 + nΔt, (samples,), if a trajectory was requested.
    """

    mean_zz: torch.Tensor | None
    mean_g: torch.Tensor | None
    samples: int
    duration: float
    trajectory: torch.Tensor | None = None
    times: torch.Tensor | None = None

    @property
    def mean_cos(self) -> torch.Tensor:
        """⟨cos(φ_i − φ_j)⟩ = Re⟨z_i z̄_j⟩."""
        if self.mean_zz is None:
            raise ValueError("no window statistics were recorded (statistics=False or no samples)")
        return self.mean_zz.real

    @property
    def plv(self) -> torch.Tensor:
        """Phase-locking value |⟨e^{i(φ_i − φ_j)}⟩|."""
        if self.mean_zz is None:
            raise ValueError("no window statistics were recorded (statistics=False or no samples)")
        return self.mean_zz.abs()


def _check_finite(name: str, x: torch.Tensor) -> None:
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")


def integrate(
    rhs: RHS,
    phi0: torch.Tensor,
    *,
    dt: float,
    steps: int,
    method: str = "rk4",
    t0: float = 0.0,
    transient: int = 0,
    record_every: int = 1,
    statistics: bool = True,
    g: GFunction | None = None,
    trajectory: bool = False,
    noise: float = 0.0,
    generator: torch.Generator | None = None,
    clamp: Clamp | None = None,
    check_every: int = 10,
    counter: OpCounter | None = None,
    ops_per_eval: int = 0,
) -> tuple[torch.Tensor, WindowStats]:
    """Advance φ over ``steps`` fixed steps of Δt and accumulate window statistics on the fly.

    Each step is one batched tensor update: φ ← step(rhs, t_n, φ, Δt), then (if ``noise`` D > 0)
    φ_i += √(2DΔt) ξ_i on free units (Euler–Maruyama splitting, phase diffusion D in rad²/s), then
    clamped units are set to ψ_i + Ωt_{n+1}. t_n = t0 + nΔt (no accumulated rounding).

    Args:
        rhs: (t, φ) → dφ/dt, e.g. a closure over :func:`phase_velocity`.
        phi0: initial phases (..., N) (clamped units are set from the clamp at t0).
        method: "rk4" or "euler".
        transient: steps excluded from the averages (burn-in).
        record_every: record every k-th step after the transient (bounds the O(N²) cost).
        statistics: accumulate ⟨z_i z̄_j⟩ (O(N²) per recorded sample, one batched outer product).
        g: if given, also accumulate ⟨g(φ_i − φ_j)⟩ (needs the N² pairwise differences).
        trajectory: keep the phases at the recorded steps.
        generator: torch.Generator for the noise (required when noise > 0).
        check_every: check for non-finite phases every this many steps (and at the end);
            raises :class:`NumericalInstabilityError` naming the step.
        counter/ops_per_eval: if given, adds ``ops_per_eval`` (the multiply-adds of one rhs
            evaluation of the whole batch) per evaluation to ``dynamics_ops`` and the statistics
            multiply-adds to ``statistics_ops``.

    Returns:
        (φ at t0 + steps·Δt, :class:`WindowStats`).
    """
    if method not in STEPPERS:
        raise ValueError(f"method={method!r} must be one of {sorted(STEPPERS)}")
    if not (dt > 0 and math.isfinite(dt)):
        raise ValueError(f"dt={dt!r} must be a finite number > 0")
    if steps < 0 or transient < 0 or record_every < 1 or check_every < 1:
        raise ValueError(f"need steps >= 0, transient >= 0, record_every >= 1, check_every >= 1; got steps={steps}, "
                         f"transient={transient}, record_every={record_every}, check_every={check_every}")
    if noise < 0:
        raise ValueError(f"noise={noise!r} must be >= 0")
    if noise > 0 and generator is None:
        raise ValueError("noise > 0 needs a torch.Generator (every run takes a seed)")
    _check_finite("phi0", phi0)
    step_fn, evals = STEPPERS[method]
    phi = phi0 if clamp is None else clamp.apply(phi0, t0)
    if clamp is not None:
        _check_finite("clamp phases", clamp.phases(t0))
    N = phi.shape[-1]
    batch = phi[..., 0].numel()
    cdtype = torch.complex128 if phi.dtype == torch.float64 else torch.complex64
    sum_zz = torch.zeros((*phi.shape, N), dtype=cdtype, device=phi.device) if statistics else None
    sum_g = torch.zeros((*phi.shape, N), dtype=phi.dtype, device=phi.device) if g is not None else None
    traj: list[torch.Tensor] = []
    times: list[float] = []
    samples = 0
    sigma = math.sqrt(2.0 * noise * dt)
    free = None if clamp is None else ~clamp.mask
    for n in range(1, steps + 1):
        t = t0 + (n - 1) * dt
        phi = step_fn(rhs, t, phi, dt)
        t_next = t0 + n * dt
        if sigma > 0:
            kick = sigma * torch.randn(phi.shape, generator=generator, dtype=phi.dtype, device=phi.device)
            phi = phi + (kick if free is None else torch.where(free, kick, 0.0))
        if clamp is not None:
            phi = clamp.apply(phi, t_next)
        if n % check_every == 0 or n == steps:
            if not torch.isfinite(phi).all():
                raise NumericalInstabilityError("phi", n, f"t = {t_next:g}, dt = {dt:g}")
        if n > transient and (n - transient) % record_every == 0:
            samples += 1
            if sum_zz is not None:
                z = torch.polar(torch.ones_like(phi), phi)
                sum_zz += z.unsqueeze(-1) * z.conj().unsqueeze(-2)
            if sum_g is not None:
                sum_g += evaluate_g(g, -phase_differences(phi))  # φ_i − φ_j
            if trajectory:
                traj.append(phi)
                times.append(t_next)
    if counter is not None:
        per_sample = N * N * ((1 if statistics else 0) + (1 if g is not None else 0))
        counter.add(dynamics_ops=steps * evals * ops_per_eval, statistics_ops=samples * per_sample * batch)
    mean_zz = sum_zz / samples if (sum_zz is not None and samples > 0) else None
    mean_g = sum_g / samples if (sum_g is not None and samples > 0) else None
    stats = WindowStats(
        mean_zz=mean_zz,
        mean_g=mean_g,
        samples=samples,
        duration=samples * record_every * dt,
        trajectory=torch.stack(traj) if trajectory and traj else None,
        times=torch.tensor(times, dtype=phi.dtype, device=phi.device) if trajectory and traj else None,
    )
    return phi, stats
