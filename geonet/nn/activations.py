"""Activation functions σ and their derivatives σ', side by side, looked up by name.

Every function works on a batch-major array ``z`` of shape (n, n_l) (rows are samples) and
writes into ``out`` (same shape), so the training loop can reuse preallocated buffers.
``value(z, out)`` computes a = σ(z); ``prime(z, a, out)`` computes σ'(z), given a = σ(z) too,
because several derivatives are cheapest in terms of a (sigmoid: a(1−a); tanh: 1−a²).
``value`` may be called with ``out is z`` (in place).

Output activations (used for the last layer) additionally need ``jvp(z, a, g, out)``, the
product of the Jacobian ∂a/∂z with an upstream gradient g = ∂C/∂a, giving δ = ∂C/∂z.
For an elementwise σ this is g ⊙ σ'(z); softmax couples a row's outputs, so its Jacobian
diag(a) − a aᵀ is applied row by row: δ = a ⊙ (g − Σ_j g_j a_j).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

LEAKY_SLOPE = 0.01


# --- sigmoid: σ(z) = 1 / (1 + e^−z) = ½ tanh(z/2) + ½ (the tanh form never overflows) -------
def sigmoid(z, out):
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5  # σ(z) = ½ tanh(z/2) + ½
    return out


def sigmoid_prime(z, a, out):
    np.subtract(1.0, a, out=out)
    out *= a  # σ'(z) = σ(z)(1 − σ(z))
    return out


# --- tanh ------------------------------------------------------------------------------------
def tanh(z, out):
    return np.tanh(z, out=out)  # σ(z) = tanh z


def tanh_prime(z, a, out):
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)  # σ'(z) = 1 − tanh² z
    return out


# --- relu ------------------------------------------------------------------------------------
def relu(z, out):
    # against the Python scalar 0.0: NumPy 2 runs that loop vectorised, 20-25% faster than against a
    # broadcast row of zeros (which NumPy 1 needed to avoid a slow scalar path)
    return np.maximum(z, 0.0, out=out)  # σ(z) = max(z, 0)


def relu_prime(z, a, out):
    return np.greater(z, 0.0, out=out)  # σ'(z) = 1 if z > 0 else 0  (out may be a bool mask)


# --- leaky relu ------------------------------------------------------------------------------
def leaky_relu(z, out):
    return np.maximum(z, LEAKY_SLOPE * z, out=out)  # σ(z) = max(z, 0.01 z)


def leaky_relu_prime(z, a, out):
    np.greater(z, 0.0, out=out)
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE  # σ'(z) = 1 if z > 0 else 0.01
    return out


# --- identity (regression output) ------------------------------------------------------------
def identity(z, out):
    if out is not z:
        np.copyto(out, z)  # σ(z) = z
    return out


def identity_prime(z, a, out):
    out.fill(1.0)  # σ'(z) = 1
    return out


# --- softmax (class output): a_j = e^{z_j} / Σ_k e^{z_k}, per row ------------------------------
@lru_cache(maxsize=None)
def _column(k: int, value: float, dtype) -> np.ndarray:
    """A constant (k, 1) column: row means and row sums as matmuls, faster than reductions."""
    column = np.full((k, 1), value, dtype)
    column.flags.writeable = False
    return column


def softmax(z, out):
    k = z.shape[1]
    # softmax is shift-invariant per row.  With every z in [−64, 64], e^z and its row sums stay far
    # inside float32's range, so no shift is needed (two whole-array reductions are cheaper than
    # any per-row one); otherwise subtract each row's max, so the largest e^z is 1
    if z.max() > 64.0 or z.min() < -64.0:
        np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
    else:
        np.exp(z, out=out)
    out /= out @ _column(k, 1.0, out.dtype)  # a = e^z / Σ e^z
    return out


def elementwise_jvp(prime: Callable) -> Callable:
    """δ = g ⊙ σ'(z) for an elementwise σ."""

    def jvp(z, a, g, out):  # out may be g itself
        return np.multiply(g, prime(z, a, np.empty_like(z)), out=out)  # δ = ∂C/∂a ⊙ σ'(z)

    return jvp


def softmax_jvp(z, a, g, out):
    """δ = (diag(a) − a aᵀ) g per row = a ⊙ (g − Σ_j g_j a_j).  z, a, g, out: (n, k)."""
    ga = np.einsum("ij,ij->i", g, a)[:, None]  # Σ_j g_j a_j, shape (n, 1)
    np.subtract(g, ga, out=out)
    out *= a  # δ = a ⊙ (∂C/∂a − (∂C/∂a · a))
    return out


@dataclass(frozen=True)
class Activation:
    """A hidden-layer activation: its value, its derivative and the weight init that suits it."""

    name: str
    value: Callable  # (z, out) -> out = σ(z)
    prime: Callable  # (z, a, out) -> out = σ'(z)
    init: str  # a scheme of geonet.nn.init.INITS
    # σ' takes only the values 0 and 1: the workspace keeps it as a bool mask (¼ of the memory
    # traffic of a float array); δ ⊙ mask is the same product
    prime_is_mask: bool = False


@dataclass(frozen=True)
class Output:
    """An output-layer activation: its value, the product δ = (∂a/∂z)ᵀ ∂C/∂a, and its natural cost."""

    name: str
    value: Callable  # (z, out) -> out = σ(z)
    jvp: Callable  # (z, a, g, out) -> out = (∂a/∂z)ᵀ g
    cost: str  # the cost implied by this output (see geonet.nn.costs.COSTS)
    init: str = "glorot_uniform"


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime, "xavier"),
    "tanh": Activation("tanh", tanh, tanh_prime, "xavier"),
    "relu": Activation("relu", relu, relu_prime, "glorot_uniform", prime_is_mask=True),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_prime, "glorot_uniform"),
    "identity": Activation("identity", identity, identity_prime, "xavier"),
}

OUTPUTS: dict[str, Output] = {
    "softmax": Output("softmax", softmax, softmax_jvp, "cross_entropy"),
    "identity": Output("identity", identity, elementwise_jvp(identity_prime), "mse"),
    "sigmoid": Output("sigmoid", sigmoid, elementwise_jvp(sigmoid_prime), "quadratic"),
}


def lookup(table: dict, name: str, what: str):
    """``table[name]`` or a ValueError listing the valid names."""
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown {what} {name!r}; choose one of {sorted(table)}") from None
