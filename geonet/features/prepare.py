"""One source file → its wells, ready to write: load, then per well resample and label (runs on workers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geonet.features.labels import LABEL_COLUMNS, apply_labels
from geonet.features.loaders import LoadOptions, WellTable, load_file


def prepare_file(path: Path, *, options: LoadOptions, step_m: float | None, labels: tuple) -> WellTable:
    """Worker: load one file, then per well resample and label. ``frame`` becomes the list of the
    file's per-well frames; label notes join the provenance notes. Runs in the worker processes."""
    loaded = load_file(path, options)
    label_kind, label_table, label_path = labels
    parts = []
    for well, part in loaded.frame.groupby("WELL", sort=False, observed=True):
        if step_m is not None:
            from geonet.features.resample import resample_well

            part = resample_well(part, step_m)
        if label_table is not None:
            part, n = apply_labels(part, label_kind, label_table)
            if n == 0:
                loaded.provenance["notes"].append(f"no labels for well {well} in {label_path}")
        parts.append(part)
    loaded.provenance["summaries"] = [well_summary(part) for part in parts]
    return WellTable(parts, loaded.provenance)


def well_summary(part) -> dict:
    """The report's row for one well: rows, curves present, null fraction, depth range."""
    cols = [c for c in part.columns[2:] if c not in LABEL_COLUMNS and part[c].dtype.kind == "f"]
    cells = part[cols].to_numpy(dtype=np.float64) if cols else np.empty((len(part), 0))
    present = ~np.isnan(cells).all(axis=0) if len(part) else np.zeros(len(cols), bool)
    depth = part["DEPTH_M"].to_numpy()
    return {
        "well": str(part["WELL"].iloc[0]), "rows": len(part), "curves": int(present.sum()),
        "null_fraction": float(np.isnan(cells[:, present]).mean()) if present.any() else 1.0,
        "depth_min": float(depth.min()) if len(depth) else None, "depth_max": float(depth.max()) if len(depth) else None,
    }

