"""The four gradient routes of :mod:`resonant.ep.gradients` agree, and the gradients have the properties
the theory says they must (zero at a loss minimum, gauge, symmetry, sparsity, EP error order).

The analytic (implicit-function) route is the reference; the others are independent of it: two-phase EP
measures phase displacements under nudging, finite differences re-solve perturbed networks, and autograd
differentiates the residual with torch instead of our Jacobian formulas.
"""

import numpy as np
import pytest
import torch

from resonant.ep.gradients import (
    Gradients,
    analytic_gradients,
    autograd_gradients,
    ep_gradients,
    finite_difference_gradients,
    loss,
)
from resonant.ep.network import Network, layered_network, random_network
from resonant.ep.solver import solve_equilibrium

F64 = torch.float64
ROUTES = ("ep", "ep_symmetric", "fd", "autograd")
BETAS = np.logspace(-4, -1, 7)


def _targets(net):
    t = torch.zeros(net.N, dtype=F64)
    m = torch.zeros(net.N, dtype=F64)
    o0, o1 = net.outputs
    t[o0], t[o1] = -0.2, 0.2
    m[[o0, o1]] = 1.0
    return t, m


def _layered():
    net = layered_network(seed=0)
    omega = net.omega.clone()
    omega[list(net.inputs)] = 1.5 * torch.tensor([0.6, -0.4], dtype=F64)
    return Network(omega, net.K, net.inputs, net.outputs, net.pinned)


def _net(name):
    return _layered() if name == "layered" else random_network(int(name), seed=int(name))


def _route(route, net, t, m, free):
    if route == "analytic":
        return analytic_gradients(free.theta, net.K, t, m, pinned=net.pinned)
    if route == "ep":
        return ep_gradients(net.omega, net.K, t, m, 1e-6, pinned=net.pinned, free=free)[0]
    if route == "ep_symmetric":
        return ep_gradients(net.omega, net.K, t, m, 1e-6, pinned=net.pinned, free=free, symmetric=True)[0]
    if route == "fd":
        return finite_difference_gradients(net.omega, net.K, t, m, pinned=net.pinned, theta0=free.theta)
    if route == "autograd":
        return autograd_gradients(net.omega, net.K, t, m, pinned=net.pinned, theta0=free.theta)
    raise AssertionError(route)


def _cos(a, b):
    return float((a * b).sum() / (a.norm() * b.norm()))


def _rel(a, b):
    return float((a - b).norm() / b.norm())


def _setup(name):
    net = _net(name)
    t, m = _targets(net)
    free = solve_equilibrium(net.omega, net.K, pinned=net.pinned)
    assert bool(free.ok)
    return net, t, m, free


# --------------------------------------------------------------------------------------------------
# the four routes agree
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", ["6", "10", "15", "20", "50", "layered"])
def test_route_agrees_with_analytic(name, route):
    net, t, m, free = _setup(name)
    ref = analytic_gradients(free.theta, net.K, t, m).flat(net.edge_mask)
    g = _route(route, net, t, m, free).flat(net.edge_mask)
    assert g.shape == (net.N + net.edges.shape[0],)
    assert float(ref.norm()) > 1e-3  # a real gradient, not two zeros
    assert _cos(g, ref) >= 0.9999999
    assert _rel(g, ref) <= 1e-5


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("pinned", [4, 11])
def test_routes_agree_with_another_pinned_node(route, pinned):
    """Any node may carry the gauge, a hidden one (4) or even an output (11: its phase is then 0)."""
    base = random_network(12, seed=12)
    net = Network(base.omega, base.K, base.inputs, base.outputs, pinned=pinned)
    t, m = _targets(net)
    free = solve_equilibrium(net.omega, net.K, pinned=pinned)
    ref = analytic_gradients(free.theta, net.K, t, m, pinned=pinned).flat(net.edge_mask)
    g = _route(route, net, t, m, free).flat(net.edge_mask)
    assert _cos(g, ref) >= 0.9999999 and _rel(g, ref) <= 1e-5


