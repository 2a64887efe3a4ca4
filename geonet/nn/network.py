"""The network: sizes, activations, and all parameters in one flat array.

``Network([n_0, n_1, ..., n_L], activation, output)`` has L layers; W(l) is (n_l, n_{l−1}) and
b(l) is (n_l,) as in the chapter.  ``params`` is one flat array laid out as
[W(1), ..., W(L), b(1), ..., b(L)]; ``weights`` and ``biases`` are views into it, so an
optimiser updates every layer with a few whole-array calls and L2 decay touches ``params[:n_weights]``.

Inputs X are (n, n_0), rows are samples.  Targets Y: class indices (n,) in [0, n_L) for a
softmax output; floats (n, n_L) otherwise ((n,) accepted when n_L == 1).
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .activations import ACTIVATIONS, OUTPUTS, lookup
from .backprop import Workspace
from .costs import COSTS
from .init import INITS

DTYPES = ("float32", "float64")


class Network:
    """A fully connected feed-forward network (multilayer perceptron)."""

    def __init__(
        self,
        sizes,
        activation: str = "relu",
        output: str = "softmax",
        cost: str | None = None,
        dtype: str = "float32",
        rng: np.random.Generator | None = None,
        params: np.ndarray | None = None,
    ):
        self.sizes = tuple(int(n) for n in sizes)
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes must list ≥ 2 positive layer widths, got {list(sizes)}")
        self.activation = lookup(ACTIVATIONS, activation, "activation").name
        self.output = lookup(OUTPUTS, output, "output").name
        self.cost = lookup(COSTS, cost or OUTPUTS[output].cost, "cost").name
        if str(np.dtype(dtype)) not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        self.dtype = np.dtype(dtype)
        self.shapes = [(n, m) for m, n in zip(self.sizes[:-1], self.sizes[1:])]  # W(l): (n_l, n_{l−1})
        self.n_weights = sum(n * m for n, m in self.shapes)
        self.params = np.zeros(self.n_weights + sum(self.sizes[1:]), self.dtype)
        self.weights = self._weight_views(self.params)
        self.biases = self._bias_views(self.params)
        if params is not None:
            params = np.asarray(params)
            if params.shape != self.params.shape:
                raise ModelError(f"expected {self.params.size} parameters, got shape {params.shape}")
            self.params[...] = params
        else:
            rng = np.random.default_rng() if rng is None else rng
            for l, (n, m) in enumerate(self.shapes):
                kind = OUTPUTS[self.output].init if l == len(self.shapes) - 1 else ACTIVATIONS[self.activation].init
                self.weights[l][...], self.biases[l][...] = INITS[kind](rng, n, m)

    # -- layout -----------------------------------------------------------------------------
    def _weight_views(self, flat: np.ndarray) -> list[np.ndarray]:
        views, start = [], 0
        for n, m in self.shapes:
            views.append(flat[start : start + n * m].reshape(n, m))
            start += n * m
        return views

    def _bias_views(self, flat: np.ndarray) -> list[np.ndarray]:
        bounds = np.cumsum((self.n_weights,) + self.sizes[1:])
        return [flat[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]

    def segments(self) -> tuple[list[str], np.ndarray]:
        """Names "W1".."WL","b1".."bL" and the start offset of each in ``params``."""
        L = len(self.shapes)
        names = [f"W{l}" for l in range(1, L + 1)] + [f"b{l}" for l in range(1, L + 1)]
        sizes = [n * m for n, m in self.shapes] + list(self.sizes[1:])
        return names, np.concatenate(([0], np.cumsum(sizes)[:-1]))

    @property
    def n_layers(self) -> int:
        """L, the number of weight layers."""
        return len(self.shapes)

    def __repr__(self) -> str:
        return (f"Network({list(self.sizes)}, activation={self.activation!r}, output={self.output!r}, "
                f"cost={self.cost!r}, dtype={str(self.dtype)!r})")

    # -- data -------------------------------------------------------------------------------
    def inputs(self, X) -> np.ndarray:
        """X as a 2-D array (n, n_0); a wrong width raises ModelError."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ModelError(f"network expects inputs of shape (n, {self.sizes[0]}), got {X.shape}")
        return X

    def targets(self, Y) -> np.ndarray:
        """Y as a float target matrix (n, n_L) in the network's dtype (one-hot for softmax)."""
        Y = np.asarray(Y)
        k = self.sizes[-1]
        if self.output == "softmax":
            if Y.ndim != 1 or (Y.size and (not np.issubdtype(Y.dtype, np.integer) or Y.min() < 0 or Y.max() >= k)):
                raise ModelError(f"softmax targets must be class indices (n,) in [0, {k}), got {Y.dtype} {Y.shape}")
            T = np.zeros((len(Y), k), self.dtype)
            T[np.arange(len(Y)), Y] = 1.0
            return T
        if Y.ndim == 1 and k == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or Y.shape[1] != k:
            raise ModelError(f"targets must have shape (n, {k}), got {Y.shape}")
        return np.ascontiguousarray(Y, dtype=self.dtype)

    @staticmethod
    def weight_scale(sample_weight, n: int, dtype) -> np.ndarray:
        """sᵢ / Σ s as a column (n, 1); 1/n for every row without weights."""
        if sample_weight is None:
            return np.full((n, 1), 1.0 / n, dtype)
        s = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if len(s) != n or not np.all(np.isfinite(s)) or s.min() < 0 or s.sum() <= 0:
            raise ValueError("sample_weight must be n finite non-negative numbers with a positive sum")
        return (s / s.sum()).astype(dtype).reshape(n, 1)

    # -- evaluation -------------------------------------------------------------------------
    def predict_output(self, X, batch_size: int = 65536) -> np.ndarray:
        """a(L) (n, n_L) in the network's dtype, computed batch by batch (bounded memory)."""
        X = self.inputs(X)
        n = len(X)
        out = np.empty((n, self.sizes[-1]), self.dtype)
        if n == 0:
            return out
        ws = Workspace(self, min(batch_size, n), train=False)
        for s in range(0, n, ws.batch_size):
            out[s : s + ws.batch_size] = ws.forward(np.ascontiguousarray(X[s : s + ws.batch_size], self.dtype))
        return out

    def forward(self, X) -> np.ndarray:
        """a(L) (n, n_L) for inputs X (n, n_0)."""
        return self.predict_output(X)

    def sample_costs(self, X, Y, batch_size: int = 65536) -> np.ndarray:
        """Per-sample cost C(a(L), y), shape (n,), float64."""
        X, T = self.inputs(X), self.targets(Y)
        if len(X) != len(T):
            raise ModelError(f"{len(X)} input rows but {len(T)} targets")
        cost = COSTS[self.cost]
        out = np.empty(len(X))
        ws = Workspace(self, max(1, min(batch_size, len(X))), train=False)
        for s in range(0, len(X), ws.batch_size):
            e = s + ws.batch_size
            out[s:e] = cost.value(ws.forward(np.ascontiguousarray(X[s:e], self.dtype)), T[s:e])
        return out

    def loss(self, X, Y, sample_weight=None) -> float:
        """Mean cost Σ sᵢ C_i / Σ s over the samples (no L2 term)."""
        c = self.sample_costs(X, Y)
        if sample_weight is None:
            return float(c.mean())
        return float(np.average(c, weights=np.asarray(sample_weight, dtype=np.float64)))

    def backprop(self, X, Y, sample_weight=None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(nabla_w, nabla_b): ∂loss/∂W(l) (n_l, n_{l−1}) and ∂loss/∂b(l) (n_l,), l = 1..L, as lists."""
        X, T = self.inputs(X), self.targets(Y)
        ws = Workspace(self, len(X))
        ws.forward(np.ascontiguousarray(X, self.dtype))
        ws.backward(T, self.weight_scale(sample_weight, len(X), self.dtype))
        return [g.copy() for g in ws.nabla_w[1:]], [g.copy() for g in ws.nabla_b[1:]]
