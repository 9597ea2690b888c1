"""The gauge-fixed Newton solver (:mod:`resonant.ep.solver`).

Independent checks: the returned phases are zeros of ``core.kuramoto_rhs`` in the frame rotating at
ω̄ (computed here, not by the solver); equilibria and eigenvalues of two-node and ring networks are
known in closed form; the stability eigenvalue and the nudge response are recomputed from an
autograd Jacobian.
"""

import itertools
import math

import numpy as np
import pytest
import torch

from resonant.core.kuramoto import kuramoto_rhs
from resonant.ep.network import layered_network, random_network
from resonant.ep.solver import EquilibriumError, solve_equilibrium

NS = (6, 10, 15, 20, 50, 100, 200)
F64 = torch.float64


def _targets(net):
    """Targets −0.2/+0.2 on the two outputs and the output mask."""
    t = torch.zeros(net.N, dtype=F64)
    m = torch.zeros(net.N, dtype=F64)
    o0, o1 = net.outputs
    t[o0], t[o1] = -0.2, 0.2
    m[[o0, o1]] = 1.0
    return t, m


def _rotating_rhs(theta, omega, K):
    """Full-system rhs in the frame rotating at the mean natural frequency."""
    return kuramoto_rhs(theta, omega - omega.mean(-1, keepdim=True), K)


def _autograd_hessian(theta, K, pinned, beta=0.0, mask=None):
    """−∂F̃/∂θ̃ of the (nudged) rotating-frame rhs on the reduced system, by autograd."""
    N = theta.shape[-1]
    red = [i for i in range(N) if i != pinned]
    zeros = torch.zeros(N, dtype=F64)

    def F(th):
        out = kuramoto_rhs(th, zeros, K)
        if mask is not None:
            out = out - beta * mask * th
        return out

    J = torch.autograd.functional.jacobian(F, theta)
    return -J[red][:, red]


def _two_nodes(delta, k=1.0):
    omega = torch.tensor([-delta / 2, delta / 2], dtype=F64)
    K = torch.tensor([[0.0, k], [k, 0.0]], dtype=F64)
    return omega, K


def _ring(N):
    K = torch.zeros(N, N, dtype=F64)
    for i in range(N):
        K[i, (i + 1) % N] = K[(i + 1) % N, i] = 1.0
    return K


# --------------------------------------------------------------------------------------------------
# free equilibria
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("N", NS)
def test_random_network_equilibrium_converged_stable_and_a_zero_of_the_rhs(N):
    net = random_network(N, seed=N)
    r = solve_equilibrium(net.omega, net.K, pinned=net.pinned)
    assert bool(r.converged) and bool(r.stable) and bool(r.ok)
    assert float(r.residual) <= 1e-12 and float(r.lambda_min) > 0
    assert r.theta[net.pinned] == 0.0  # exactly, not approximately
    assert float(r.anchor_force) <= 1e-12  # free network: the pinned row holds by itself
    F = _rotating_rhs(r.theta, net.omega, net.K)
    assert float(F.abs().max()) <= 1e-12  # every row, the pinned one included


@pytest.mark.parametrize("seed", range(4))
def test_layered_network_equilibrium_for_inputs_across_the_feature_range(seed):
    net = layered_network(seed=seed)
    x = torch.tensor([[a, b] for a in (-1.0, 0.0, 1.0) for b in (-1.0, 0.0, 1.0)], dtype=F64)
    omega = net.omega.expand(len(x), net.N).clone()
    omega[:, list(net.inputs)] = 1.5 * x
    r = solve_equilibrium(omega, net.K, pinned=net.pinned)
    assert r.theta.shape == (9, 9)
    assert bool(r.ok.all()) and float(r.residual.max()) <= 1e-12
    assert (r.theta[:, net.pinned] == 0).all()
    assert float(_rotating_rhs(r.theta, omega, net.K).abs().max()) <= 1e-12


