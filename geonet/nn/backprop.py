"""Forward pass and backpropagation for a whole mini-batch at once, in preallocated buffers.

Notation as in the chapter, layers l = 1..L (index 0 is the input):

    z(l) = W(l) a(l−1) + b(l)          a(l) = σ(z(l))
    δ(L) = ∂C/∂a(L) ⊙ σ'(z(L))         δ(l) = (W(l+1))ᵀ δ(l+1) ⊙ σ'(z(l))
    ∂C/∂W(l) = δ(l) a(l−1)ᵀ            ∂C/∂b(l) = δ(l)

Arrays are batch-major: a row is a sample.  a(l) and z(l) are (n, n_l), W(l) is (n_l, n_{l−1})
as in the chapter, so the column-vector equation z = W a + b reads ``z = a_prev @ W.T + b`` on a
batch, and δ(l) a(l−1)ᵀ summed over the samples reads ``delta.T @ a_prev``.  Each line below is
the in-place (``out=``) form of one equation and carries it as a comment.

Averaging over the mini-batch: δ(L) is multiplied row-wise by sᵢ / Σ s (1/n without sample
weights).  Every later δ(l) and gradient is linear in δ(L), so the sums over rows become the
(weighted) means.  Bias gradients sum rows with a ones-vector matmul, faster than ``sum(axis=0)``.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS, OUTPUTS
from .costs import COSTS, SHORTCUTS


class Workspace:
    """Buffers for one network and a batch of up to ``batch_size`` rows.

    ``forward(x)`` with x (n, n_0), n ≤ batch_size, returns a(L) (n, n_L), a view into the
    workspace (overwritten by the next call).  With ``train=True``, ``backward(y, scale)``
    (y (n, n_L) targets, scale (n, 1) per-sample weights summing to 1) then fills ``grad``,
    a flat array laid out like ``net.params``, of which ``nabla_w[l]``, ``nabla_b[l]`` are views.
    Lists are indexed by layer number l = 1..L (entry 0 is unused or the input).
    """

    def __init__(self, net, batch_size: int, train: bool = True, grad: np.ndarray | None = None):
        self.net = net
        self.L = len(net.sizes) - 1
        self.batch_size = batch_size
        self.train = train
        self.sigma = ACTIVATIONS[net.activation]
        self.sigma_out = OUTPUTS[net.output]
        self.cost = COSTS[net.cost]
        self.shortcut = SHORTCUTS.get((net.output, net.cost))
        self.w = [None] + list(net.weights)  # w[l] = W(l), (n_l, n_{l−1})
        self.b = [None] + list(net.biases)  # b[l] = b(l), (n_l,)

        def buffers(dtype=net.dtype):
            return [None] + [np.empty((batch_size, n), dtype) for n in net.sizes[1:]]

        self.z = buffers()
        # predicting needs no z after σ: a(l) overwrites z(l) in place (half the memory)
        self.a = buffers() if train else list(self.z)
        if train:
            self.delta = buffers()
            self.sp = buffers(bool if self.sigma.prime_is_mask else net.dtype)  # σ'(z(l))
            self.ones = np.ones(batch_size, net.dtype)
            # ``grad``: a flat array to fill instead of a new one (a helper process's shared buffer)
            self.grad = np.zeros_like(net.params) if grad is None else grad
            self.nabla_w = [None] + net._weight_views(self.grad)
            self.nabla_b = [None] + net._bias_views(self.grad)
        self._views: dict[int, tuple] = {}

    def _rows(self, n: int) -> tuple:
        """The buffers cut to the first n rows (cached: a batch size repeats every step)."""
        if n not in self._views:
            if n > self.batch_size:
                raise ValueError(f"batch of {n} rows exceeds the workspace's {self.batch_size}")
            cut = lambda bufs: [None] + [buf[:n] for buf in bufs[1:]]  # noqa: E731
            if self.train:
                self._views[n] = (cut(self.z), cut(self.a), cut(self.delta), cut(self.sp), self.ones[:n])
            else:
                self._views[n] = (cut(self.z), cut(self.a), None, None, None)
        return self._views[n]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """a(L) for x (n, n_0), C-contiguous in the network's dtype."""
        z, a, *_ = self._rows(len(x))
        w, b, L = self.w, self.b, self.L
        a[0] = x
        for l in range(1, L + 1):
            np.matmul(a[l - 1], w[l].T, out=z[l])
            z[l] += b[l]  # z(l) = W(l) a(l−1) + b(l)
            sigma = self.sigma_out if l == L else self.sigma
            sigma.value(z[l], out=a[l])  # a(l) = σ(z(l))
        return a[L]

    def backward(self, y: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Gradients of the weighted mean cost for the batch of the last ``forward``.

        y: (n, n_L) targets; scale: (n, 1), sᵢ / Σ s, or the scalar 1/n.  Returns the flat gradient.
        """
        n = len(y)
        z, a, delta, sp, ones = self._rows(n)
        w, L = self.w, self.L
        nabla_w, nabla_b = self.nabla_w, self.nabla_b

        if self.shortcut is not None:
            self.shortcut(a[L], y, out=delta[L])  # δ(L) = a − y  (named special case, see costs)
        else:
            self.cost.grad(a[L], y, out=delta[L])  # ∂C/∂a(L)
            self.sigma_out.jvp(z[L], a[L], delta[L], out=delta[L])  # δ(L) = ∂C/∂a ⊙ σ'(z(L))
        delta[L] *= scale  # weight row i by sᵢ/Σs: the sums below become means

        for l in range(L - 1, 0, -1):
            np.matmul(delta[l + 1], w[l + 1], out=delta[l])  # (W(l+1))ᵀ δ(l+1)
            self.sigma.prime(z[l], a[l], out=sp[l])  # σ'(z(l))
            delta[l] *= sp[l]  # δ(l) = (W(l+1))ᵀ δ(l+1) ⊙ σ'(z(l))

        for l in range(1, L + 1):
            np.matmul(delta[l].T, a[l - 1], out=nabla_w[l])  # ∂C/∂W(l) = δ(l) a(l−1)ᵀ
            np.matmul(ones, delta[l], out=nabla_b[l])  # ∂C/∂b(l) = δ(l)
        return self.grad