@pytest.mark.parametrize("name", ["6", "20", "50", "layered"])
def test_finite_differences_match_analytic_to_1e7(name):
    net, t, m, free = _setup(name)
    ref = analytic_gradients(free.theta, net.K, t, m)
    fd = _route("fd", net, t, m, free)
    assert _rel(fd.omega, ref.omega) <= 1e-7
    assert _rel(fd.flat(net.edge_mask), ref.flat(net.edge_mask)) <= 1e-7


def test_gradient_predicts_the_loss_change_of_a_small_step():
    """L(ω − ηg) = L(ω) − η|g|² + O(η²): the gradient is a descent direction of the solved loss."""
    net, t, m, free = _setup("20")
    g = analytic_gradients(free.theta, net.K, t, m).omega
    L0 = float(loss(free.theta, t, m))
    for eta in (1e-3, 1e-4):
        stepped = solve_equilibrium(net.omega - eta * g, net.K, theta0=free.theta)
        dL = float(loss(stepped.theta, t, m)) - L0
        assert dL < 0
        assert dL == pytest.approx(-eta * float(g @ g), rel=20 * eta)


# --------------------------------------------------------------------------------------------------
# properties of the gradient
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ("analytic", *ROUTES))
def test_gradient_vanishes_when_targets_are_the_free_outputs(route):
    net, _, m, free = _setup("15")
    t = free.theta.clone()  # the loss is at its minimum (0)
    g = _route(route, net, t, m, free)
    assert float(g.omega.abs().max()) <= 1e-8 and float(g.K.abs().max()) <= 1e-8


@pytest.mark.parametrize("route", ("analytic", *ROUTES))
def test_omega_gradient_sums_to_zero(route):
    """A uniform shift of ω changes nothing in the rotating frame, so Σ_k ∂L/∂ω_k = 0."""
    net, t, m, free = _setup("20")
    g = _route(route, net, t, m, free)
    assert abs(float(g.omega.sum())) <= 1e-12 * max(1.0, float(g.omega.abs().sum()))


@pytest.mark.parametrize("route", ("analytic", *ROUTES))
def test_grad_K_symmetric_and_zero_off_edges(route):
    net, t, m, free = _setup("15")
    gK = _route(route, net, t, m, free).K
    assert gK.shape == (net.N, net.N)
    torch.testing.assert_close(gK, gK.T, rtol=0, atol=0)
    assert (gK[~net.edge_mask] == 0).all()
    assert int((gK[net.edge_mask] != 0).sum()) > 0.9 * int(net.edge_mask.sum())


def _with_leaf(base, anchor, k=0.8, omega_leaf=0.17):
    """``base`` plus one extra non-output node whose single edge goes to ``anchor``."""
    N = base.N + 1
    K = torch.zeros(N, N, dtype=F64)
    K[:-1, :-1] = base.K
    K[-1, anchor] = K[anchor, -1] = k
    omega = torch.cat([base.omega, torch.tensor([omega_leaf], dtype=F64)])
    return Network(omega, K, base.inputs, base.outputs, base.pinned)


@pytest.mark.parametrize("route", ("analytic", *ROUTES))
@pytest.mark.parametrize("anchor", [0, 3])
def test_pendant_node_passes_its_frequency_to_its_neighbour(route, anchor):
    """A non-output leaf ℓ on one edge to node a: its equation ω_ℓ − ω̄ + K sin(θ_a − θ_ℓ) = 0 fixes the
    force it puts on a to exactly ω_ℓ − ω̄, so ω_ℓ acts on the rest of the network like ω_a, and the edge
    weight only moves θ_ℓ, which the loss does not see: ∂L/∂ω_ℓ = ∂L/∂ω_a and ∂L/∂K_ℓa = 0.
    (A truly isolated node has no equilibrium unless ω_ℓ = ω̄ and makes L̃ singular; the leaf is the
    closest well-posed version of "a node the loss cannot see". With a = the pinned node, both
    gradients equal −mean(g), the pure gauge term.)"""
    net = _with_leaf(random_network(12, seed=12), anchor)
    leaf = net.N - 1
    t, m = _targets(net)
    free = solve_equilibrium(net.omega, net.K)
    assert bool(free.ok)
    g = _route(route, net, t, m, free)
    scale = float(g.omega.abs().max())
    assert scale > 1e-3
    tol = 1e-9 if route in ("analytic", "autograd") else 1e-6
    assert abs(float(g.omega[leaf] - g.omega[anchor])) <= tol * scale
    assert abs(float(g.K[leaf, anchor])) <= tol * scale
    if anchor == 0 and route == "analytic":
        a = analytic_gradients(free.theta, net.K, t, m)
        assert float(a.omega[leaf]) == pytest.approx(float(a.omega[0]), abs=1e-15)


