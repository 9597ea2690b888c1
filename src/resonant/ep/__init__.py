"""Equilibrium propagation for natural-frequency learning in Kuramoto networks (arXiv 2604.10272).

* :mod:`network` -- networks (dense symmetric coupling, any topology), builders, save/load;
* :mod:`solver` -- batched, gauge-fixed Newton solver for equilibria with stability checks;
* :mod:`gradients` -- ∂L/∂ω and ∂L/∂K by two-phase EP, the implicit-function theorem, finite
  differences and autograd through the equilibrium.
"""

from resonant.ep.gradients import (
    analytic_gradients,
    autograd_gradients,
    ep_gradients,
    finite_difference_gradients,
)
from resonant.ep.network import Network, layered_network, random_network
from resonant.ep.solver import EquilibriumResult, solve_equilibrium

__all__ = [
    "EquilibriumResult",
    "Network",
    "analytic_gradients",
    "autograd_gradients",
    "ep_gradients",
    "finite_difference_gradients",
    "layered_network",
    "random_network",
    "solve_equilibrium",
]
