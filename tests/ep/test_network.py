"""core.kuramoto (rhs, Jacobian) and :mod:`resonant.ep.network` (validation, builders, save/load).

Every check is against an independent computation: an explicit double loop, torch autograd,
scipy's connected components, or counts and ranges read off the method notes.
"""

import itertools
import math
import re

import numpy as np
import pytest
import torch
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from resonant.core.kuramoto import coupling_laplacian, kuramoto_jacobian, kuramoto_rhs, phase_differences
from resonant.ep.network import Network, layered_network, random_network


def _random_state(N: int, seed: int, density: float = 0.5):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-math.pi, math.pi, N)
    omega = rng.uniform(-1, 1, N)
    W = np.triu(rng.uniform(0.2, 2.0, (N, N)) * (rng.random((N, N)) < density), 1)
    return theta, omega, W + W.T


# --------------------------------------------------------------------------------------------------
# core.kuramoto
# --------------------------------------------------------------------------------------------------


def test_phase_differences_are_theta_j_minus_theta_i():
    theta = torch.tensor([0.0, 0.5, 2.0], dtype=torch.float64)
    D = phase_differences(theta)
    for i, j in itertools.product(range(3), repeat=2):
        assert D[i, j] == theta[j] - theta[i]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rhs_matches_double_loop(seed):
    N = 9
    theta, omega, K = _random_state(N, seed)
    expected = np.array([omega[i] + sum(K[i, j] * math.sin(theta[j] - theta[i]) for j in range(N))
                         for i in range(N)])
    got = kuramoto_rhs(torch.from_numpy(theta), torch.from_numpy(omega), torch.from_numpy(K)).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13)


def test_rhs_is_batched_over_leading_dims():
    thetas, omegas, Ks = zip(*(_random_state(7, s) for s in range(4)), strict=True)
    th, om, K = (torch.from_numpy(np.stack(x)) for x in (thetas, omegas, Ks))
    batched = kuramoto_rhs(th, om, K)
    for b in range(4):
        torch.testing.assert_close(batched[b], kuramoto_rhs(th[b], om[b], K[b]), rtol=0, atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jacobian_matches_autograd(seed):
    theta, omega, K = (torch.from_numpy(x) for x in _random_state(8, seed))
    J_auto = torch.autograd.functional.jacobian(lambda th: kuramoto_rhs(th, omega, K), theta)
    torch.testing.assert_close(kuramoto_jacobian(theta, K), J_auto, rtol=0, atol=1e-13)


def test_jacobian_symmetric_for_symmetric_K_with_zero_row_sums():
    theta, _, K = (torch.from_numpy(x) for x in _random_state(12, 5, density=0.7))
    J = kuramoto_jacobian(theta, K)
    torch.testing.assert_close(J, J.T, rtol=0, atol=0)
    torch.testing.assert_close(J.sum(-1), torch.zeros(12, dtype=torch.float64), rtol=0, atol=1e-13)
    torch.testing.assert_close(coupling_laplacian(theta, K), -J, rtol=0, atol=0)


def test_jacobian_ignores_a_nonzero_diagonal_of_K():
    theta, _, K = (torch.from_numpy(x) for x in _random_state(6, 3))
    K_diag = K + torch.diag(torch.arange(1.0, 7.0, dtype=torch.float64))
    torch.testing.assert_close(kuramoto_jacobian(theta, K_diag), kuramoto_jacobian(theta, K), rtol=0, atol=0)


# --------------------------------------------------------------------------------------------------
# Network validation
# --------------------------------------------------------------------------------------------------


def _pair(k: float = 1.0):
    return torch.zeros(2, dtype=torch.float64), torch.tensor([[0.0, k], [k, 0.0]], dtype=torch.float64)


def test_valid_network_is_accepted_and_converted_to_float64():
    net = Network(np.zeros(3, dtype=np.float32), [[0, 1, 0], [1, 0, 2], [0, 2, 0]], inputs=[0], outputs=[2])
    assert net.omega.dtype == torch.float64 and net.K.dtype == torch.float64
    assert net.N == 3 and net.inputs == (0,) and net.outputs == (2,) and net.hidden == (1,)
    assert net.edges.tolist() == [[0, 1], [1, 2]]


def test_asymmetric_K_is_rejected():
    with pytest.raises(ValueError, match="symmetric"):
        Network(torch.zeros(2), [[0.0, 1.0], [1.5, 0.0]])


def test_negative_K_is_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        Network(*_pair(-1.0))


def test_nonzero_diagonal_is_rejected():
    with pytest.raises(ValueError, match="zero diagonal"):
        Network(torch.zeros(2), [[1.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize(
    ("omega", "K", "match"),
    [
        (torch.zeros(3), torch.zeros(2, 2), r"K must have shape \(3, 3\)"),
        (torch.zeros(2), torch.zeros(2, 3), r"K must have shape \(2, 2\)"),
        (torch.zeros(2, 2), torch.zeros(2, 2), r"omega must have shape \(N,\)"),
        (torch.tensor(0.0), torch.zeros(1, 1), r"omega must have shape \(N,\)"),
    ],
)
def test_wrong_shapes_are_rejected(omega, K, match):
    with pytest.raises(ValueError, match=match):
        Network(omega, K)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"inputs": (0, 2)}, r"inputs has node indices out of range \[0, 2\): \[2\]"),
    ({"outputs": (-1,)}, r"outputs has node indices out of range \[0, 2\): \[-1\]"),
    ({"pinned": 5}, r"pinned=5 is not a node index"),
])
def test_out_of_range_indices_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Network(*_pair(), **kwargs)