def test_stability_eigenvalue_matches_autograd_hessian():
    net = random_network(15, seed=15)
    r = solve_equilibrium(net.omega, net.K)
    H = _autograd_hessian(r.theta, net.K, net.pinned)
    lam = float(np.linalg.eigvalsh(H.numpy())[0])
    assert float(r.lambda_min) == pytest.approx(lam, rel=1e-10, abs=1e-13)


def test_batched_solve_equals_per_system_solves():
    net = random_network(10, seed=10)
    g = torch.Generator().manual_seed(0)
    omega = net.omega + 0.1 * torch.randn(500, net.N, generator=g, dtype=F64)
    batched = solve_equilibrium(omega, net.K)
    assert batched.theta.shape == (500, 10) and batched.residual.shape == (500,)
    assert bool(batched.ok.all())
    for b in range(0, 500, 5):
        single = solve_equilibrium(omega[b], net.K)
        torch.testing.assert_close(batched.theta[b], single.theta, rtol=0, atol=1e-13)
        assert bool(single.ok) and float(single.residual) <= 1e-12


def test_batched_over_coupling_matrices():
    nets = [random_network(8, seed=s, p_edge=0.5) for s in range(6)]
    omega = torch.stack([n.omega for n in nets])
    K = torch.stack([n.K for n in nets])
    batched = solve_equilibrium(omega, K)
    for b, n in enumerate(nets):
        torch.testing.assert_close(batched.theta[b], solve_equilibrium(n.omega, n.K).theta, rtol=0, atol=1e-13)


@pytest.mark.parametrize("shift", [-3.0, 0.7, 100.0])
def test_solution_invariant_to_a_constant_added_to_omega(shift):
    net = random_network(20, seed=20)
    a = solve_equilibrium(net.omega, net.K)
    b = solve_equilibrium(net.omega + shift, net.K)
    torch.testing.assert_close(b.theta, a.theta, rtol=0, atol=1e-12)
    assert bool(b.ok)


def test_other_pinned_node_gives_the_same_equilibrium_up_to_a_rotation():
    net = random_network(12, seed=12)
    a = solve_equilibrium(net.omega, net.K, pinned=0)
    b = solve_equilibrium(net.omega, net.K, pinned=5)
    assert b.theta[5] == 0.0
    torch.testing.assert_close(b.theta - b.theta[0], a.theta, rtol=0, atol=1e-12)
    assert float(b.lambda_min) > 0


def test_two_node_equilibrium_in_closed_form():
    """Two nodes: the pinned node at 0, the other at arcsin(δ/2K); eigenvalue K cos Δ."""
    delta, k = 0.8, 1.3
    r = solve_equilibrium(*_two_nodes(delta, k))
    D = math.asin(delta / (2 * k))
    assert float(r.theta[1]) == pytest.approx(D, abs=1e-13)
    assert float(r.lambda_min) == pytest.approx(k * math.cos(D), abs=1e-12)
    assert bool(r.ok)


def test_reproducible():
    net = random_network(50, seed=50)
    a = solve_equilibrium(net.omega, net.K)
    b = solve_equilibrium(net.omega, net.K)
    assert torch.equal(a.theta, b.theta) and torch.equal(a.residual, b.residual) and a.iterations == b.iterations


# --------------------------------------------------------------------------------------------------
# saddles and failures are flagged
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-0.3, 0.1, 0.25])
def test_planted_saddle_two_nodes_is_flagged_unstable(offset):
    """Equilibria sin Δ = δ/2K at Δ (stable) and π − Δ (saddle); start near π − Δ."""
    delta, k = 0.8, 1.0
    omega, K = _two_nodes(delta, k)
    D = math.asin(delta / (2 * k))
    r = solve_equilibrium(omega, K, theta0=torch.tensor([0.0, math.pi - D + offset], dtype=F64))
    assert float(r.theta[1]) == pytest.approx(math.pi - D, abs=1e-12)
    assert bool(r.converged) and float(r.residual) <= 1e-12
    assert not bool(r.stable) and not bool(r.ok)
    assert float(r.lambda_min) == pytest.approx(-k * math.cos(D), abs=1e-12)
    with pytest.raises(EquilibriumError, match="1 of 1 systems"):
        solve_equilibrium(omega, K, theta0=torch.tensor([0.0, math.pi - D + offset], dtype=F64), policy="raise")


