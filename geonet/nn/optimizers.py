"""Optimisers that own their state and update the flat parameter array in place.

``opt.step(theta, grad)``: theta and grad are flat arrays of the same shape (``net.params`` and
the workspace gradient); state (velocity, moments) is allocated on the first step and kept on
the optimiser.  ``opt.lr`` may be changed between steps (learning-rate schedules do).
Each update is a handful of whole-array calls with ``out=`` into preallocated scratch.

Every update is element-wise, so a step can also be split over threads: ``opt.begin(grad)`` once
(state, step count), then ``opt.update(theta, grad, lo, hi)`` for disjoint ranges [lo, hi) of the
parameters, from any threads (see parallel.py); together they equal ``step``.
"""

from __future__ import annotations

import math

import numpy as np


class Optimizer:
    """Base class: learning rate, scratch buffers, ``reset()``."""

    name = "optimizer"

    def __init__(self, lr: float):
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr = float(lr)
        self._shape = None

    def _state(self, grad: np.ndarray, n_buffers: int) -> list[np.ndarray]:
        if self._shape != (grad.shape, grad.dtype):
            self._shape = (grad.shape, grad.dtype)
            self._buffers = [np.zeros_like(grad) for _ in range(n_buffers)]
            self.t = 0
        return self._buffers

    def reset(self) -> None:
        """Forget all state (velocities, moments, step count)."""
        self._shape = None

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """θ ← the update of θ given the mini-batch gradient (the whole array)."""
        self._apply(theta, grad, *self.begin(grad))

    def begin(self, grad: np.ndarray) -> list[np.ndarray]:
        """Start a step: allocate state on the first one, advance the step count; its buffers."""
        return self._state(grad, self.n_buffers)

    def update(self, theta: np.ndarray, grad: np.ndarray, lo: int, hi: int) -> None:
        """The update of θ[lo:hi] alone, after ``begin`` (ranges of one step must not overlap)."""
        self._apply(theta[lo:hi], grad[lo:hi], *(b[lo:hi] for b in self._buffers))

    n_buffers = 0

    def _apply(self, theta, grad, *buffers) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """The chapter's update θ ← θ − η ∇C (∇C already averaged over the mini-batch)."""

    name = "sgd"
    n_buffers = 1

    def _apply(self, theta, grad, tmp):
        np.multiply(grad, self.lr, out=tmp)
        theta -= tmp  # θ ← θ − η ∇C


class Momentum(Optimizer):
    """Momentum: v ← μ v − η ∇C, θ ← θ + v.  Nesterov: θ ← θ + μ v − η ∇C (with the new v)."""

    name = "momentum"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False):
        super().__init__(lr)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    n_buffers = 2

    def _apply(self, theta, grad, v, tmp):
        np.multiply(grad, self.lr, out=tmp)  # η ∇C
        v *= self.momentum
        v -= tmp  # v ← μ v − η ∇C
        if self.nesterov:
            theta -= tmp
            np.multiply(v, self.momentum, out=tmp)
            theta += tmp  # θ ← θ + μ v − η ∇C
        else:
            theta += v  # θ ← θ + v


class Adam(Optimizer):
    """Adam (Kingma & Ba): m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², θ ← θ − η m̂ / (√v̂ + ε)."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    n_buffers = 3

    def begin(self, grad):
        buffers = super().begin(grad)
        self.t += 1
        return buffers

    def _apply(self, theta, grad, m, v, tmp):
        b1, b2 = self.beta1, self.beta2
        m *= b1
        np.multiply(grad, 1.0 - b1, out=tmp)
        m += tmp  # m ← β1 m + (1−β1) g
        v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - b2
        v += tmp  # v ← β2 v + (1−β2) g²
        # m̂ = m / (1−β1ᵗ), v̂ = v / (1−β2ᵗ); η m̂/(√v̂ + ε) = η_t m / (√v + ε √(1−β2ᵗ))
        # Python floats, not NumPy scalars: a float64 NumPy scalar would make each in-place
        # product with the float32 arrays below run in float64 and cast back, ≈ 4× slower
        correction = math.sqrt(1.0 - b2**self.t)
        lr_t = self.lr * correction / (1.0 - b1**self.t)
        np.sqrt(v, out=tmp)
        tmp += self.eps * correction
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        theta -= tmp  # θ ← θ − η m̂ / (√v̂ + ε)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Momentum, "adam": Adam}


def make_optimizer(name: str, **kwargs) -> Optimizer:
    """An optimiser by name ("sgd", "momentum", "nesterov", "adam"); kwargs go to its constructor."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    if name == "nesterov":
        kwargs = {**kwargs, "nesterov": True}
    return OPTIMIZERS[name](**kwargs)
