"""Null sentinels (``nulls.toml``) and the file's own NULL value become NaN."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def sentinels() -> np.ndarray:
    with open(Path(__file__).with_name("nulls.toml"), "rb") as fh:
        return np.array(tomllib.load(fh)["sentinels"], dtype=np.float64)


def to_nan(values: np.ndarray, null_value: float | None = None) -> np.ndarray:
    """Replace sentinels (and ``null_value``) by NaN in a float array, in place; returns it."""
    marks = sentinels() if null_value is None else np.append(sentinels(), null_value)
    values[np.isin(values, marks)] = np.nan
    return values
