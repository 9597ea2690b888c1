"""The single validated configuration of the RCS engine.

Every constant of the engine lives here with its meaning, unit, default and allowed range.
``paper`` in each field's metadata says where it comes from: an equation of the paper, or
"unspecified" where the paper needs a constant but does not give one (pitfall 9), or "ours"
where the constant belongs to a mechanism we added to make the paper's system work.
Run ``python -c "from resonant.rcs.config import RCSConfig; RCSConfig.table()"`` for the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from resonant.core.config import ConfigMixin, param, validate

PI = math.pi
TWO_PI = 2.0 * math.pi
_BOOL = (True, False)


@dataclass(frozen=True)
class RCSConfig(ConfigMixin):
    """Constants of the Resonant Compression System engine (all times in seconds, phases in rad,
    angular frequencies in rad/s unless the name ends in ``_hz``)."""

    # --- integration -------------------------------------------------------------------------
    dt: float = param(0.005, "integration step Δt", "s", 0.0, 1.0, low_open=True, paper="§8.2, §10.2")
    carrier_integrator: str = param(
        "exponential", "carrier integrator: 'exponential' (eq. 41, rotation and damping exact, "
        "saturation by its exact flow) or 'euler' (eq. 38)", "-", choices=("exponential", "euler"),
        paper="eqs. 38, 41")
    # --- carriers (eqs. 4-7) -----------------------------------------------------------------
    gamma: float = param(1.0, "carrier damping γ_k", "1/s", 0.0, None, low_open=True, paper="eq. 5, unspecified")
    beta: float = param(0.5, "carrier saturation β_k", "1/s", 0.0, None, paper="eq. 5, unspecified")
    carrier_rotation: bool = param(
        True, "carriers rotate at their intrinsic frequency ω_k (pitfall 1; False = eq. 5 literally)",
        "-", choices=_BOOL, paper="§5.6 (intent), ours")
    c_birth: float = param(0.1, "energy |c_k| of a nucleated carrier", "1", 0.0, None, low_open=True,
                           paper="unspecified")
    M_active_threshold: float = param(0.05, "a carrier is active when |c_k| exceeds this (M_active)", "1",
                                      0.0, None, paper="§10.1, unspecified")
    # --- oscillator phases (eq. 8, 40) -------------------------------------------------------
    kappa: float = param(1.0, "phase coupling gain κ of eq. 40 (§4.3 says none: κ = 1 is eq. 8)", "1",
                         0.0, None, paper="eq. 40 vs §4.3 (pitfall 4)")
    dither_sigma: float = param(0.0, "frequency dither σ of eq. 46 (0 = off)", "rad/√s", 0.0, None,
                                paper="eq. 46")
    rotating_frame_omega: float | None = param(
        None, "frame frequency Ω of the rotating-frame option (§8.3.1); None = lab frame", "rad/s",
        None, None, optional=True, paper="§8.3.1")
    # --- tuning and gate width (eqs. 9-10) ---------------------------------------------------
    W_init: float = param(PI, "initial gate width W_k (π = the half-cycle gate of eq. 4)", "rad",
                          0.0, None, low_open=True, paper="unspecified")
    W_min: float = param(0.3, "lower bound of W_k", "rad", 0.0, None, low_open=True, paper="eq. 10, unspecified")
    W_max: float = param(TWO_PI, "upper bound of W_k", "rad", 0.0, None, low_open=True,
                         paper="eq. 10, unspecified")
    eta_narrow: float = param(0.5, "gate narrowing rate η_narrow", "1/s", 0.0, None, paper="eq. 10")
    eta_widen: float = param(0.5, "gate widening rate η_widen", "1/s", 0.0, None, paper="eq. 10")
    # --- oscillator amplitudes (eqs. 11-12) --------------------------------------------------
    amplitude_model: str = param("leaky", "'leaky' (eq. 12) or 'cubic' (eq. 11)", "-",
                                 choices=("leaky", "cubic"), paper="eqs. 11-12")
    alpha_A: float = param(1.0, "amplitude relaxation rate α (drive I = α·a gives A → a)", "1/s", 0.0, None,
                           low_open=True, paper="eqs. 11-12, unspecified")
    rho_A: float = param(0.0, "cubic amplitude damping ρ (eq. 11 only)", "1/s", 0.0, None, paper="eq. 11")
    A_baseline: float = param(0.0, "amplitude baseline A_{i,0} (eq. 11 only)", "1", 0.0, None, paper="eq. 11")
    A_leave: float = param(0.05, "an oscillator whose drive has ended leaves when A_i falls below this",
                           "1", 0.0, None, low_open=True, paper="§10 (ring-down), unspecified")
    # --- elastic bonds (eq. 13) --------------------------------------------------------------
    tau_p: float = param(2.5, "bond timescale τ_p", "s", 0.0, None, low_open=True, paper="eq. 13")
    alpha_p: float = param(5.0, "bond reinforcement gain α (aligned, driven bonds settle at P* = 1 − 2λ/α)",
                           "1", 0.0, None, paper="eq. 13")
    lambda_p: float = param(1.0, "bond elastic decay λ", "1", 0.0, None, paper="eq. 13")
    P_max: float = param(1.0, "bond ceiling: growth has a (1 − P/P_max) factor so P ∈ [0, P_max] (§4.6)",
                         "1", 0.0, 1.0, low_open=True, paper="§4.6 (P ∈ [0,1]), ours")
    eps_snap: float = param(0.01, "snap threshold ε_snap", "1", 0.0, None, low_open=True, paper="§4.6")
    # --- recruitment (pitfall 2) -------------------------------------------------------------
    recruit: bool = param(True, "recruit new bonds (eq. 13 alone cannot create one, pitfall 2)", "-",
                          choices=_BOOL, paper="ours")
    recruit_bandwidth_hz: float = param(1.0, "an oscillator may bond to the carrier nearest in frequency "
                                        "if |ω_i − ω_k|/2π is within this", "Hz", 0.0, None, paper="ours")
    P_recruit: float = param(0.05, "strength of a recruited bond (must exceed ε_snap)", "1", 0.0, 1.0,
                             low_open=True, paper="ours")
    # --- nucleation (eqs. 25-26) -------------------------------------------------------------
    P_min: float = param(0.1, "oscillator is unbound when max_k P_ik < P_min", "1", 0.0, 1.0, low_open=True,
                         paper="§5.6, unspecified")
    A_pressure: float = param(0.5, "unbound amplitude needed for nucleation", "1", 0.0, None, paper="eq. 26")
    R_genesis: float = param(0.8, "unbound order parameter needed for nucleation", "1", 0.0, 1.0,
                             paper="eq. 26")
    P_birth: float = param(0.5, "bond strength of a nucleated carrier to its phase cluster", "1", 0.0, 1.0,
                           low_open=True, paper="unspecified")
    # --- instability and mitosis (eqs. 19-23, Algorithm 2) -----------------------------------
    theta_div: float = param(0.95, "division threshold θ_div on D_k", "1", 0.0, 1.0, low_open=True,
                             high_open=True, paper="eq. 20")
    T_div: float = param(1.0, "persistence window T_div", "s", 0.0, None, low_open=True, paper="eq. 20")
    f_div: float = param(0.15, "persistent = D_k < θ_div for at least this fraction of the window T_div",
                         "1", 0.0, 1.0, low_open=True, paper="eq. 20 (our reading)")
    refractory: float = param(3.0, "no further mitosis of parent or child for this long", "s", 0.0, None,
                              paper="§10.5")
    min_separation_hz: float = param(0.25, "multimodal: cluster centres at least this far apart", "Hz",
                                     0.0, None, paper="§5.4 (our definition, pitfall 5)")
    ashman_D: float = param(2.0, "multimodal: Ashman's D = √2|μ_H−μ_L|/√(σ_L²+σ_H²) above this", "1",
                            0.0, None, paper="§5.4 (our definition, pitfall 5)")
    mitosis_phase_noise: float = param(0.1, "s.d. of the phase kick given to each offspring", "rad", 0.0, None,
                                       paper="§5.3 step 4")
    # --- metabolism (eq. 24) -----------------------------------------------------------------
    tau_I: float = param(1.0, "time constant of the intake EMA I_k = EMA(|u_k|)", "s", 0.0, None,
                         low_open=True, paper="eq. 24, unspecified")
    I_min: float = param(0.03, "dissolution threshold on I_k^eff = I_k·D_k", "1", 0.0, None, paper="eq. 24")
    T_dissolve: float = param(2.0, "dissolve after I_k^eff < I_min for this long", "s", 0.0, None,
                              low_open=True, paper="§5.5, unspecified")
    # --- bounded degree (§8.3.4) -------------------------------------------------------------
    d_max: int = param(4, "max bonds per oscillator (row cap d)", "count", 1, None, integer=True,
                       paper="§8.3.4")
    q_max: int = param(16, "max bonds per carrier (column cap q)", "count", 1, None, integer=True,
                       paper="§8.3.4")
    # --- compute reductions (§8.3) -----------------------------------------------------------
    r_arch: int = param(20, "structure (statistics, mitosis, metabolism, recruitment, nucleation) every "
                        "r_arch steps", "steps", 1, None, integer=True, paper="§8.3.2")
    r_bond: int = param(1, "bonds updated every r_bond steps (with step r_bond·Δt)", "steps", 1, None,
                        integer=True, paper="§8.3.2")
    quasi_steady: bool = param(False, "quasi-steady carriers c = ½u/(γ + β|½u|²) (eq. 42; ½ = gate duty)",
                               "-", choices=_BOOL, paper="eq. 42")
    # --- safety ------------------------------------------------------------------------------
    check_finite: bool = param(True, "check every step that no state is NaN/Inf", "-", choices=_BOOL,
                               paper="ours")

    def __post_init__(self) -> None:
        validate(self)
        if self.W_min > self.W_max:
            from resonant.core.errors import ConfigError

            raise ConfigError(f"RCSConfig.W_min={self.W_min!r} must be <= W_max={self.W_max!r}")
        if not (self.W_min <= self.W_init <= self.W_max):
            from resonant.core.errors import ConfigError

            raise ConfigError(f"RCSConfig.W_init={self.W_init!r} must lie in [W_min, W_max] = "
                              f"[{self.W_min}, {self.W_max}]")
        if self.P_recruit <= self.eps_snap or self.P_birth <= self.eps_snap:
            from resonant.core.errors import ConfigError

            raise ConfigError(f"RCSConfig.P_recruit={self.P_recruit!r} and P_birth={self.P_birth!r} must exceed "
                              f"eps_snap={self.eps_snap!r}, or new bonds snap at once")
