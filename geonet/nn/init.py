"""Weight initialisation by activation, from a caller's ``np.random.Generator``.

W(l) has shape (n_l, n_{l−1}).  Xavier/Glorot (sigmoid, tanh, outputs):
W ~ N(0, 2 / (n_{l−1} + n_l)).  He (relu, leaky_relu): W ~ N(0, 2 / n_{l−1}).  Biases start at 0.
Draws are made in float64 and then cast, so float32 and float64 nets from one seed agree.
"""

from __future__ import annotations

import numpy as np


def xavier(rng: np.random.Generator, n_out: int, n_in: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


def he(rng: np.random.Generator, n_out: int, n_in: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


INITS = {"xavier": xavier, "he": he}