@pytest.mark.parametrize("where", ["omega", "K"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_are_rejected(where, bad):
    omega, K = _pair()
    if where == "omega":
        omega[1] = bad
    else:
        K[0, 1] = K[1, 0] = bad
    with pytest.raises(ValueError, match="finite"):
        Network(omega, K)


# --------------------------------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------------------------------


def test_layered_network_structure():
    net = layered_network(2, 5, 2, seed=0)
    ins, hid, outs = (0, 1), (2, 3, 4, 5, 6), (7, 8)
    assert net.N == 9 and net.inputs == ins and net.outputs == outs and net.hidden == hid and net.pinned == 0
    assert net.edges.shape[0] == 24  # 2·5 + 5·2 + 4 chain edges
    expected = {frozenset(e) for e in itertools.product(ins, hid)}
    expected |= {frozenset(e) for e in itertools.product(hid, outs)}
    expected |= {frozenset(e) for e in itertools.pairwise(hid)}
    assert {frozenset(e) for e in net.edges.tolist()} == expected
    assert torch.equal(net.K, net.K.T)
    free = list(hid + outs)
    assert (net.omega[list(ins)] == 0).all()
    assert (net.omega[free] != 0).all() and (net.omega[free].abs() < 0.3).all()
    assert int((net.omega != 0).sum()) == 7


def test_layered_network_coupling_ranges():
    """Across layers K = 2·U(0.5, 1.5) ∈ [1, 3] (mean 2); hidden chain K = 2·U(0.5, 1.0) ∈ [1, 2] (mean 1.5)."""
    layer, chain = [], []
    for seed in range(100):
        net = layered_network(2, 5, 2, seed=seed)
        for i, j in net.edges.tolist():
            (chain if (i in net.hidden and j in net.hidden) else layer).append(float(net.K[i, j]))
    layer, chain = np.array(layer), np.array(chain)
    assert layer.size == 100 * 20 and chain.size == 100 * 4
    assert 1.0 <= layer.min() and layer.max() <= 3.0 and layer.max() > 2.9 and layer.min() < 1.1
    assert 1.0 <= chain.min() and chain.max() <= 2.0 and chain.max() > 1.95 and chain.min() < 1.05
    assert abs(layer.mean() - 2.0) < 0.05 and abs(chain.mean() - 1.5) < 0.05


@pytest.mark.parametrize("N", [2, 6, 20, 200])
def test_random_network_connected_and_symmetric(N):
    net = random_network(N, seed=N)
    K = net.K.numpy()
    np.testing.assert_array_equal(K, K.T)
    assert (np.diag(K) == 0).all() and (K >= 0).all()
    n_comp, _ = connected_components(csr_matrix(K > 0), directed=False)
    assert n_comp == 1
    w = K[K > 0]
    assert w.min() >= 0.5 and w.max() <= 1.5
    assert net.outputs == (N - 2, N - 1) and net.inputs == (0,) and net.pinned == 0
    assert (net.omega.abs() <= 0.3).all()


def test_random_network_connected_even_with_no_random_edges():
    net = random_network(30, p_edge=0.0, seed=1)
    assert net.edges.shape[0] == 29  # the spanning path only
    assert connected_components(csr_matrix(net.K.numpy() > 0), directed=False)[0] == 1


def test_random_network_rejects_bad_arguments():
    with pytest.raises(ValueError, match="N must be >= 2"):
        random_network(1)
    with pytest.raises(ValueError, match="p_edge"):
        random_network(5, p_edge=1.5)
    with pytest.raises(ValueError, match="layer sizes"):
        layered_network(0, 5, 2)


@pytest.mark.parametrize("build", [lambda s: random_network(25, seed=s), lambda s: layered_network(seed=s)])
def test_same_seed_same_network(build):
    a, b, c = build(3), build(3), build(4)
    assert torch.equal(a.omega, b.omega) and torch.equal(a.K, b.K)
    assert (a.inputs, a.outputs, a.pinned) == (b.inputs, b.outputs, b.pinned)
    assert not torch.equal(a.omega, c.omega)


# --------------------------------------------------------------------------------------------------
# save / load
# --------------------------------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path):
    net = layered_network(seed=7)
    path = net.save(tmp_path / "sub" / "net.npz")
    assert path == tmp_path / "sub" / "net.npz" and path.is_file()
    back = Network.load(path)
    assert torch.equal(back.omega, net.omega) and torch.equal(back.K, net.K)
    assert (back.inputs, back.outputs, back.pinned, back.hidden) == (net.inputs, net.outputs, net.pinned, net.hidden)
    assert [p.name for p in path.parent.iterdir()] == ["net.npz"]  # no temp file left behind


def test_load_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        Network.load(missing)


def test_load_without_required_arrays_says_which(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, omega=np.zeros(3))
    with pytest.raises(ValueError, match=r"missing arrays \['K'\]"):
        Network.load(path)


def test_load_validates_like_the_constructor(tmp_path):
    path = tmp_path / "asym.npz"
    np.savez(path, omega=np.zeros(2), K=np.array([[0.0, 1.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="symmetric"):
        Network.load(path)


def test_spectral_seed_scales_to_the_peak_and_separates_the_outputs():
    from resonant.ep.network import spectral_seed

    net = layered_network(seed=3)
    om = spectral_seed(net, scale=0.3)
    free = [i for i in range(net.N) if i not in net.inputs]
    assert float(om[free].abs().max()) == pytest.approx(0.3)
    assert torch.equal(om[list(net.inputs)], net.omega[list(net.inputs)])
    o1, o2 = net.outputs
    assert om[o1] > 0 > om[o2]  # the seed pushes the two outputs apart
    # proportional (positive factor) to the free entries of L̃⁻¹(e1 − e2), computed independently with numpy
    Kn = net.K.numpy()
    Ln = np.diag(Kn.sum(1)) - Kn
    red = [i for i in range(net.N) if i != net.pinned]
    e = np.zeros(net.N)
    e[o1], e[o2] = 1.0, -1.0
    v = np.zeros(net.N)
    v[red] = np.linalg.solve(Ln[np.ix_(red, red)], e[red])
    ratio = om.numpy()[free] / v[free]
    assert np.allclose(ratio, ratio[0]) and ratio[0] > 0
