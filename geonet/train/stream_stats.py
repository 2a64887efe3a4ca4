"""Statistics of a stream of row blocks in bounded memory: a uniform reservoir sample and merged moments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class Reservoir:
    """A uniform sample of at most ``size`` rows of a stream of (n, width) blocks (Algorithm R, by block).

    ``size`` rows are allocated up front (pass at most the stream's length); ``sample`` is the filled part."""

    def __init__(self, size: int, width: int, rng: np.random.Generator):
        self.size, self.rng, self.seen = int(size), rng, 0
        self._rows = np.empty((self.size, width))

    @property
    def sample(self) -> np.ndarray:
        return self._rows[:min(self.seen, self.size)]

    def add(self, rows: np.ndarray) -> None:
        room = self.size - self.seen
        if room > 0:
            first = rows[:room]
            self._rows[self.seen:self.seen + len(first)] = first
            self.seen += len(first)
            rows = rows[room:]
        if len(rows):
            index = self.seen + np.arange(len(rows))  # 0-based position of each row in the stream
            slot = (self.rng.random(len(rows)) * (index + 1)).astype(np.int64)  # uniform in [0, index]
            take = slot < self.size
            self._rows[slot[take]] = rows[take]
            self.seen += len(rows)


@dataclass
class Moments:
    """Count, mean and summed squared deviations per column, merged block by block (Chan et al.)."""

    n: int = 0
    mean: np.ndarray | float = 0.0
    m2: np.ndarray | float = 0.0

    def add(self, x: np.ndarray) -> None:
        if not len(x):
            return
        nb, mb = len(x), x.mean(axis=0)
        m2b = ((x - mb) ** 2).sum(axis=0)
        n = self.n + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * nb / n
        self.m2 = self.m2 + m2b + delta ** 2 * self.n * nb / n
        self.n = n

    @property
    def std(self):
        return np.sqrt(self.m2 / self.n)  # population, as ndarray.std()
