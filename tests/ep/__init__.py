"""Tests of :mod:`resonant.ep` (equilibrium propagation on Kuramoto networks)."""
