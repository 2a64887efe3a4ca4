"""Grids (NetCDF/Zarr) → their own feature table, streamed block by block; and the same column
names for predicting on a grid."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from geonet import __version__
from geonet.features.aliases import AliasTable, canonical_name, load_alias_table
from geonet.features.units import depth_factor

DEPTH_DIMS = {"depth", "dept", "z", "md", "tvd", "depth_m"}


def grid_naming(table: AliasTable | None = None) -> Callable[[str, str, bool], tuple[str, float]]:
    """Column naming for grids: depth-like dims → DEPTH_M (converted), other dims upper-cased,
    data variables → canonical curve names."""
    table = table or load_alias_table()

    def naming(name: str, unit: str, is_dim: bool) -> tuple[str, float]:
        if is_dim:
            if str(name).lower() in DEPTH_DIMS:
                f = depth_factor(unit) if unit else 1.0
                if f is not None:
                    return "DEPTH_M", f
            return str(name).upper(), 1.0
        return canonical_name(str(name), table), 1.0

    return naming


def predict_grid(src_path, out_path, predict_fn, *, aliases=None, max_cells: int = 1 << 20, segy=None, attrs=None):
    """:func:`geonet.io.grid.predict_grid` with the same column names ``ingest`` gives for grids."""
    from geonet.io.grid import predict_grid as _predict

    return _predict(src_path, out_path, predict_fn, naming=grid_naming(load_alias_table(aliases)),
                    max_cells=max_cells, segy=segy, attrs=attrs)


def ingest_grid(path: Path, out: Path, fmt: str, table: AliasTable, max_cells: int, segy=None) -> dict:
    """Stream one grid into the table at ``out``; returns the per-grid summary (rows, curves, ...)."""
    from geonet.io.grid import grid_blocks, grid_column_names, grid_coords, grid_layout, grid_sha256, open_grid
    from geonet.io.write import TableStream

    ds = open_grid(path, segy)
    naming = grid_naming(table)
    dims, variables = grid_layout(ds, path)
    names = grid_column_names(ds, dims, variables, naming, path)
    coords = grid_coords(ds, dims)
    var_cols = [names[v][0] for v in variables]
    rows, nan_cells, lo, hi = 0, 0, np.inf, -np.inf
    last_dim = names[dims[-1]][0]
    with TableStream(out, fmt) as stream:
        for _, block in grid_blocks(ds, path, naming=naming, max_cells=max_cells):
            stream.write(block)
            rows += len(block)
            nan_cells += int(block[var_cols].isna().to_numpy().sum())
            if len(block) and block[last_dim].dtype.kind in "if":
                lo, hi = min(lo, float(block[last_dim].min())), max(hi, float(block[last_dim].max()))
        every = (*dims, *coords, *variables)
        units = {names[n][0]: ("m" if names[n][0] == "DEPTH_M" else names[n][2]) for n in every}
        stream.meta = {"geonet_version": __version__, "units": units, "sources": [{
            "path": str(path), "sha256": grid_sha256(path), "well": None,
            "mnemonics": {names[n][0]: n for n in every},
            "units": {names[n][0]: names[n][2] for n in every}}]}
    label = f"{path.name} (grid {' × '.join(str(ds.sizes[d]) for d in dims)})"
    if last_dim != "DEPTH_M" and np.isfinite(lo):  # time (or another axis): its range in the label, not as depth
        unit = names[dims[-1]][2]
        label = f"{label[:-1]}, {last_dim} {lo:g}–{hi:g}{' ' + unit if unit else ''})"
        lo, hi = np.inf, -np.inf
    return {
        "well": label, "rows": rows,
        "curves": var_cols, "null_fraction": nan_cells / max(1, rows * len(var_cols)),
        "depth_min": None if not np.isfinite(lo) else lo, "depth_max": None if not np.isfinite(hi) else hi,
    }
