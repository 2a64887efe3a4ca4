"""Gridded datasets (NetCDF, Zarr) as feature tables, streamed block by block.

Every cell becomes a row; dimension coordinates become columns, data variables become features.
Datasets are opened lazily (dask chunks); :func:`grid_blocks` reads one block of at most
``max_cells`` cells at a time, so peak memory does not grow with the grid.
Column naming is injected (``naming(name, unit, is_dim) -> (column, scale)``) so that
``geonet.features`` can apply its alias and unit tables; the default only upper-cases names.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from geonet.errors import GridError
from geonet.io.segy import SEGY_SUFFIXES, SegyLayout, is_segy_path

GRID_SUFFIXES = {".nc", ".nc4", ".netcdf", ".zarr", ".h5", ".cdf"}
Naming = Callable[[str, str, bool], tuple[str, float]]


def default_naming(name: str, unit: str, is_dim: bool) -> tuple[str, float]:
    return str(name).upper(), 1.0


def is_grid_path(path: str | Path) -> bool:
    p = Path(path)
    return p.suffix.lower() in GRID_SUFFIXES | SEGY_SUFFIXES or (p.is_dir() and ((p / ".zgroup").exists() or (p / "zarr.json").exists()))


def open_grid(path: str | Path, segy: SegyLayout | None = None):
    """Open a NetCDF file or Zarr store lazily (dask chunks), or read a SEG-Y file (header bytes from
    ``segy``, default :class:`SegyLayout`). Raises :class:`GridError`."""
    import xarray as xr

    path = Path(path)
    if not path.exists():
        raise GridError("file not found", path=path)
    if is_segy_path(path):
        from geonet.io.segy import read_segy

        return read_segy(path, segy or SegyLayout())
    try:
        if path.is_dir() or path.suffix.lower() == ".zarr":
            return xr.open_zarr(path, chunks={})
        return xr.open_dataset(path, engine="h5netcdf", chunks={})
    except Exception as exc:  # xarray/h5py/zarr raise many types
        raise GridError(f"cannot open the grid ({type(exc).__name__}: {str(exc)[:200]})", path=path) from exc


def grid_layout(ds, path) -> tuple[tuple[str, ...], list[str]]:
    """Return (dims, data variables) to tabulate: the variables spanning the most dimensions."""
    variables = [v for v in ds.data_vars if ds[v].ndim > 0]
    if not variables:
        raise GridError("the dataset has no data variables with dimensions", path=path)
    dims = max((ds[v].dims for v in variables), key=len)
    used = [v for v in variables if set(ds[v].dims) <= set(dims)]
    return tuple(dims), used


def grid_coords(ds, dims) -> list[str]:
    """Non-dimension coordinates on some of ``dims`` (a seismic grid's X and Y): columns too."""
    return [str(c) for c in ds.coords if c not in dims and ds[c].ndim > 0 and set(ds[c].dims) <= set(dims)]


def grid_sha256(path: str | Path) -> str:
    """SHA-256 of a file, or of every file of a directory store in sorted order."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _block_slices(shape: tuple[int, ...], max_cells: int) -> list[list[slice]]:
    """Per dimension, the slices of blocks with at most ``max_cells`` cells (splitting leading dims)."""
    out, budget = [], max(1, max_cells)
    sizes = [1] * len(shape)
    for i in range(len(shape) - 1, -1, -1):  # trailing dims whole while they fit
        sizes[i] = max(1, min(shape[i], budget))
        budget = max(1, budget // max(1, shape[i]))
    for n, size in zip(shape, sizes):
        out.append([slice(s, min(s + size, n)) for s in range(0, max(n, 1), size)])
    return out


def grid_blocks(ds, path, *, naming: Naming = default_naming, max_cells: int = 1 << 20) -> Iterator[tuple[dict, "object"]]:
    """Yield ``(isel, DataFrame)`` per block; rows in C order of the dims; dims first, then variables."""
    dims, variables = grid_layout(ds, path)
    shape = tuple(ds.sizes[d] for d in dims)
    names = grid_column_names(ds, dims, variables, naming, path)
    columns = [*grid_coords(ds, dims), *variables]
    for combo in itertools.product(*_block_slices(shape, max_cells)):
        isel = dict(zip(dims, combo))
        block = ds[variables].isel(isel).load()
        yield isel, _block_frame(block, dims, columns, names)


def grid_column_names(ds, dims, variables, naming: Naming, path=None) -> dict[str, tuple[str, float, str]]:
    """name → (column, scale, original unit) for dims and variables; checks columns are unique."""
    names = {}
    coords = grid_coords(ds, dims)
    for name in (*dims, *coords, *variables):
        is_dim = name in dims or name in coords
        unit = str(ds[name].attrs.get("units", "")) if name in ds.variables else ""
        col, scale = naming(name, unit, is_dim)
        names[name] = (col, scale, unit)
    cols = [c for c, _, _ in names.values()]
    dup = {c for c in cols if cols.count(c) > 1}
    if dup:
        raise GridError(f"two grid names map to the same column {sorted(dup)}", path=path)
    return names


def _block_frame(block, dims, variables, names):
    import pandas as pd

    shape = tuple(block.sizes[d] for d in dims)
    n = math.prod(shape)
    cols = {}
    coords = np.meshgrid(*[_coord_values(block, d) for d in dims], indexing="ij") if n else [np.empty(0)] * len(dims)
    for d, c in zip(dims, coords):
        col, scale, _ = names[d]
        cols[col] = c.reshape(-1) * scale if scale != 1.0 else c.reshape(-1)
    for v in variables:
        col, scale, _ = names[v]
        arr = block[v].transpose(*[d for d in dims if d in block[v].dims]).values
        arr = np.broadcast_to(_expand(arr, block[v].dims, dims), shape).reshape(-1).astype(np.float64)
        cols[col] = arr * scale if scale != 1.0 else arr
    return pd.DataFrame(cols)


def _coord_values(block, dim):
    if dim in block.coords:
        values = np.asarray(block[dim].values)
        return values.astype(np.float64) if values.dtype.kind in "iuf" else values
    return np.arange(block.sizes[dim], dtype=np.float64)


def _expand(arr, var_dims, dims):
    index = tuple(slice(None) if d in var_dims else np.newaxis for d in dims)
    return arr[index]


def predict_grid(src_path, out_path, predict_fn, *, naming: Naming = default_naming, max_cells: int = 1 << 20,
                 segy: SegyLayout | None = None, attrs: dict[str, str] | None = None) -> Path:
    """Run ``predict_fn`` over a grid block by block and write its outputs as a NetCDF (h5netcdf).

    ``predict_fn(df)`` gets one block as a DataFrame (the same columns as ``geonet ingest`` gives for
    the grid when called with the same ``naming``) and returns ``{name: array of len(df)}``. The output
    holds the source's dimension coordinates and the new variables, on the dims of the source's
    data variables, written per block (peak memory ≈ one block); atomic.  ``attrs``: the file's
    global attributes (where the prediction came from).
    """
    import h5netcdf

    from geonet.atomic import atomic_path

    src_path, out_path = Path(src_path), Path(out_path)
    ds = open_grid(src_path, segy)
    dims, _ = grid_layout(ds, src_path)
    shape = tuple(ds.sizes[d] for d in dims)
    with atomic_path(out_path) as tmp, h5netcdf.File(tmp, "w") as f:
        f.dimensions = dict(zip(dims, shape))
        f.attrs.update(attrs or {})
        for d in [*(d for d in dims if d in ds.coords), *grid_coords(ds, dims)]:
            values = np.asarray(ds[d].values)
            var = f.create_variable(d, ds[d].dims, data=values)
            var.attrs.update({k: v for k, v in ds[d].attrs.items() if isinstance(v, (str, int, float))})
        created: dict = {}
        for isel, df in grid_blocks(ds, src_path, naming=naming, max_cells=max_cells):
            result = predict_fn(df)
            for name, values in result.items():
                values = np.asarray(values)
                if values.shape[0] != len(df):
                    raise GridError(f"prediction {name!r} has {values.shape[0]} values for {len(df)} cells", path=src_path)
                if name not in created:
                    dtype = np.float64 if values.dtype.kind == "f" else values.dtype
                    chunks = tuple(max(1, s.stop - s.start) for s in isel.values())
                    created[name] = f.create_variable(name, dims, dtype=dtype, chunks=chunks)
                block_shape = tuple(s.stop - s.start for s in isel.values())
                created[name][tuple(isel.values())] = values.reshape(block_shape)
    return out_path
