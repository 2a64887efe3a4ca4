"""Costs C(a, y) per sample and their gradients ∂C/∂a, looked up by name.

``a`` is the network output a(L) and ``y`` the target, both (n, n_out) and batch-major; class
labels are given as one-hot rows.  ``value(a, y)`` returns the per-sample cost, shape (n,);
``grad(a, y, out)`` writes ∂C/∂a, shape (n, n_out).  The network's loss is the (weighted) mean
of the per-sample costs over the samples.

``SHORTCUTS`` holds the named special cases where δ(L) = ∂C/∂a ⊙ σ'(z) simplifies to a − y
(softmax with cross-entropy; identity output with a squared error); the tests prove each equals
the general path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def quadratic(a, y):
    d = a - y
    return 0.5 * np.einsum("ij,ij->i", d, d)  # C = ½ ‖a − y‖²


def quadratic_grad(a, y, out):
    return np.subtract(a, y, out=out)  # ∂C/∂a = a − y


def cross_entropy(a, y):
    tiny = np.finfo(a.dtype).tiny
    return -np.einsum("ij,ij->i", y, np.log(np.maximum(a, tiny)))  # C = −Σ_j y_j ln a_j


def cross_entropy_grad(a, y, out):
    tiny = np.finfo(a.dtype).tiny
    np.divide(y, np.maximum(a, tiny), out=out)
    return np.negative(out, out=out)  # ∂C/∂a_j = −y_j / a_j


def delta_a_minus_y(a, y, out):
    """δ(L) = a − y: softmax + cross-entropy, or identity + squared error."""
    return np.subtract(a, y, out=out)


@dataclass(frozen=True)
class Cost:
    name: str
    value: Callable  # (a, y) -> (n,) per-sample cost
    grad: Callable  # (a, y, out) -> out = ∂C/∂a, (n, n_out)


COSTS: dict[str, Cost] = {
    "quadratic": Cost("quadratic", quadratic, quadratic_grad),
    # mse is the quadratic cost under its regression name: C = ½ Σ_j (a_j − y_j)² per sample
    "mse": Cost("mse", quadratic, quadratic_grad),
    "cross_entropy": Cost("cross_entropy", cross_entropy, cross_entropy_grad),
}

# (output, cost) -> δ(L) computed directly, skipping ∂C/∂a and the Jacobian product
SHORTCUTS: dict[tuple[str, str], Callable] = {
    ("softmax", "cross_entropy"): delta_a_minus_y,  # (diag a − a aᵀ)(−y/a) = a − y  when Σ y = 1
    ("identity", "mse"): delta_a_minus_y,  # σ'(z) = 1
    ("identity", "quadratic"): delta_a_minus_y,
}


def add_l2_gradient(theta: np.ndarray, grad: np.ndarray, l2: float, n_w: int, buf: np.ndarray,
                    lo: int = 0, hi: int | None = None) -> None:
    """grad[lo:hi] += λ θ[lo:hi] over the weights θ[:n_w] only (biases are not decayed): the
    gradient of the L2 term ½ λ Σ‖W(l)‖².  ``buf``: scratch like θ.  Every training path (``fit``,
    its threads, its helper process) adds it with this one function, so their updates agree to the bit."""
    hi = n_w if hi is None else min(hi, n_w)
    if lo < hi:
        np.multiply(theta[lo:hi], l2, out=buf[lo:hi])
        grad[lo:hi] += buf[lo:hi]  # ∂/∂W (½ λ ‖W‖²) = λ W


def row_costs(output: str, cost: str, a: np.ndarray, y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[i]`` = C(a_i, y_i) in float64 for rows of a(L) and their targets: the epoch's training
    loss per row.  Named special case: with one-hot y under softmax and cross-entropy, C = −ln a_y
    (one row-dot instead of a log of every a_j)."""
    if (output, cost) == ("softmax", "cross_entropy"):
        a_y = np.einsum("ij,ij->i", a, y)  # exact (y is one-hot); in a's dtype: 2× faster than into float64
        np.maximum(a_y, np.finfo(a.dtype).tiny, out=out)
        np.log(out, out=out)
        return np.negative(out, out=out)  # C = −ln a_y
    out[...] = COSTS[cost].value(a, y)  # C(a(L), y) per row
    return out
