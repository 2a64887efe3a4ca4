"""Null policies as data (``nulls.toml``): sentinel values and the file's own NULL value become NaN,
and so do cells holding a null word such as ``(null)``, ``ERR`` or ``-``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def _table() -> dict:
    with open(Path(__file__).with_name("nulls.toml"), "rb") as fh:
        return tomllib.load(fh)


def sentinels() -> np.ndarray:
    return np.array(_table()["sentinels"], dtype=np.float64)


@lru_cache(maxsize=1)
def null_tokens() -> frozenset[str]:
    """Lower-case cell texts that mean "no value"."""
    return frozenset(t.strip().lower() for t in _table()["tokens"])


def to_nan(values: np.ndarray, null_value: float | None = None) -> np.ndarray:
    """Replace sentinels, ``null_value`` and ±inf by NaN in a float array, in place; returns it."""
    marks = sentinels() if null_value is None else np.append(sentinels(), null_value)
    values[np.isin(values, marks) | np.isinf(values)] = np.nan
    return values
