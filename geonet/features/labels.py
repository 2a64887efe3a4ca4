"""Labels: the lithology columns and external label files (intervals or points), joined by well + depth.

Label files are CSV with columns (case-insensitive) ``well, top, base, label`` (intervals,
``top <= depth < base``) or ``well, depth, label`` (points; each sample takes the label of the
nearest point within half the well's median sample spacing). Depths are metres. Labels are FORCE
codes (numbers) or FORCE lithology names (mapped to their codes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geonet.errors import InputError

LABEL = "LITHOLOGY"
LABEL_COLUMNS = ("LITHOLOGY_CONFIDENCE", "LITHOLOGY")  # codes: never interpolated, last in tables

FORCE_CODES = {
    "sandstone": 30000, "sandstone/shale": 65030, "shale": 65000, "marl": 80000, "dolomite": 74000,
    "limestone": 70000, "chalk": 70032, "halite": 88000, "anhydrite": 86000, "tuff": 99000,
    "coal": 90000, "basement": 93000,
}


def read_labels(path: str | Path):
    """Return ``(kind, DataFrame)``: kind "intervals" (WELL, TOP, BASE, LABEL) or "points" (WELL, DEPTH, LABEL)."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError("label file not found", path=path)
    try:
        df = pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - pandas raises many types
        raise InputError(f"cannot read the label file ({type(exc).__name__}: {exc})", path=path) from None
    df.columns = [str(c).strip().upper() for c in df.columns]
    df = df.rename(columns={"TOP_M": "TOP", "BASE_M": "BASE", "DEPTH_M": "DEPTH", "LITHOLOGY": "LABEL"})
    if {"WELL", "TOP", "BASE", "LABEL"} <= set(df.columns):
        kind, cols = "intervals", ["WELL", "TOP", "BASE", "LABEL"]
    elif {"WELL", "DEPTH", "LABEL"} <= set(df.columns):
        kind, cols = "points", ["WELL", "DEPTH", "LABEL"]
    else:
        raise InputError(
            f"label file needs columns well,top,base,label or well,depth,label; it has {list(df.columns)}", path=path
        )
    df = df[cols].copy()
    df["WELL"] = df["WELL"].astype(str).str.strip()
    df["LABEL"] = _codes(df["LABEL"], path)
    return kind, df


def _codes(labels, path) -> np.ndarray:
    import pandas as pd

    numeric = pd.to_numeric(labels, errors="coerce").astype(np.float64)
    names = labels[numeric.isna() & labels.notna()].astype(str).str.strip().str.lower()
    unknown = sorted(set(names) - set(FORCE_CODES))
    if unknown:
        raise InputError(f"unknown label names {unknown[:5]} (use FORCE codes or {sorted(FORCE_CODES)})", path=path)
    if len(names):
        numeric[names.index] = names.map(FORCE_CODES).astype(np.float64)
    return numeric.to_numpy(dtype=np.float64)


def apply_labels(df, kind: str, labels) -> tuple[object, int]:
    """Set ``LITHOLOGY`` of one well's frame from a label table; returns (frame, rows labelled)."""
    well = str(df["WELL"].iloc[0]) if len(df) else ""
    rows = labels[labels["WELL"] == well]
    depth = df["DEPTH_M"].to_numpy()
    out = np.full(len(df), np.nan)
    if kind == "intervals":
        for top, base, label in rows[["TOP", "BASE", "LABEL"]].itertuples(index=False):
            out[(depth >= top) & (depth < base)] = label
    elif len(rows):
        pts = rows.sort_values("DEPTH")
        pd_ = pts["DEPTH"].to_numpy(dtype=np.float64)
        spacing = np.median(np.abs(np.diff(depth))) if len(depth) > 1 else 0.0
        tol = spacing / 2 if spacing > 0 else 1e-3
        for d, label in zip(pd_, pts["LABEL"].to_numpy()):
            i = int(np.argmin(np.abs(depth - d))) if len(depth) else 0
            if len(depth) and abs(depth[i] - d) <= tol:
                out[i] = label
    df = df.copy()
    df[LABEL] = out
    return df, int(np.count_nonzero(~np.isnan(out)))
