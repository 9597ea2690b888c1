"""Kuramoto networks for equilibrium propagation: symmetric coupling on any topology.

A :class:`Network` holds N natural frequencies ω, a symmetric non-negative coupling matrix K
(zero = no edge), and the indices of input and output nodes. Builders give the paper's layered
architecture (2 input + 5 hidden + 2 output, 24 edges) and random graphs; users can build one from
their own arrays and save/load it as ``.npz``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from resonant.core.checkpoint import atomic_write


@dataclass
class Network:
    """A Kuramoto network dθ_i/dt = ω_i + Σ_j K_ij sin(θ_j − θ_i).

    Attributes:
        omega: natural frequencies, shape (N,) (float64).
        K: symmetric coupling, shape (N, N), zero diagonal, K_ij ≥ 0 (0 = no edge).
        inputs: indices of input nodes (their ω is set from the data: ω = input_scale·x).
        outputs: indices of output nodes (the loss reads their phases).
        pinned: the node whose phase is fixed to 0 (gauge), default the first input.
    """

    omega: torch.Tensor
    K: torch.Tensor
    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()
    pinned: int = 0
    edge_mask: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        self.omega = torch.as_tensor(self.omega, dtype=torch.float64)
        self.K = torch.as_tensor(self.K, dtype=torch.float64)
        if self.omega.ndim != 1:
            raise ValueError(f"omega must have shape (N,), got {tuple(self.omega.shape)}")
        N = self.omega.shape[0]
        if self.K.shape != (N, N):
            raise ValueError(f"K must have shape ({N}, {N}), got {tuple(self.K.shape)}")
        if not torch.isfinite(self.K).all() or not torch.isfinite(self.omega).all():
            raise ValueError("omega and K must be finite")
        if not torch.allclose(self.K, self.K.T, atol=0, rtol=0):
            raise ValueError("K must be symmetric (the EP gradient identity needs K_ij = K_ji)")
        if (self.K < 0).any():
            raise ValueError("K must be non-negative")
        if (torch.diagonal(self.K) != 0).any():
            raise ValueError("K must have a zero diagonal")
        for name in ("inputs", "outputs"):
            idx = tuple(int(i) for i in getattr(self, name))
            bad = [i for i in idx if not 0 <= i < N]
            if bad:
                raise ValueError(f"{name} has node indices out of range [0, {N}): {bad}")
            setattr(self, name, idx)
        if not 0 <= self.pinned < N:
            raise ValueError(f"pinned={self.pinned} is not a node index in [0, {N})")
        self.edge_mask = self.K > 0

    @property
    def N(self) -> int:
        return self.omega.shape[0]

    @property
    def edges(self) -> torch.Tensor:
        """Upper-triangle edge list (E, 2)."""
        return torch.nonzero(torch.triu(self.edge_mask, 1))

    @property
    def hidden(self) -> tuple[int, ...]:
        io = set(self.inputs) | set(self.outputs)
        return tuple(i for i in range(self.N) if i not in io)

    def save(self, path: str | Path) -> Path:
        """Write the network as .npz (atomically)."""
        def _w(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, omega=self.omega.numpy(), K=self.K.numpy(), inputs=np.array(self.inputs, dtype=int),
                         outputs=np.array(self.outputs, dtype=int), pinned=np.array(self.pinned))
        return atomic_write(path, _w)

    @classmethod
    def load(cls, path: str | Path) -> Network:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"network file not found: {str(path)!r}")
        with np.load(path) as d:
            missing = {"omega", "K"} - set(d.files)
            if missing:
                raise ValueError(f"{path}: missing arrays {sorted(missing)}")
            return cls(torch.from_numpy(d["omega"]), torch.from_numpy(d["K"]),
                       tuple(d["inputs"].tolist()) if "inputs" in d.files else (),
                       tuple(d["outputs"].tolist()) if "outputs" in d.files else (),
                       int(d["pinned"]) if "pinned" in d.files else 0)


def layered_network(
    n_in: int = 2, n_hidden: int = 5, n_out: int = 2, seed: int = 0, omega_scale: float = 0.3,
    chain: bool = True,
) -> Network:
    """The paper's layered architecture: inputs↔hidden and hidden↔outputs all-to-all with
    K = 2·U(0.5, 1.5), plus a hidden chain h_k↔h_{k+1} with K = 2·U(0.5, 1.0) (24 edges for 2+5+2).
    Hidden and output ω start U(−omega_scale, omega_scale); input ω start at 0 (set from data)."""
    if min(n_in, n_hidden, n_out) < 1:
        raise ValueError(f"layer sizes must be >= 1, got {(n_in, n_hidden, n_out)}")
    g = torch.Generator().manual_seed(seed)
    N = n_in + n_hidden + n_out
    ins = list(range(n_in))
    hid = list(range(n_in, n_in + n_hidden))
    outs = list(range(n_in + n_hidden, N))
    K = torch.zeros(N, N, dtype=torch.float64)

    def u(lo: float, hi: float) -> float:
        return float(lo + (hi - lo) * torch.rand((), generator=g, dtype=torch.float64))

    for i in ins:
        for h in hid:
            K[i, h] = K[h, i] = 2 * u(0.5, 1.5)
    for h in hid:
        for o in outs:
            K[h, o] = K[o, h] = 2 * u(0.5, 1.5)
    if chain:
        for a, b in itertools.pairwise(hid):
            K[a, b] = K[b, a] = 2 * u(0.5, 1.0)
    omega = torch.zeros(N, dtype=torch.float64)
    free = hid + outs
    omega[free] = (2 * torch.rand(len(free), generator=g, dtype=torch.float64) - 1) * omega_scale
    return Network(omega, K, tuple(ins), tuple(outs), pinned=ins[0])


def random_network(
    N: int, p_edge: float | None = None, seed: int = 0, k_range: tuple[float, float] = (0.5, 1.5),
    omega_scale: float = 0.3, n_out: int = 2,
) -> Network:
    """A connected random graph (Erdős–Rényi plus a random spanning path so it is connected)
    with K ~ U(k_range) on edges, ω ~ U(−omega_scale, omega_scale); the last ``n_out`` nodes are outputs.
    The default p_edge = 3/(N − 1) is drawn for (i, j) and (j, i) and symmetrised by OR, so a pair is an edge
    with probability ≈ 2·p_edge: with the spanning path, a mean degree of about 8 for large N (7.2 at N = 20,
    8.0 at N = 200); sparse, E = O(N)."""
    if N < 2:
        raise ValueError(f"N must be >= 2, got {N}")
    if p_edge is None:
        p_edge = min(1.0, 3.0 / max(N - 1, 1))
    if not 0 <= p_edge <= 1:
        raise ValueError(f"p_edge must be in [0, 1], got {p_edge}")
    g = torch.Generator().manual_seed(seed)
    A = torch.rand(N, N, generator=g, dtype=torch.float64) < p_edge
    perm = torch.randperm(N, generator=g)
    A[perm[:-1], perm[1:]] = True  # a spanning path: connected
    A = A | A.T
    A = torch.triu(A, 1)
    A = A | A.T
    lo, hi = k_range
    W = lo + (hi - lo) * torch.rand(N, N, generator=g, dtype=torch.float64)
    W = torch.triu(W, 1)
    K = torch.where(A, W + W.T, torch.zeros_like(W))
    omega = (2 * torch.rand(N, generator=g, dtype=torch.float64) - 1) * omega_scale
    return Network(omega, K, inputs=(0,), outputs=tuple(range(N - n_out, N)), pinned=0)


def spectral_seed(net: Network, scale: float = 0.3) -> torch.Tensor:
    """Spectral seeding of the free frequencies (method notes): ω = α L̃⁻¹ (e_out1 − e_out2) on the
    non-input nodes, L̃ the reduced coupling Laplacian at θ = 0, α > 0 chosen so that max |ω| = scale.

    This makes the initial network respond to its two outputs with opposite signs; input ω are left
    as they are (they are set from the data). Needs exactly two outputs.
    """
    if len(net.outputs) != 2:
        raise ValueError(f"spectral seeding needs exactly two outputs, got {len(net.outputs)}")
    N = net.N
    red = [i for i in range(N) if i != net.pinned]
    L = torch.diag(net.K.sum(-1)) - net.K
    e = torch.zeros(N, dtype=torch.float64)
    e[net.outputs[0]], e[net.outputs[1]] = 1.0, -1.0
    v = torch.zeros(N, dtype=torch.float64)
    v[red] = torch.linalg.solve(L[red][:, red], e[red])
    free = [i for i in range(N) if i not in net.inputs]
    omega = net.omega.clone()
    peak = float(v[free].abs().max())
    if peak == 0:
        raise ValueError("spectral seed is zero: the outputs are not coupled to the free nodes")
    omega[free] = v[free] * (scale / peak)
    return omega
