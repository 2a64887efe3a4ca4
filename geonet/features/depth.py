"""Depth repairs for one well, each stated in one note: rows with a null or non-finite depth
dropped; rows out of depth order sorted; exact duplicate rows dropped; rows repeating a depth with
other values resolved by a stated rule ("first": the first in the file is kept; "mean": numeric
values averaged, text taken from the first). A strictly monotonic well (up or down) is untouched.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

DUPLICATE_RULES = ("first", "mean")


def first_non_monotonic(depth: np.ndarray, strict: bool = True) -> int | None:
    """Index of the first row breaking monotonicity (strict: repeats break it too); the direction is
    set by the first step that moves."""
    if depth.size < 2:
        return None
    step = np.diff(depth)
    moving = np.flatnonzero(step)
    sign = np.sign(step[moving[0]]) if moving.size else 1.0
    bad = np.flatnonzero(step * sign <= 0 if strict else step * sign < 0)
    return int(bad[0]) + 1 if bad.size else None


def needs_no_repair(depth: np.ndarray) -> bool:
    """True when :func:`tidy_depth` would leave the rows as they are: every depth finite, strictly
    up or down."""
    return bool(np.isfinite(depth).all()) and first_non_monotonic(depth) is None


def _where(line_of_row: Callable[[int], int | None], i: int) -> str:
    line = line_of_row(i)
    return f"line {line}" if line else f"data row {i + 1}"


def tidy_depth(df, line_of_row: Callable[[int], int | None] = lambda i: None, *, duplicates: str = "first",
               well: str | None = None):
    """Return ``(df, notes)`` for one well's rows (column ``DEPTH_M``); ``line_of_row`` maps a row
    position in ``df`` to its line in the file, for the notes."""
    notes: list[str] = []
    tag = f"well {well}: " if well is not None else ""
    depth = df["DEPTH_M"].to_numpy()
    bad = ~np.isfinite(depth)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        notes.append(f"{tag}{int(bad.sum())} row(s) with a null or non-finite depth dropped (first: {_where(line_of_row, first)})")
        keep = np.flatnonzero(~bad)
        df, depth = df.iloc[keep], depth[keep]
        line_of_row = (lambda f: lambda i: f(int(keep[i])))(line_of_row)
    if first_non_monotonic(depth) is None:
        return df, notes
    order = np.argsort(depth, kind="stable")
    i = first_non_monotonic(depth, strict=False)
    if i is not None:
        notes.append(f"{tag}{_where(line_of_row, i)}: depth {depth[i]:g} m after {depth[i - 1]:g} m is out of order: "
                     f"rows sorted by depth")
    df = df.iloc[order]
    return _resolve_duplicates(df, notes, duplicates, tag)


def _resolve_duplicates(df, notes: list[str], rule: str, tag: str):
    exact = df.duplicated(keep="first").to_numpy()
    if exact.any():
        notes.append(f"{tag}{int(exact.sum())} exact duplicate row(s) dropped")
        df = df[~exact]
    repeated = df["DEPTH_M"].duplicated(keep="first").to_numpy()
    if not repeated.any():
        return df.reset_index(drop=True), notes
    n = int(repeated.sum())
    if rule == "mean":
        numeric = [c for c in df.columns if c != "DEPTH_M" and df[c].dtype.kind == "f"]
        agg = {c: ("mean" if c in numeric else "first") for c in df.columns if c != "DEPTH_M"}
        df = df.groupby("DEPTH_M", sort=False, as_index=False, observed=True).agg(agg)[list(df.columns)]
        notes.append(f"{tag}{n} row(s) repeating a depth with other values averaged into the first (rule: mean)")
    else:
        df = df[~repeated]
        notes.append(f"{tag}{n} row(s) repeating a depth with other values dropped, the first kept (rule: first)")
    return df.reset_index(drop=True), notes
