"""Learning-rate schedules: ``sched(epoch) -> lr`` for epochs numbered from 1."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    lr: float

    def __call__(self, epoch: int) -> float:
        return self.lr


@dataclass(frozen=True)
class Step:
    """lr · γ^⌊(epoch − 1) / step_size⌋: multiply by γ every ``step_size`` epochs."""

    lr: float
    step_size: int = 10
    gamma: float = 0.1

    def __call__(self, epoch: int) -> float:
        return self.lr * self.gamma ** ((epoch - 1) // self.step_size)


@dataclass(frozen=True)
class Cosine:
    """lr_min + ½ (lr − lr_min)(1 + cos(π (epoch − 1) / epochs)): lr at epoch 1, → lr_min."""

    lr: float
    epochs: int
    lr_min: float = 0.0

    def __call__(self, epoch: int) -> float:
        progress = min(max(epoch - 1, 0), self.epochs) / self.epochs
        return self.lr_min + 0.5 * (self.lr - self.lr_min) * (1.0 + math.cos(math.pi * progress))


SCHEDULES = {"constant": Constant, "step": Step, "cosine": Cosine}


def make_schedule(name: str, lr: float, **kwargs):
    """A schedule by name: "constant" (lr), "step" (lr, step_size, gamma), "cosine" (lr, epochs, lr_min)."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(SCHEDULES)}")
    return SCHEDULES[name](lr, **kwargs)
