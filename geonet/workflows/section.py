"""``geonet section``: a model trained at the wells applied to every trace of a tied grid.

The grid is the NetCDF ``geonet tie --grid-out`` writes (SEG-Y values and their attributes on
INLINE × CROSSLINE × TWT). Writes ``<name>_geonet.nc`` (the prediction on the grid's coordinates,
block by block), ``<name>_geonet.sgy`` (the prediction with the headers of the source SEG-Y whose
samples match the grid), ``<name>_geonet.png`` (a colour section of one inline with the wells
drawn at their crosslines in their own log values, and the data's credit line; the inline with the
most tied wells unless ``inline`` says) and
``section_scores.json``: at each tied well, the correlation and RMSE between the predicted trace and
the well's own target log in time (from the tie table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geonet.atomic import write_text_atomic
from geonet.errors import InputError
from geonet.paths import is_uri
from geonet.train.model import load_model


@dataclass
class SectionResult:
    outputs: list[Path] = field(default_factory=list)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # well → corr, rmse, n
    notes: list[str] = field(default_factory=list)


def predict_section(model: str, grid: str | Path, out_dir: str | Path, *, tie_table: str | Path | None = None,
                    segy_like: str | Path | None = None, credit: str = "", tracking_uri: str | None = None,
                    plots: bool = True, inline: int | None = None) -> SectionResult:
    """Predict every cell of ``grid`` with ``model``; write NetCDF, SEG-Y, picture and well scores."""
    from geonet.features.grids import predict_grid
    from geonet.io.grid import open_grid
    from geonet.tracking.pyfunc_model import resolve_model_dir
    from geonet.tracking.store import resolve_tracking_uri
    from geonet.workflows.predict import _check_grid_model, grid_attrs, provenance, segy_text

    grid, out_dir = Path(grid), Path(out_dir)
    model_dir = resolve_model_dir(model, resolve_tracking_uri(tracking_uri) if is_uri(model) else "")
    loaded = load_model(model_dir)
    origin = provenance(model, model_dir)
    _check_grid_model(loaded, grid)
    result = SectionResult()
    stem = grid.name.split(".")[0]
    nc = out_dir / f"{stem}_geonet.nc"
    col = loaded.pred_column
    predict_grid(grid, nc, lambda chunk: {col: loaded.predict_frame(chunk, source=str(grid))[col].to_numpy()},
                 attrs=grid_attrs(origin, grid))
    result.outputs.append(nc)
    src_ds, pred_ds = open_grid(grid), open_grid(nc)
    dims = ("INLINE", "CROSSLINE", "TWT")
    values = pred_ds[col].transpose(*dims)  # lazy: read a trace or an inline at a time
    twt = np.asarray(src_ds["TWT"].values, dtype=np.float64)
    source = _matching_segy(src_ds, twt, segy_like)
    if source is None:
        result.notes.append("no source SEG-Y with the grid's samples: SEG-Y output skipped")
    else:
        from geonet.io.segy import write_segy_like

        result.outputs.append(write_segy_like(source, out_dir / f"{stem}_geonet.sgy", values,
                                              src_ds["INLINE"].values, src_ds["CROSSLINE"].values,
                                              text=segy_text(origin, col)))
    wells = _wells_in_time(tie_table, loaded.target) if tie_table is not None else pd.DataFrame()
    result.scores = _well_scores(wells, values, src_ds, twt, loaded)
    scores_path = out_dir / "section_scores.json"
    write_text_atomic(scores_path, json.dumps({"target": loaded.target, "wells": result.scores}, indent=2))
    result.outputs.append(scores_path)
    if plots:
        from geonet.tracking.plots import save_figure, section_plot

        ilines = [int(v) for v in np.asarray(src_ds["INLINE"].values)]
        il = inline if inline is not None else _busiest_inline(wells, ilines)
        if il not in ilines:
            raise InputError(f"inline {il} is not in the grid ({ilines[0]}…{ilines[-1]})", path=grid)
        marks = [m for m in _well_marks(wells, loaded.target) if m["inline"] == il]
        fig = section_plot(np.asarray(values[ilines.index(il)], dtype=np.float64), np.asarray(src_ds["CROSSLINE"].values), twt, wells=marks,
                           label=f"{col} (inline {il})", credit=credit)
        result.outputs.append(save_figure(fig, out_dir / f"{stem}_geonet.png"))
    return result


def _matching_segy(ds, twt: np.ndarray, segy_like) -> Path | None:
    from geonet.io.segy import sample_axis

    sources = [segy_like] if segy_like is not None else list(np.atleast_1d(ds.attrs.get("segy_sources", [])))
    for s in sources:
        if Path(s).exists():
            axis = sample_axis(s)
            if len(axis) == len(twt) and np.allclose(axis, twt):
                return Path(s)
    return None


def _wells_in_time(tie_table, target: str) -> pd.DataFrame:
    from geonet.features.table import read_feature_table

    df = read_feature_table(tie_table)
    if target not in df.columns:
        raise InputError(f"the tie table has no {target} column", path=tie_table)
    return df


def _well_scores(wells: pd.DataFrame, values, ds, twt, model) -> dict[str, dict[str, float]]:
    """At each tied well: correlation and RMSE of the predicted trace against its target in time
    (``corr``, ``rmse``, ``n`` samples); beside it ``corr_well_inputs``: the same model fed the well's
    own inputs (its logs in time) on the same samples — what the grid's inputs cost or gain."""
    target = model.target
    if wells.empty or "CROSSLINE" not in wells.columns:
        return {}
    scores = {}
    il, xl = list(np.asarray(ds["INLINE"].values)), list(np.asarray(ds["CROSSLINE"].values))
    for well, part in wells.dropna(subset=["CROSSLINE"]).groupby("WELL", sort=False):
        i, j = il.index(int(part["INLINE"].iloc[0])), xl.index(int(part["CROSSLINE"].iloc[0]))
        k = np.searchsorted(twt, part["TWT"].to_numpy())
        ok = k < len(twt)
        pred = np.full(len(part), np.nan)
        pred[ok] = np.asarray(values[i, j], dtype=np.float64)[k[ok]]
        true = part[target].to_numpy(np.float64)
        both = np.isfinite(pred) & np.isfinite(true)
        if both.sum() < 3:
            continue
        own = model.predict_frame(part, source="tie table")[model.pred_column].to_numpy(np.float64)
        mine = both & np.isfinite(own)
        scores[str(well)] = {"corr": float(np.corrcoef(pred[both], true[both])[0, 1]),
                             "rmse": float(np.sqrt(np.mean((pred[both] - true[both]) ** 2))), "n": int(both.sum()),
                             "corr_well_inputs": float(np.corrcoef(own[mine], true[mine])[0, 1]) if mine.sum() > 2 else float("nan")}
    return scores


def _busiest_inline(wells: pd.DataFrame, ilines: list[int]) -> int:
    """The inline with the most tied wells, else the middle one."""
    if not wells.empty and "INLINE" in wells.columns and wells["INLINE"].notna().any():
        per_well = wells.dropna(subset=["INLINE"]).groupby("WELL")["INLINE"].first()
        return int(per_well.value_counts().idxmax())
    return ilines[len(ilines) // 2]


def _well_marks(wells: pd.DataFrame, target: str) -> list[dict]:
    """For the picture: each tied well's crossline, times and target values."""
    if wells.empty or "CROSSLINE" not in wells.columns:
        return []
    marks = []
    for well, part in wells.dropna(subset=["CROSSLINE"]).groupby("WELL", sort=False):
        marks.append(dict(name=str(well), inline=int(part["INLINE"].iloc[0]), crossline=float(part["CROSSLINE"].iloc[0]),
                          twt=part["TWT"].to_numpy(np.float64), values=part[target].to_numpy(np.float64)))
    return marks
