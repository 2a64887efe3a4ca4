"""One source file → its wells, ready to write: load, then per well resample and label (runs on workers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geonet.features.columns import WellColumns
from geonet.features.labels import LABEL_COLUMNS, apply_labels
from geonet.features.loaders import LoadOptions, WellTable, load_file


def prepare_file(path: Path, *, options: LoadOptions, step_m: float | None, labels: tuple,
                 columns_ok: bool = False) -> WellTable:
    """Worker: load one file, then per well resample and label. ``frame`` becomes the list of the
    file's per-well frames; label notes join the provenance notes. Runs in the worker processes.
    ``columns_ok``: a LAS well with nothing to resample or label may stay a :class:`WellColumns`."""
    label_kind, label_table, label_path = labels
    loaded = load_file(path, options, columns_ok=columns_ok and step_m is None and label_table is None)
    if isinstance(loaded.frame, WellColumns):
        loaded.provenance["summaries"] = [well_summary(loaded.frame)]
        return WellTable([loaded.frame], loaded.provenance)
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
    """The report's row for one well (a DataFrame or :class:`WellColumns`): rows, curves present,
    null fraction, depth range."""
    if isinstance(part, WellColumns):
        well, depth = part.well, part.columns["DEPTH_M"]
        curves = [v for c, v in part.columns.items() if c != "DEPTH_M" and c not in LABEL_COLUMNS]
    else:
        well, depth = str(part["WELL"].iloc[0]), part["DEPTH_M"].to_numpy()
        curves = [part[c].to_numpy(dtype=np.float64) for c in part.columns[2:]
                  if c not in LABEL_COLUMNS and part[c].dtype.kind == "f"]
    n = len(depth)
    nulls = np.array([np.count_nonzero(np.isnan(v)) for v in curves], dtype=np.int64)
    present = nulls < n if n else np.zeros(len(curves), bool)
    cells = n * int(present.sum())
    return {
        "well": well, "rows": n, "curves": int(present.sum()),
        "null_fraction": float(nulls[present].sum() / cells) if cells else 1.0,
        "depth_min": float(depth.min()) if n else None, "depth_max": float(depth.max()) if n else None,
    }
