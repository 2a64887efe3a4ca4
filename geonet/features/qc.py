"""Small QC predicates on a well's depth column, raising errors that name the file and line."""

from __future__ import annotations

from typing import Callable

import numpy as np

from geonet.errors import LASError


def first_null(depth: np.ndarray) -> int | None:
    bad = np.flatnonzero(np.isnan(depth))
    return int(bad[0]) if bad.size else None


def first_non_monotonic(depth: np.ndarray) -> int | None:
    """Index of the first row breaking strict monotonicity (the direction is set by rows 0→1)."""
    if depth.size < 2:
        return None
    step = np.diff(depth)
    sign = np.sign(step[0]) or 1.0
    bad = np.flatnonzero(step * sign <= 0)
    return int(bad[0]) + 1 if bad.size else None


def check_depth(depth: np.ndarray, path, line_of_row: Callable[[int], int | None] = lambda i: None) -> None:
    """Raise :class:`LASError` if depth has nulls or is not strictly monotonic."""

    def where(i: int) -> str:
        line = line_of_row(i)
        return f"line {line}" if line else f"data row {i + 1}"

    i = first_null(depth)
    if i is not None:
        raise LASError(f"{where(i)}: depth is null", path=path)
    i = first_non_monotonic(depth)
    if i is not None:
        raise LASError(
            f"{where(i)}: depth {depth[i]:g} after {depth[i - 1]:g} is not monotonic", path=path
        )
