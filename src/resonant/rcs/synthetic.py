"""A synthetic bonded population: the workload of the scaling benchmark and of RCS claim 11.

N driven oscillators (phases uniform, frequencies U(0.6, 4.5) Hz, drive that never ends), M = N/100
carriers (|c| = 0.3, random phase and frequency, gates W = π) and d bonds of strength P0 per
oscillator to uniformly random carriers, written directly into the engine state (no stream, no
recruitment), so nnz(P) = d·N from the first step.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from resonant.rcs.config import RCSConfig
from resonant.rcs.engine import Engine

TWO_PI = 2 * math.pi


def bonded_population(
    N: int,
    *,
    d: int = 4,
    oscillators_per_carrier: int = 100,
    P0: float = 0.5,
    rng: np.random.Generator | int = 0,
    seed: int = 0,
    config: RCSConfig | None = None,
    backend: str = "auto",
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float64,
) -> Engine:
    """An :class:`Engine` holding N oscillators, max(1, N // oscillators_per_carrier) carriers and d bonds each.

    ``rng`` (a generator or an integer seed) draws the population; ``seed`` seeds the engine.
    """
    if N < 1 or d < 1 or oscillators_per_carrier < 1:
        raise ValueError(f"N, d and oscillators_per_carrier must be ≥ 1, got N={N}, d={d}, "
                         f"oscillators_per_carrier={oscillators_per_carrier}")
    if not P0 > 0:
        raise ValueError(f"P0 must be > 0, got {P0}")
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    M = max(1, N // oscillators_per_carrier)
    e = Engine(config or RCSConfig(), seed=seed, backend=backend, device=device, dtype=dtype)
    s = e.state
    f = dict(dtype=dtype, device=device)
    s.append_oscillators(
        phi=torch.tensor(rng.uniform(0, TWO_PI, N), **f),
        omega=torch.tensor(TWO_PI * rng.uniform(0.6, 4.5, N), **f),
        A=torch.ones(N, **f), I=torch.ones(N, **f), t_end=torch.full((N,), 1e9, **f),
        label=torch.full((N,), -1, dtype=torch.int64, device=device),
    )
    z = torch.zeros(M, **f)
    s.append_carriers(
        c=torch.polar(torch.full((M,), 0.3, **f), torch.tensor(rng.uniform(0, TWO_PI, M), **f)),
        omega_k=torch.tensor(TWO_PI * rng.uniform(0.6, 4.5, M), **f), W=torch.full((M,), math.pi, **f),
        I_ema=z + 0.2, D=z + 1.0, D_ema=z + 1.0, unstable_ema=z, last_unstable=z - 1e3, low_time=z, birth_time=z,
        refractory_until=z, u_abs_acc=z,
    )
    car = np.stack([rng.integers(0, M, N) for _ in range(d)], axis=1).reshape(-1)
    s.append_edges(torch.tensor(np.repeat(np.arange(N), d), device=device), torch.tensor(car, device=device),
                   torch.full((N * d,), P0, **f))
    return e