@pytest.mark.parametrize(("N", "q", "stable"), [
    (3, 1, False),  # splay state of a triangle: eigenvalues cos(2π/3)·{1, 3}
    (6, 2, False),
    (5, 1, True),  # a stable twisted state, not the in-phase one
])
def test_twisted_ring_states(N, q, stable):
    """Identical oscillators on a ring: θ_k = 2πqk/N is an equilibrium; the grounded ring Laplacian has
    eigenvalues 2 − 2cos(jπ/N), scaled by cos(2πq/N), so it is stable iff q/N < 1/4."""
    K = _ring(N)
    twisted = torch.arange(N, dtype=F64) * 2 * math.pi * q / N
    theta0 = twisted + 0.02 * torch.sin(torch.arange(N, dtype=F64) * 1.7)
    r = solve_equilibrium(torch.zeros(N, dtype=F64), K, theta0=theta0)
    torch.testing.assert_close(r.theta, twisted, rtol=0, atol=1e-12)
    assert bool(r.converged) and bool(r.stable) is stable
    c = math.cos(2 * math.pi * q / N)
    expected = min(c * (2 - 2 * math.cos(j * math.pi / N)) for j in range(1, N))
    assert float(r.lambda_min) == pytest.approx(expected, abs=1e-12)
    if N == 3:
        assert float(r.lambda_min) == pytest.approx(-1.5, abs=1e-12)


def test_no_equilibrium_is_flagged_not_converged():
    """|ω_1 − ω_0| > 2K: no phase-locked state; max|F̃| ≥ δ/2 − K whatever θ."""
    delta, k = 3.0, 1.0
    r = solve_equilibrium(*_two_nodes(delta, k))
    assert not bool(r.converged) and not bool(r.ok)
    assert float(r.residual) >= delta / 2 - k - 1e-12
    assert torch.isfinite(r.theta).all()


def test_policy_raise_reports_counts_and_indices():
    omega_ok, K = _two_nodes(0.5)
    omega_bad, _ = _two_nodes(3.0)
    omega = torch.stack([omega_ok, omega_bad, omega_ok, omega_bad, omega_ok])
    flagged = solve_equilibrium(omega, K)
    assert flagged.converged.tolist() == [True, False, True, False, True]
    with pytest.raises(EquilibriumError, match=r"2 of 5 systems .*first flat indices \[1, 3\]"):
        solve_equilibrium(omega, K, policy="raise")
    solve_equilibrium(omega[[0, 2]], K, policy="raise")  # all fine: no error


def test_disconnected_network_is_flagged():
    """An isolated node: its row of L̃ is zero (λ_min = 0, not stable) and its equation ω_i − ω̄ = 0
    cannot be met by any phase unless ω_i = ω̄."""
    net = random_network(6, seed=6)
    K = torch.zeros(7, 7, dtype=F64)
    K[:6, :6] = net.K
    omega = torch.cat([net.omega, torch.tensor([0.5], dtype=F64)])
    r = solve_equilibrium(omega, K)
    assert not bool(r.converged) and not bool(r.stable)
    assert float(r.residual) >= abs(0.5 - float(omega.mean())) - 1e-12
    assert float(r.lambda_min) == pytest.approx(0.0, abs=1e-12)


def test_argument_errors():
    omega, K = _two_nodes(0.1)
    with pytest.raises(ValueError, match="policy"):
        solve_equilibrium(omega, K, policy="ignore")
    with pytest.raises(ValueError, match="targets and mask"):
        solve_equilibrium(omega, K, beta=0.1, targets=torch.zeros(2))
    with pytest.raises(ValueError, match=r"K must end in \(2, 2\)"):
        solve_equilibrium(omega, torch.zeros(3, 3))
    with pytest.raises(ValueError, match="pinned=2"):
        solve_equilibrium(omega, K, pinned=2)


