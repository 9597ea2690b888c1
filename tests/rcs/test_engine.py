"""Engine-level behaviour: backends, observation, checkpoints, blow-up detection, the mechanisms of §4-§6."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from resonant.core.errors import ConfigError, NumericalInstabilityError
from resonant.rcs import Engine, EventList, GroupedStream, PaperStream, RCSConfig, Signal
from resonant.rcs.dynamics import carrier_energy_bound
from resonant.rcs.metrics import StreamRecorder

BACKENDS = ["torch", "numba"]
TWO_PI = 2 * math.pi


def _state_tensors(e: Engine) -> dict[str, torch.Tensor]:
    return e.state.tensors()


def _assert_same_state(a: Engine, b: Engine, atol: float = 0.0) -> None:
    ta, tb = _state_tensors(a), _state_tensors(b)
    assert ta.keys() == tb.keys()
    for k in ta:
        assert ta[k].shape == tb[k].shape, k
        if atol == 0.0:
            assert torch.equal(ta[k], tb[k]), k
        else:
            assert torch.allclose(ta[k], tb[k], atol=atol, rtol=0), (k, (ta[k] - tb[k]).abs().max())
    assert a.counters == b.counters
    assert a.state.step == b.state.step


def _two_groups(onset: float = 0.0, duration: float = 30.0) -> list[Signal]:
    rng = np.random.default_rng(0)
    return [Signal(onset, f, duration, float(rng.uniform(-0.2, 0.2)) % TWO_PI, 1.0, g)
            for g, f in ((0, 1.0), (1, 3.0)) for _ in range(3)]


def _groups_by_carrier(e: Engine) -> dict[int, list[int]]:
    o = e.observe()
    out: dict[int, list[int]] = {}
    for i, k in zip(o.osc.tolist(), o.car.tolist(), strict=True):
        out.setdefault(int(o.car_id[k]), []).append(int(o.label[i]))
    return out


# ---------------------------------------------------------------- backends and reproducibility
def test_torch_and_numba_backends_agree_on_the_paper_stream():
    a, b = Engine(seed=0, backend="torch"), Engine(seed=0, backend="numba")
    a.run(PaperStream(0), 4.0)
    b.run(PaperStream(0), 4.0)
    _assert_same_state(a, b, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_seed_same_numbers(backend):
    a, b = Engine(seed=3, backend=backend), Engine(seed=3, backend=backend)
    a.run(PaperStream(3), 3.0)
    b.run(PaperStream(3), 3.0)
    _assert_same_state(a, b)


def test_different_stream_seeds_differ():
    a, b = Engine(seed=0), Engine(seed=0)
    a.run(PaperStream(0), 3.0)
    b.run(PaperStream(1), 3.0)
    assert a.state.N != b.state.N or not torch.equal(a.state.phi, b.state.phi)


def test_time_is_exactly_step_times_dt():
    e = Engine(RCSConfig(dt=0.001))
    e.run(PaperStream(0), 1.0)
    assert e.state.step == 1000
    assert e.t == 1000 * 0.001


# ---------------------------------------------------------------- observation never feeds back (§7.1)
@pytest.mark.parametrize("backend", BACKENDS)
def test_observing_every_step_leaves_the_trajectory_bit_identical(backend):
    a, b = Engine(seed=0, backend=backend), Engine(seed=0, backend=backend)
    src = PaperStream(0)
    a.run(src, 3.0)
    for _ in range(600):  # 3 s, observing after every step
        step = b.state.step
        b.run(src, 0.005)
        assert b.state.step == step + 1
        obs = b.observe()
        obs.energy.add_(1.0)  # mutating an observation cannot reach the engine
        obs.P.mul_(0.0)
        b.summary()
        b.carrier_trace()
    _assert_same_state(a, b)


def test_observation_contents_match_the_state():
    e = Engine(seed=0)
    e.run(GroupedStream(0), 6.0)
    o = e.observe()
    assert o.N == e.state.N and o.M == e.state.M and o.nnz == e.state.nnz
    assert o.L_comp == o.nnz + o.M_active  # eq. (49)
    assert torch.allclose(o.energy, e.state.c.abs())
    if o.nnz:  # soft assignment rows sum to 1 (eq. 33)
        sums = torch.zeros(o.N, dtype=o.m.dtype).index_add_(0, o.osc, o.m)
        has = torch.zeros(o.N, dtype=torch.bool)
        has[o.osc] = True
        assert torch.allclose(sums[has], torch.ones_like(sums[has]))
    phi = o.phi
    assert abs(o.R - abs(torch.exp(1j * phi.to(torch.complex128)).mean().item())) < 1e-12


# ---------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("backend", BACKENDS)
def test_checkpoint_resume_is_bit_identical(tmp_path, backend):
    straight = Engine(seed=1, backend=backend)
    straight.run(PaperStream(1), 6.0)
    first = Engine(seed=1, backend=backend)
    first.run(PaperStream(1), 3.0)
    path = first.save(tmp_path / "run.ckpt")
    resumed = Engine.load(path, backend=backend)
    resumed.run(PaperStream(1), 3.0)
    _assert_same_state(straight, resumed)
    assert straight.lifetimes == resumed.lifetimes
    assert straight.mitosis_log == resumed.mitosis_log


def test_checkpoint_with_dither_resumes_the_random_stream(tmp_path):
    cfg = RCSConfig(dither_sigma=0.3)
    straight = Engine(cfg, seed=2)
    straight.run(PaperStream(2), 2.0)
    first = Engine(cfg, seed=2)
    first.run(PaperStream(2), 1.0)
    resumed = Engine.load(first.save(tmp_path / "d.ckpt"))
    resumed.run(PaperStream(2), 1.0)
    _assert_same_state(straight, resumed)


def test_load_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.ckpt"):
        Engine.load(tmp_path / "nope.ckpt")


# ---------------------------------------------------------------- blow-up detection
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("quantity", ["c", "phi", "A", "P"])
def test_nan_in_any_state_is_reported_within_one_step(backend, quantity):
    e = Engine(seed=0, backend=backend)
    e.run(GroupedStream(0), 3.0)
    assert e.state.nnz > 0 and e.state.M > 0
    v = getattr(e.state, quantity).clone()
    v[0] = float("nan")
    setattr(e.state, quantity, v)
    e._cache_valid = False
    step = e.state.step
    with pytest.raises(NumericalInstabilityError) as info:
        e.run(GroupedStream(0), 0.005)
    err = info.value
    assert err.step == step + 1
    assert err.quantity in {"c", "phi", "A", "P"}  # the NaN may surface first in a quantity it feeds
    assert str(step + 1) in str(err)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("field", "value"),
    [("dt", 0.0), ("dt", -0.1), ("gamma", 0.0), ("beta", -1.0), ("theta_div", 1.0), ("theta_div", 0.0),
     ("W_min", -1.0), ("d_max", 0), ("d_max", 2.5), ("r_arch", 0), ("carrier_integrator", "rk4"),
     ("amplitude_model", "x"), ("P_max", 1.5), ("eps_snap", float("nan")), ("kappa", float("inf")),
     ("R_genesis", 1.5), ("tau_p", "fast")],
)
def test_invalid_config_names_the_field(field, value):
    with pytest.raises(ConfigError, match=field):
        RCSConfig(**{field: value})


def test_config_cross_field_checks():
    with pytest.raises(ConfigError, match="W_min"):
        RCSConfig(W_min=3.0, W_max=2.0)
    with pytest.raises(ConfigError, match="P_recruit"):
        RCSConfig(P_recruit=0.005)
    with pytest.raises(ConfigError, match="unknown"):
        RCSConfig.from_dict({"not_a_field": 1})


def test_engine_rejects_bad_arguments():
    with pytest.raises(ValueError, match="seed"):
        Engine(seed=-1)
    with pytest.raises(ValueError, match="backend"):
        Engine(backend="jax")
    with pytest.raises(TypeError, match="config"):
        Engine(config={"dt": 0.1})  # type: ignore[arg-type]
    e = Engine()
    with pytest.raises(ValueError, match="seconds"):
        e.run(PaperStream(0), float("nan"))
    with pytest.raises(TypeError, match="SignalSource"):
        e.run([1, 2, 3], 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Signal"):
        e.step([(0.0, 1.0, 1.0)])  # type: ignore[list-item]


# ---------------------------------------------------------------- mechanisms
@pytest.mark.parametrize("backend", BACKENDS)
def test_two_frequency_groups_on_one_carrier_divide_into_one_carrier_per_group(backend):
    """§5.3-5.4: a carrier binding two separated groups divides by spectral factorisation."""
    e = Engine(seed=0, backend=backend)
    e.step(_two_groups())
    e.run(EventList([]), 1.0)
    groups = _groups_by_carrier(e)
    assert len(groups) == 1 and sorted(next(iter(groups.values()))) == [0, 0, 0, 1, 1, 1]
    e.run(EventList([]), 5.0)
    assert e.counters["mitoses"] >= 1
    audit = e.mitosis_log[0]
    assert audit["n_low"] == 3 and audit["n_high"] == 3
    assert audit["f_low_hz"] == pytest.approx(1.0, abs=0.05) and audit["f_high_hz"] == pytest.approx(3.0, abs=0.05)
    assert audit["unstable_fraction"] >= e.config.f_div
    groups = _groups_by_carrier(e)
    pure = [set(v) for v in groups.values()]
    assert {frozenset(p) for p in pure} == {frozenset({0}), frozenset({1})}
    # each offspring recentred on its group's frequency
    o = e.observe()
    assert sorted(np.round(o.omega_k.numpy() / TWO_PI, 2).tolist()) == pytest.approx([1.0, 3.0], abs=0.02)


def test_one_frequency_group_does_not_divide():
    rng = np.random.default_rng(1)
    sigs = [Signal(0.0, 2.0, 20.0, float(rng.uniform(-0.2, 0.2)) % TWO_PI, 1.0, 0) for _ in range(6)]
    e = Engine(seed=0)
    e.step(sigs)
    e.run(EventList([]), 10.0)
    assert e.counters["mitoses"] == 0
    assert len(_groups_by_carrier(e)) == 1


def test_carriers_rotate_and_their_gates_reopen():
    """Pitfall 1: without drive a carrier rotates at ω_k; its gate opens and closes every period."""
    e = Engine(RCSConfig(beta=0.0), seed=0)
    e.seed_carrier(omega_k=TWO_PI * 2.0, phase=math.pi, energy=1.0)  # born with its gate closed
    gates = []
    for _ in range(200):  # 1 s = two periods
        e.step()
        gates.append(float(e.carrier_trace()["gate"][0]))
    g = np.array(gates)
    reopenings = int(np.sum((g[1:] == 1) & (g[:-1] == 0)))
    assert reopenings == 2
    assert 0.45 < g.mean() < 0.55
    psi = float(torch.angle(e.state.c)[0])
    assert math.cos(psi - (math.pi + TWO_PI * 2.0 * 1.0)) == pytest.approx(1.0, abs=1e-9)


def test_literal_carriers_without_rotation_never_reopen():
    e = Engine(RCSConfig(carrier_rotation=False), seed=0)
    e.seed_carrier(omega_k=TWO_PI * 2.0, phase=math.pi, energy=1.0)
    for _ in range(200):
        e.step()
        assert float(e.carrier_trace()["gate"][0]) == 0.0


def test_recruitment_bonds_a_resonant_newcomer_and_it_grows():
    e = Engine(seed=0)
    e.step([Signal(0.0, 2.0, 30.0, 0.0, 1.0)])
    e.run(EventList([]), 2.0)
    assert e.state.M == 1 and e.state.nnz == 1
    # a newcomer at the carrier's frequency and phase
    t = e.t
    psi = float(torch.angle(e.state.c)[0])
    e.step([Signal(t, 2.0, 30.0, (psi - TWO_PI * 2.0 * 0.0) % TWO_PI, 1.0)])
    e.run(EventList([]), 0.2)
    assert e.counters["recruitments"] >= 1
    assert e.state.nnz == 2
    p0 = float(e.state.P.min())
    e.run(EventList([]), 5.0)
    assert float(e.state.P.min()) > max(p0, e.config.P_recruit)


def test_bond_to_a_detuned_oscillator_decays_and_snaps_and_is_counted():
    """Pitfall 8: a bond that falls below ε_snap by its own dynamics is a snap."""
    e = Engine(RCSConfig(recruit=False), seed=0)
    e.step([Signal(0.0, 2.0, 60.0, 0.0, 1.0), Signal(0.0, 3.3, 60.0, 0.0, 1.0)])
    e.run(EventList([]), 0.1)
    ids = e.state.osc_id.tolist()
    e.seed_carrier(TWO_PI * 2.0, phase=0.0, energy=0.5, bonds={ids[0]: 0.5, ids[1]: 0.05})
    before = e.counters["snaps"]
    e.run(EventList([]), 30.0)
    assert e.counters["snaps"] >= before + 1
    assert e.counters["dissolutions"] == 0


def test_departures_and_dissolutions_are_not_counted_as_snaps():
    e = Engine(RCSConfig(recruit=False), seed=0)
    e.step([Signal(0.0, 2.0, 1.0, 0.0, 1.0)])
    e.run(EventList([]), 15.0)
    assert e.counters["arrivals"] == 1 and e.counters["departures"] == 1
    assert e.counters["nucleations"] == 1 and e.counters["dissolutions"] == 1
    assert e.counters["snaps"] == 0
    assert e.state.N == 0 and e.state.M == 0 and e.state.nnz == 0
    ((_cid, born, died),) = e.lifetimes
    assert died > born


def test_incoherent_unbound_energy_does_not_nucleate_but_coherent_does():
    """Eqs. (25)-(26): R_U must exceed R_genesis."""
    anti = Engine(seed=0)
    anti.step([Signal(0.0, 2.0, 5.0, 0.0, 1.0), Signal(0.0, 2.0, 5.0, math.pi, 1.0)])
    anti.run(EventList([]), 3.0)
    assert anti.counters["nucleations"] == 0
    co = Engine(seed=0)
    co.step([Signal(0.0, 2.0, 5.0, 0.0, 1.0), Signal(0.0, 2.0, 5.0, 0.1, 1.0)])
    co.run(EventList([]), 3.0)
    assert co.counters["nucleations"] == 1
    assert co.state.nnz == 2  # both members of the phase cluster bond at birth


def test_one_bond_carriers_never_divide():
    e = Engine(seed=0)
    e.step([Signal(0.0, 1.0, 20.0, 0.0, 1.0)])
    e.run(EventList([]), 10.0)
    assert e.counters["mitoses"] == 0
    assert float(e.observe().D[0]) == pytest.approx(2 / math.sqrt(math.pi), rel=1e-9)  # pitfall 3


def test_degree_caps_hold_on_a_long_grouped_stream():
    cfg = RCSConfig(d_max=2, q_max=3)
    e = Engine(cfg, seed=0)
    e.run(GroupedStream(0, members=5, rate=1.0), 20.0)
    s = e.state
    if s.nnz:
        assert int(torch.bincount(s.osc).max()) <= 2
        assert int(torch.bincount(s.car).max()) <= 3


def test_persistence_windows_are_in_seconds_not_steps():
    """Pitfall 7: the grouped division happens at about the same time for any Δt."""
    times = []
    for dt in (0.0025, 0.01):
        e = Engine(RCSConfig(dt=dt), seed=0)
        e.step(_two_groups())
        e.run(EventList([]), 6.0)
        assert e.counters["mitoses"] >= 1
        times.append(e.mitosis_log[0]["t"])
    assert abs(times[0] - times[1]) < 0.5


@pytest.mark.slow
def test_ten_minute_stream_keeps_carrier_energy_below_the_analytic_bound():
    """|c_k| ≤ r*, the root of γr + βr³ = q_max·P_max·a_max (see carrier_energy_bound)."""
    cfg = RCSConfig()
    bound = carrier_energy_bound(cfg.q_max * cfg.P_max * 1.0, cfg.gamma, cfg.beta)
    e = Engine(cfg, seed=0)
    rec = StreamRecorder(600.0, trace_seconds=0.0, snapshot_every=1e9)
    e.run(PaperStream(0), 600.0, recorder=rec)  # every step's max |c_k| is recorded
    peak = float(rec.series()["max_energy"].max())
    assert e.t == pytest.approx(600.0) and e.counters["arrivals"] > 400
    assert 0 < peak <= bound
    assert torch.isfinite(e.state.P).all() and float(e.state.P.max()) <= cfg.P_max


# ---------------------------------------------------------------- options of §8.3 and §9
def _frame_gap(dt: float) -> float:
    """Max phase difference between the lab-frame and rotating-frame runs of one small system."""
    phis = []
    for Om in (None, TWO_PI * 2.5):
        e = Engine(RCSConfig(dt=dt, rotating_frame_omega=Om, recruit=False, A_pressure=1e9), seed=0)
        e.step([Signal(0.0, 2.4, 10.0, 0.3, 1.0), Signal(0.0, 2.6, 10.0, 0.0, 1.0)])
        ids = e.state.osc_id.tolist()
        e.seed_carrier(TWO_PI * 2.5, phase=0.1, energy=0.5, bonds={ids[0]: 0.6, ids[1]: 0.6})
        e.run(EventList([]), 2.0)
        phis.append(e.observe().phi)
    d = torch.remainder(phis[0] - phis[1] + math.pi, TWO_PI) - math.pi
    return float(d.abs().max())


def test_rotating_frame_converges_to_the_lab_frame_trajectory():
    """§8.3.1: the frame changes only the discretisation error (O(Δt)), not the dynamics."""
    coarse, fine = _frame_gap(0.004), _frame_gap(0.001)
    assert fine < 2e-3
    assert coarse / fine > 2.5  # first-order convergence of both to the same solution


@pytest.mark.parametrize(
    "changes",
    [dict(carrier_integrator="euler"), dict(quasi_steady=True), dict(amplitude_model="cubic", rho_A=0.5),
     dict(r_bond=5), dict(r_arch=5), dict(dither_sigma=0.2)],
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_options_run_and_backends_agree(changes, backend):
    cfg = RCSConfig(**changes)
    e = Engine(cfg, seed=0, backend=backend)
    e.run(PaperStream(0), 3.0)
    assert all(torch.isfinite(v.to(torch.complex128)).all() for v in e.state.tensors().values())
    ref = Engine(cfg, seed=0, backend="torch")
    ref.run(PaperStream(0), 3.0)
    _assert_same_state(e, ref, atol=1e-10)


def _free_carrier_error(integ: str, dt: float) -> float:
    e = Engine(RCSConfig(dt=dt, carrier_integrator=integ, beta=0.0), seed=0)
    e.seed_carrier(TWO_PI * 1.0, 0.0, 1.0)
    e.run(EventList([]), 0.5)
    exact = complex(math.exp(-e.config.gamma * 0.5) * math.cos(math.pi), math.exp(-e.config.gamma * 0.5) * 0.0)
    return abs(complex(e.state.c[0]) - exact)


def test_exponential_integrator_is_exact_for_a_free_carrier_and_euler_is_first_order():
    """Eq. (41) integrates rotation and damping exactly; eq. (38) (Euler) converges at O(Δt)."""
    assert _free_carrier_error("exponential", 0.005) < 1e-12
    e1, e2 = _free_carrier_error("euler", 0.001), _free_carrier_error("euler", 0.0005)
    assert 1.8 < e1 / e2 < 2.2


def test_stale_instability_evidence_does_not_trigger_mitosis():
    """Eq. (20) literally: D_k < θ_div must have occurred within the last T_div, whatever the EMA still holds."""
    from resonant.rcs import structure

    def ready_engine() -> Engine:
        e = Engine(seed=0, backend="torch")
        e.step(_two_groups())
        e.run(EventList([]), 1.0)
        s = e.state
        s.birth_time = s.birth_time - 10.0  # old enough, out of refractoriness
        s.refractory_until = s.refractory_until - 10.0
        s.unstable_ema = torch.ones_like(s.unstable_ema)  # the EMA says "persistently unstable"
        return e

    stale = ready_engine()
    stale.state.last_unstable = torch.full_like(stale.state.last_unstable, stale.t - 2.0 * stale.config.T_div)
    with torch.inference_mode():  # the engine's tensors are inference tensors
        assert structure.mitosis(stale.state, stale.config, stale.t, stale.generator) == []
    fresh = ready_engine()
    fresh.state.last_unstable = torch.full_like(fresh.state.last_unstable, fresh.t - 0.5 * fresh.config.T_div)
    with torch.inference_mode():
        audit = structure.mitosis(fresh.state, fresh.config, fresh.t, fresh.generator)
    assert len(audit) == 1 and audit[0]["since_low_D"] == pytest.approx(0.5 * fresh.config.T_div)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_division_had_low_D_within_the_window(backend):
    e = Engine(seed=1, backend=backend)
    e.run(PaperStream(1), 30.0)
    assert e.counters["mitoses"] >= 1
    assert all(0.0 <= a["since_low_D"] <= e.config.T_div + 1e-9 for a in e.mitosis_log)


def test_checkpoint_of_another_version_is_refused_with_a_clear_error(tmp_path):
    e = Engine(seed=0)
    d = e.state_dict()
    d["version"] = 1
    with pytest.raises(ValueError, match="unsupported checkpoint version 1"):
        Engine(seed=0).load_state_dict(d)
