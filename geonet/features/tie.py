"""The well tie: each well's logs in time beside the grid's values at its nearest trace.

Positions come from a file or folder (LAS ~Well headers, ``.track`` files "X Y TVDSS MD", or a
table with WELL, X, Y columns), else from the LAS files the wells table was ingested from. A well
farther than ``tolerance_m`` from every trace gets a one-line note and keeps its logs only (its
rows still train a model whose inputs are well-derived, such as a smoothed impedance).
Attributes of the well's own logs (``<NAME>_SMOOTH``) come from the same function as on the grid;
a grid value whose name is also a well column is kept as ``<NAME>_GRID``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geonet.errors import InputError
from geonet.features.seismic import AttributeRecipe, sample_interval_ms
from geonet.features.timedepth import TimeDepth

TABLE_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass
class TieReport:
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    ties: list[dict] = field(default_factory=list)  # per well: well, x, y, inline, crossline, distance_m, tied


def read_positions(source: str | Path | None, las_paths=()) -> dict[str, tuple[float, float]]:
    """Well → (X, Y) from ``source`` (file or folder), else from ``las_paths``."""
    from geonet.io.positions import las_position

    if source is None:
        files = [Path(p) for p in las_paths]
    else:
        source = Path(source)
        if not source.exists():
            raise InputError("positions file or folder not found", path=source)
        files = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else [source]
    out = {}
    for path in files:
        suffix = path.suffix.lower()
        if suffix == ".las":
            found = las_position(path)
            if found:
                out[found[0]] = (found[1], found[2])
        elif suffix == ".track":
            out[path.stem] = _track_position(path)
        elif suffix in TABLE_SUFFIXES:
            out.update(_table_positions(path))
    return out


def _track_position(path: Path) -> tuple[float, float]:
    rows = [ln.split() for ln in path.read_text(errors="replace").splitlines() if ln.strip() and not ln.startswith("#")]
    try:
        return float(rows[0][0]), float(rows[0][1])
    except (IndexError, ValueError):
        raise InputError("a track file starts with a row 'X Y TVDSS MD'", path=path) from None


def _table_positions(path: Path) -> dict[str, tuple[float, float]]:
    table = pd.read_csv(path, sep=None, engine="python")
    cols = {str(c).strip().upper(): c for c in table.columns}
    well = next((cols[k] for k in ("WELL", "WELL NAME", "WELL_NAME", "UWI", "NAME") if k in cols), None)
    x = next((cols[k] for k in ("X", "XCOORD", "EASTING", "X_LOC") if k in cols), None)
    y = next((cols[k] for k in ("Y", "YCOORD", "NORTHING", "Y_LOC") if k in cols), None)
    if well is None or x is None or y is None:
        raise InputError("a positions table needs WELL, X and Y columns", path=path)
    return {str(w): (float(a), float(b)) for w, a, b in zip(table[well], table[x], table[y])}


def nearest_trace(ds, x: float, y: float) -> tuple[int, int, float]:
    """(inline index, crossline index, distance in m) of the trace nearest to (x, y)."""
    gx, gy = np.asarray(ds["X"].values, dtype=np.float64), np.asarray(ds["Y"].values, dtype=np.float64)
    d = np.hypot(gx - x, gy - y)
    d = np.where(np.isfinite(d), d, np.inf)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    return int(i), int(j), float(d[i, j])


def tie(ds, wells_time: pd.DataFrame, relations: dict[str, TimeDepth], positions: dict[str, tuple[float, float]],
        *, tolerance_m: float, recipe: AttributeRecipe = AttributeRecipe()) -> TieReport:
    """The training rows of a wells-to-grid model.

    ``ds``: the grid with attributes (:func:`geonet.features.seismic.seismic_grid`); ``wells_time``:
    :func:`geonet.features.timedepth.logs_in_time` on the grid's sample interval and first time.
    Returns one row per well and sample time: WELL, DEPTH_M (MD at that time), TWT, the logs, the
    logs' attributes, then (for tied wells) INLINE, CROSSLINE, TIE_DISTANCE_M and the grid's values.
    """
    dt = sample_interval_ms(ds)
    report = TieReport(table=pd.DataFrame())
    grid_vars = [str(v) for v in ds.data_vars]
    frames = []
    for well, part in wells_time.groupby("WELL", sort=False):
        part = _regular(part, dt)
        logs = {c: part[c].to_numpy(np.float64) for c in part.columns if c not in ("WELL", "TWT", "DEPTH_M")}
        part = part.assign(**{k: v for k, v in recipe.apply(logs, dt).items()})
        part["DEPTH_M"] = np.interp(part["TWT"], relations[well].twt_ms, relations[well].md_m) \
            if well in relations else part.get("DEPTH_M")
        frames.append(_with_grid(part, str(well), ds, grid_vars, positions, tolerance_m, report))
    table = pd.concat(frames, ignore_index=True)
    first = ["WELL", "DEPTH_M", "TWT"]
    report.table = table[first + [c for c in table.columns if c not in first]]
    return report


def _regular(part: pd.DataFrame, dt: float) -> pd.DataFrame:
    """One row per sample from the well's first to its last time (gaps as NaN rows)."""
    twt = part["TWT"].to_numpy(np.float64)
    full = twt[0] + np.arange(int(round((twt[-1] - twt[0]) / dt)) + 1) * dt
    out = part.set_index(np.round(twt, 6)).reindex(np.round(full, 6))
    out["TWT"], out["WELL"] = full, part["WELL"].iloc[0]
    return out.reset_index(drop=True)


def _with_grid(part, well, ds, grid_vars, positions, tolerance_m, report) -> pd.DataFrame:
    if well not in positions:
        report.notes.append(f"well {well}: no position (LAS LOC/X/Y, track or positions file); not tied to the grid")
        return part
    x, y = positions[well]
    i, j, dist = nearest_trace(ds, x, y)
    il, xl = int(ds["INLINE"].values[i]), int(ds["CROSSLINE"].values[j])
    tied = dist <= tolerance_m
    report.ties.append(dict(well=well, x=x, y=y, inline=il, crossline=xl, distance_m=round(dist, 1), tied=tied))
    if not tied:
        report.notes.append(f"well {well}: {dist:.0f} m from the nearest trace (inline {il}, crossline {xl}), "
                            f"beyond the tolerance of {tolerance_m:g} m: logs only, not tied to the grid")
        return part
    twt = np.asarray(ds["TWT"].values, dtype=np.float64)
    k = np.searchsorted(np.round(twt, 6), np.round(part["TWT"].to_numpy(np.float64), 6))
    inside = (k < len(twt)) & (np.round(twt[np.minimum(k, len(twt) - 1)], 6) == np.round(part["TWT"].to_numpy(), 6))
    part = part.assign(INLINE=float(il), CROSSLINE=float(xl), TIE_DISTANCE_M=dist)
    # the one trace of every variable, not the whole grid: a large grid is lazy (dask) and stays on
    # disk, and one compute reads (and derives the attributes of) only the block holding the trace
    traces = ds[list(grid_vars)].isel(INLINE=i, CROSSLINE=j).compute()
    for v in grid_vars:
        trace = np.asarray(traces[v].values, dtype=np.float64)
        values = np.where(inside, trace[np.minimum(k, len(twt) - 1)], np.nan)
        part[f"{v}_GRID" if v in part.columns else v] = values
    return part
