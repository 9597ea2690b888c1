"""Readouts of the RCS observation interface (§7.3-7.4): consumers of ``observe()`` snapshots.

Outputs measure resonance; they do not participate in it (§7.1). Nothing here is imported by an
engine, and nothing here writes engine state:

* :mod:`classification` -- the fixed-length carrier configuration h(t) (eq. 34a) and the eq. (34)
  prototype classifier (a scikit-learn estimator);
* :mod:`prediction` -- the state-transition model x(t) ↦ x(t + Δt) (§7.4), the persistence baseline, and
  :class:`~resonant.readouts.prediction.FeatureRecorder` (a recorder that keeps a feature of each snapshot);
* :mod:`structure` -- hard assignments from eq. (33) and the adjusted Rand index.
"""

from resonant.readouts.classification import (
    CarrierFeatureConfig,
    CarrierPrototypeClassifier,
    carrier_features,
    carrier_histogram,
    prototype_scores,
    segment_features,
)
from resonant.readouts.prediction import (
    FeatureRecorder,
    TransitionModel,
    persistence_baseline,
    persistence_error,
    transition_errors,
    transition_pairs,
)
from resonant.readouts.structure import (
    UNASSIGNED,
    adjusted_rand_index,
    hard_assignments,
    hard_assignments_sparse,
    observation_assignments,
)

__all__ = [
    "UNASSIGNED",
    "CarrierFeatureConfig",
    "CarrierPrototypeClassifier",
    "FeatureRecorder",
    "TransitionModel",
    "adjusted_rand_index",
    "carrier_features",
    "carrier_histogram",
    "hard_assignments",
    "hard_assignments_sparse",
    "observation_assignments",
    "persistence_baseline",
    "persistence_error",
    "prototype_scores",
    "segment_features",
    "transition_errors",
    "transition_pairs",
]
