"""The FORCE 2020 lithology code table (code → name → colour) and its penalty matrix, as data.

The table lives in ``lithology.toml`` and the 12×12 cost matrix in ``penalty_matrix.npy``
(rows = true code, columns = predicted code), both in the same code order.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Lithology:
    """One FORCE lithology class: its integer code, a display name, a colour and a hatch."""

    code: int
    name: str
    colour: str
    hatch: str = ""


@functools.cache
def force_lithologies() -> tuple[Lithology, ...]:
    """The 12 FORCE lithologies, in penalty-matrix order."""
    text = resources.files("geonet.train").joinpath("lithology.toml").read_text(encoding="utf-8")
    return tuple(Lithology(**row) for row in tomllib.loads(text)["lithology"])


def force_codes() -> tuple[int, ...]:
    """The 12 FORCE codes, in penalty-matrix order (30000 Sandstone ... 93000 Basement)."""
    return tuple(lith.code for lith in force_lithologies())


def code_table() -> dict[int, Lithology]:
    """code → :class:`Lithology`, for plotting legends and naming classes."""
    return {lith.code: lith for lith in force_lithologies()}


@functools.cache
def _penalty_matrix() -> np.ndarray:
    with resources.files("geonet.train").joinpath("penalty_matrix.npy").open("rb") as fh:
        matrix = np.load(fh, allow_pickle=False)
    matrix.setflags(write=False)
    return matrix


def penalty_matrix() -> np.ndarray:
    """The FORCE 2020 cost matrix, shape (12, 12), rows = true, columns = predicted (read-only)."""
    return _penalty_matrix()


def code_indices(codes) -> np.ndarray:
    """Row/column index in the FORCE table of each code, shape (n,).

    Raises ``ValueError`` naming the codes that are not FORCE codes.
    """
    codes = np.asarray(codes, dtype=np.float64).ravel()
    known = np.asarray(force_codes(), dtype=np.float64)
    order = np.argsort(known)
    pos = np.clip(np.searchsorted(known[order], codes), 0, known.size - 1)
    ok = known[order][pos] == codes
    if not ok.all():
        bad = sorted({float(c) for c in codes[~ok]})
        shown = ", ".join(f"{c:g}" for c in bad[:10])
        raise ValueError(f"not FORCE lithology codes: {shown}" + (" ..." if len(bad) > 10 else ""))
    return order[pos]
