"""From class probabilities to a decision, and class weights, using the FORCE 2020 penalty matrix.

The competition scores a prediction j of a sample whose true class is i by −A[i, j]. Given the
network's probabilities p (one row per sample), the prediction with the least *expected* penalty is

    ĵ = argmin_j Σ_i p_i A[i, j]

(Bayes decision rule for the cost matrix A). With A = 1 − I it is the usual argmax of p.
"""

from __future__ import annotations

import numpy as np

from geonet.errors import ConfigError
from geonet.train.lithology import code_indices, penalty_matrix

DECISIONS = ("argmax", "min_penalty")


def class_penalty_matrix(classes) -> np.ndarray:
    """The FORCE cost matrix restricted to ``classes`` (label codes, in output-unit order), (k, k).

    Raises :class:`ConfigError` when a class is not a FORCE lithology code.
    """
    try:
        idx = code_indices(classes)
    except ValueError as exc:
        raise ConfigError(f"the penalty matrix needs FORCE lithology classes: {exc}") from None
    return np.asarray(penalty_matrix()[np.ix_(idx, idx)], dtype=np.float64)


def min_penalty_decisions(proba: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Index of the least expected-cost class per row: argmin_j Σ_i p_i A[i, j].

    ``proba``: (n, k) class probabilities; ``cost``: (k, k), rows = true, columns = predicted.
    Returns (n,) int64.
    """
    expected = np.asarray(proba, dtype=np.float64) @ cost  # E[A | x]_j = Σ_i p_i A[i, j]
    return expected.argmin(axis=1).astype(np.int64)


def penalty_class_weights(classes) -> np.ndarray:
    """Weight per class ∝ the mean penalty of mistaking it for another class (mean 1), (k,).

    Cross-entropy weighted by w_i approximates a loss in which missing class i costs w_i; these
    weights make that cost the class's average off-diagonal penalty, so rarely-confused, costly
    classes count more — without re-balancing class frequencies (the score does not).
    """
    cost = class_penalty_matrix(classes)
    k = len(cost)
    if k < 2:
        return np.ones(k)
    miss = cost.sum(axis=1) / (k - 1)
    return miss / miss.mean()