# --------------------------------------------------------------------------------------------------
# nudged equilibria
# --------------------------------------------------------------------------------------------------


def _nudged_rhs(theta, omega, K, beta, t, m):
    return _rotating_rhs(theta, omega, K) + beta * m * (t - theta)


@pytest.mark.parametrize("beta", [1e-3, 0.1, 0.5])
def test_nudged_solution_zero_of_reduced_rows_and_anchor_force(beta):
    net = random_network(20, seed=20)
    t, m = _targets(net)
    free = solve_equilibrium(net.omega, net.K)
    r = solve_equilibrium(net.omega, net.K, beta=beta, targets=t, mask=m, theta0=free.theta)
    assert bool(r.ok) and r.theta[net.pinned] == 0.0
    F = _nudged_rhs(r.theta, net.omega, net.K, beta, t, m)
    red = [i for i in range(net.N) if i != net.pinned]
    assert float(F[red].abs().max()) <= 1e-12
    anchor = abs(beta * float((m * (t - r.theta)).sum()))
    assert anchor > 1e-5 * beta  # the nudge has a net force: the gauge matters
    assert float(r.anchor_force) == pytest.approx(anchor, rel=1e-10, abs=1e-15)
    assert float(F[net.pinned].abs()) == pytest.approx(anchor, rel=1e-10, abs=1e-15)
    H = _autograd_hessian(r.theta, net.K, net.pinned, beta=beta, mask=m)
    assert float(r.lambda_min) == pytest.approx(float(np.linalg.eigvalsh(H.numpy())[0]), rel=1e-10)


def test_nudged_solution_approaches_free_linearly():
    """θ^β − θ* = β·dθ/dβ + O(β²), with dθ̃/dβ = (L̃)⁻¹ m̃ (t̃ − θ̃*) from an autograd Jacobian."""
    net = random_network(15, seed=15)
    t, m = _targets(net)
    free = solve_equilibrium(net.omega, net.K)
    red = [i for i in range(net.N) if i != net.pinned]
    H = _autograd_hessian(free.theta, net.K, net.pinned)
    d = torch.zeros(net.N, dtype=F64)
    d[red] = torch.linalg.solve(H, (m * (t - free.theta))[red])
    errs, sizes = [], []
    betas = (1e-2, 1e-3, 1e-4)
    for beta in betas:
        r = solve_equilibrium(net.omega, net.K, beta=beta, targets=t, mask=m, theta0=free.theta)
        assert bool(r.ok)
        sizes.append(float((r.theta - free.theta).norm()) / beta)
        errs.append(float((r.theta - free.theta - beta * d).norm()))
    assert sizes[0] == pytest.approx(float(d.norm()), rel=0.05)
    assert sizes[2] == pytest.approx(float(d.norm()), rel=1e-3)
    for a, b in itertools.pairwise(errs):
        assert b / a == pytest.approx(1e-2, rel=0.05)  # second-order remainder


def test_nudge_at_the_targets_leaves_the_free_state():
    net = random_network(10, seed=10)
    free = solve_equilibrium(net.omega, net.K)
    _, m = _targets(net)
    r = solve_equilibrium(net.omega, net.K, beta=0.3, targets=free.theta, mask=m, theta0=free.theta)
    torch.testing.assert_close(r.theta, free.theta, rtol=0, atol=1e-14)
    assert float(r.anchor_force) <= 1e-14


def test_batched_beta_equals_individual_solves():
    net = random_network(12, seed=12)
    t, m = _targets(net)
    betas = torch.tensor([-0.05, 1e-3, 0.2], dtype=F64)
    batched = solve_equilibrium(net.omega.expand(3, -1), net.K, beta=betas, targets=t, mask=m)
    for b, beta in enumerate(betas.tolist()):
        single = solve_equilibrium(net.omega, net.K, beta=beta, targets=t, mask=m)
        torch.testing.assert_close(batched.theta[b], single.theta, rtol=0, atol=1e-13)
        assert float(batched.anchor_force[b]) == pytest.approx(float(single.anchor_force), rel=1e-9)