def _slope(betas, errs):
    return float(np.polyfit(np.log(betas), np.log(errs), 1)[0])


@pytest.mark.parametrize("name", ["20", "layered"])
def test_ep_error_is_first_order_and_symmetric_second_order_in_beta(name):
    net, t, m, free = _setup(name)
    ref = analytic_gradients(free.theta, net.K, t, m).flat(net.edge_mask)
    one, sym = [], []
    for beta in BETAS:
        g1 = ep_gradients(net.omega, net.K, t, m, float(beta), free=free)[0]
        g2 = ep_gradients(net.omega, net.K, t, m, float(beta), free=free, symmetric=True)[0]
        one.append(_rel(g1.flat(net.edge_mask), ref))
        sym.append(_rel(g2.flat(net.edge_mask), ref))
    assert 0.9 <= _slope(BETAS, one) <= 1.1
    assert 1.8 <= _slope(BETAS, sym) <= 2.2
    assert all(s < o for s, o in zip(sym, one, strict=True))


def test_ep_rejects_non_positive_beta():
    net, t, m, free = _setup("6")
    with pytest.raises(ValueError, match="beta must be > 0"):
        ep_gradients(net.omega, net.K, t, m, 0.0, free=free)


def test_ep_returns_the_phases_it_used():
    net, t, m, free = _setup("10")
    _, a, b = ep_gradients(net.omega, net.K, t, m, 1e-3, free=free)
    assert a is free and bool(b.ok)
    _, lo, hi = ep_gradients(net.omega, net.K, t, m, 1e-3, free=free, symmetric=True)
    assert float(lo.anchor_force) > 0 and float(hi.anchor_force) > 0
    torch.testing.assert_close(hi.theta, b.theta, rtol=0, atol=0)


# --------------------------------------------------------------------------------------------------
# batching and reproducibility
# --------------------------------------------------------------------------------------------------


def test_batched_analytic_ep_autograd_equal_per_system():
    net = random_network(10, seed=10)
    t, m = _targets(net)
    g = torch.Generator().manual_seed(1)
    omega = net.omega + 0.05 * torch.randn(4, net.N, generator=g, dtype=F64)
    free = solve_equilibrium(omega, net.K)
    ana = analytic_gradients(free.theta, net.K, t, m)
    ep = ep_gradients(omega, net.K, t, m, 1e-6, free=free)[0]
    ag = autograd_gradients(omega, net.K, t, m, theta0=free.theta)
    for b in range(4):
        single = solve_equilibrium(omega[b], net.K)
        ref = analytic_gradients(single.theta, net.K, t, m)
        for batched in (ana, ep, ag):
            per = Gradients(batched.omega[b], batched.K[b])
            assert _cos(per.flat(net.edge_mask), ref.flat(net.edge_mask)) >= 0.9999999
        torch.testing.assert_close(ana.omega[b], ref.omega, rtol=0, atol=1e-13)


@pytest.mark.parametrize("route", ("analytic", *ROUTES))
def test_same_inputs_same_outputs(route):
    net, t, m, free = _setup("15")
    a = _route(route, net, t, m, free)
    b = _route(route, net, t, m, solve_equilibrium(net.omega, net.K))
    assert torch.equal(a.omega, b.omega) and torch.equal(a.K, b.K)
