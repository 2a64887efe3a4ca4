"""``geonet predict``: run a trained model on new wells or grids and write the predictions back.

- LAS input → a copy of the LAS with the prediction added as curves (class code and one
  probability curve per class, or the predicted value), plus one table of every well's predictions.
- Table input (CSV/Parquet) → the same table of predictions.
- Grid input (NetCDF/Zarr/SEG-Y) → a NetCDF with the prediction as new variables on the same
  coordinates; a SEG-Y input also gets ``<name>_geonet.sgy``, the prediction with its headers.

With a ``scheduler`` (``local:N`` or ``tcp://HOST:PORT``) the wells are predicted in parallel on
Dask, one task per file (:class:`PredictJob`: the model goes to each worker once): each task writes
its LAS, picture and its wells' rows of the table, ``predictions/well=<name>/part-<key>.parquet``
(a partitioned dataset, :mod:`geonet.features.dataset`); a file that fails is skipped and named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from geonet import __version__
from geonet.atomic import check_output_target, sweep_stale_temporaries
from geonet.errors import ConfigError, InputError
from geonet.paths import is_uri
from geonet.train.model import QC_COLUMN, GeonetModel, code_name, load_model



@dataclass
class PredictResult:
    outputs: list[Path] = field(default_factory=list)
    table: Path | None = None
    notes: list[str] = field(default_factory=list)  # e.g. curves absent and filled with medians
    skipped: list[tuple[str, str]] = field(default_factory=list)  # with a scheduler: (file, reason)
    imputed_fraction: dict[str, dict[str, float]] = field(default_factory=dict)  # file → curve → share imputed
    rows: int = 0


def predict(
    model: str,
    inputs: list[str | Path],
    out_dir: str | Path,
    *,
    tracking_uri: str | None = None,
    fmt: str = "parquet",
    plots: bool = True,
    segy_inline_byte: int = 189, segy_crossline_byte: int = 193, segy_x_byte: int = 181, segy_y_byte: int = 185,
    segy_domain: str = "time", segy_name: str = "AMPLITUDE", segy_nulls: tuple[float, ...] = (),
    scheduler: str | None = None,
) -> PredictResult:
    """Predict every input with ``model`` and write the results under ``out_dir``.

    ``model``: ``runs:/<id>/<model name>``, ``models:/<name>/<version|latest>`` or a local directory.
    Inputs get the same normalisation as ``geonet ingest`` (aliases, depth units, nulls), then
    the model's stored transforms. Outputs are written to temporary files and renamed.
    With ``plots``, each LAS also gets a well-track picture ``<name>_geonet.png``. ``segy_*``: where
    SEG-Y inputs keep their numbers (:class:`geonet.io.segy.SegyLayout`; as for ``ingest``).
    With ``scheduler`` the wells run on Dask and the table is the dataset folder ``out_dir/predictions/``.
    """
    from geonet.io.segy import SegyLayout
    from geonet.tracking.pyfunc_model import resolve_model_dir
    from geonet.tracking.store import resolve_tracking_uri

    if scheduler is not None:
        from geonet.features.dataset import check_dataset_out
        from geonet.features.executor import check_scheduler

        try:
            check_scheduler(scheduler)
        except ValueError as exc:
            raise ConfigError(f"--scheduler: {exc}") from None
        check_dataset_out(Path(out_dir) / PARTS_DIR, fmt)
    segy = SegyLayout(segy_inline_byte, segy_crossline_byte, segy_x_byte, segy_y_byte, str(segy_domain), segy_name,
                      tuple(float(v) for v in segy_nulls))
    out_dir = check_output_target(out_dir, folder=True)  # before any work
    model_dir = resolve_model_dir(model, resolve_tracking_uri(tracking_uri) if is_uri(model) else "")
    loaded = load_model(model_dir)
    origin = provenance(model, model_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sweep_stale_temporaries(out_dir)
    from geonet.features.ingest import expand_inputs, input_kind, load_well, predict_grid

    result = PredictResult()
    files, missing = expand_inputs(inputs)
    if missing:
        raise InputError(missing[0][1], path=missing[0][0])
    if not files:
        raise InputError(f"no LAS, table or grid files in {', '.join(map(str, inputs))}")
    if scheduler is not None:
        wells = [p for p in files if input_kind(p) != "grid"]
        _predict_on_cluster(model, loaded, origin, wells, out_dir, plots, scheduler, result)
        files = [p for p in files if input_kind(p) == "grid"]
    frames = []
    names = output_names(files)
    for path in files:
        kind = input_kind(path)
        if kind == "grid":
            _check_grid_model(loaded, path)
            out = out_dir / f"{names[path]}_geonet.nc"
            predict_grid(path, out, lambda chunk, src=path: _grid_columns(loaded, chunk, src), segy=segy,
                         attrs=grid_attrs(origin, path))
            result.outputs.append(out)
            if path.suffix.lower() in {".sgy", ".segy"}:
                result.outputs.append(_write_segy(path, out, loaded.pred_column, out_dir / f"{names[path]}_geonet.sgy", segy,
                                                  text=segy_text(origin, loaded.pred_column)))
            continue
        df = load_well(path)
        result.notes += loaded.imputation_notes(df, source=str(path))
        result.imputed_fraction[str(path)] = loaded.imputed_fractions(df)
        pred = loaded.predict_frame(df, source=str(path))
        if kind == "las":
            result.outputs.append(_write_las(path, out_dir / f"{names[path]}_geonet.las", loaded, pred, origin))
            if plots and "DEPTH_M" in df.columns:
                result.outputs.append(_write_picture(df, loaded, pred, out_dir / f"{names[path]}_geonet.png"))
        keep = [c for c in ("WELL", "DEPTH_M", loaded.target) if c in df.columns]
        frames.append(pd.concat([df[keep], pred], axis=1))
    if frames:
        from geonet.features.table import write_feature_table

        table = pd.concat(frames, ignore_index=True)
        result.rows = len(table)
        result.table = out_dir / f"predictions.{'csv' if fmt == 'csv' else 'parquet'}"
        meta = {"geonet_version": __version__, "model": model, "run_id": origin["GEONET_RUN_ID"][0],
                "predicted_at": origin["GEONET_DATE"][0], "sources": [str(p) for p in files],
                "imputed_fraction": result.imputed_fraction}
        write_feature_table(table, result.table, meta, fmt=fmt)
        result.outputs.append(result.table)
    return result


def output_names(files: list[Path]) -> dict[Path, str]:
    """A distinct output name per input: its stem (``well`` for ``well.las``, ``cube`` for
    ``cube.nc``), with as many parent folders as it takes when two inputs share one
    (``a/well.las``, ``b/well.las`` → ``a_well``, ``b_well``), never one written over another."""
    def base(p: Path) -> str:
        return p.name.split(".")[0] if p.suffix.lower() in (".nc", ".zarr", ".nc4", ".cdf") else p.stem

    def name(p: Path, depth: int) -> str:
        parents = [q.name for q in list(p.resolve().parents)[:depth]][::-1]
        return "_".join([*(x for x in parents if x), base(p)])

    files = list(dict.fromkeys(files))
    names: dict[Path, str] = {}
    for p in files:
        clash = [q for q in files if base(q).lower() == base(p).lower()]
        depth = 0
        while len({name(q, depth).lower() for q in clash}) < len(clash) and depth < len(p.resolve().parents):
            depth += 1
        names[p] = name(p, depth)
    taken: dict[str, int] = {}
    for p in files:  # still equal (names differing only in case, on a case-blind disk): number them
        key = names[p].lower()
        taken[key] = taken.get(key, 0) + 1
        if taken[key] > 1:
            names[p] = f"{names[p]}_{taken[key]}"
    return names


#: unit of a predicted class code (a label, not a quantity; names in ~Parameter CLASS_<code>)
CODE_UNIT = "code"


PARTS_DIR = "predictions"


@dataclass(frozen=True)
class PredictJob:
    """The task of one well file on a worker: its LAS copy, picture and table part (``job(path) → receipt``)."""

    model: GeonetModel
    origin: dict  # ~Well provenance items of the predicted LAS (:func:`provenance`)
    out_dir: Path
    plots: bool
    key: str  # names the parts: the model's identity

    def __call__(self, path: Path) -> dict:
        from geonet.features.dataset import write_well_part
        from geonet.features.ingest import input_kind, load_well
        from geonet.paths import sha256_bytes

        path = Path(path)
        df = load_well(path)
        notes = self.model.imputation_notes(df, source=str(path))
        imputed = self.model.imputed_fractions(df)
        pred = self.model.predict_frame(df, source=str(path))
        outputs = []
        if input_kind(path) == "las":
            outputs.append(str(_write_las(path, self.out_dir / f"{path.stem}_geonet.las", self.model, pred,
                                           self.origin)))
            if self.plots and "DEPTH_M" in df.columns:
                outputs.append(str(_write_picture(df, self.model, pred, self.out_dir / f"{path.stem}_geonet.png")))
        keep = [c for c in ("WELL", "DEPTH_M", self.model.target) if c in df.columns]
        table = pd.concat([df[keep], pred], axis=1)
        table["WELL"] = table["WELL"].astype(str)
        name = f"part-{sha256_bytes((str(path.resolve()) + self.key).encode())[:16]}.parquet"
        meta = {"geonet_version": __version__, "sources": [str(path)], "imputed_fraction": {str(path): imputed}}
        parts = [write_well_part(frame, self.out_dir / PARTS_DIR, name, meta)
                 for _, frame in table.groupby("WELL", sort=False, observed=True)]
        return {"path": str(path), "outputs": outputs, "notes": notes, "imputed": imputed, "parts": parts}


def _predict_on_cluster(model: str, loaded: GeonetModel, origin: dict, files: list[Path], out_dir: Path, plots: bool,
                        scheduler: str, result: PredictResult) -> None:
    """Every well file as a task on ``scheduler``; receipts in input order → the predictions dataset."""
    from geonet.features.dataset import remove_unclaimed, write_manifest
    from geonet.features.executor import Failure, map_files
    from geonet.paths import sha256_bytes

    job = PredictJob(loaded, origin, out_dir.resolve(), plots, sha256_bytes(model.encode()))
    done = dict(map_files(job, files, scheduler=scheduler))
    receipts = []
    for path in files:
        r = done[path]
        if isinstance(r, Failure):
            result.skipped.append((str(path), r.reason))
            continue
        receipts.append(r)
        result.outputs += [Path(o) for o in r["outputs"]]
        result.notes += r["notes"]
        result.imputed_fraction[str(path)] = r["imputed"]
    if not receipts:
        return
    table_dir = out_dir / PARTS_DIR
    manifest, _ = write_manifest(table_dir, receipts, None, {}, {
        "model": model, "run_id": origin["GEONET_RUN_ID"][0], "predicted_at": origin["GEONET_DATE"][0],
        "sources": [r["path"] for r in receipts], "imputed_fraction": result.imputed_fraction}, order=False)
    remove_unclaimed(table_dir, {p["path"] for r in receipts for p in r["parts"]})
    result.rows, result.table = manifest["rows"], table_dir
    result.outputs.append(table_dir)


def prediction_curves(model: GeonetModel, pred: pd.DataFrame) -> dict[str, tuple[np.ndarray, str, str]]:
    """LAS curves for a prediction frame: name → (values, unit, description). Every curve has a unit."""
    from geonet.features.units import canonical_unit

    qc = {QC_COLUMN: (pred[QC_COLUMN].to_numpy(), "v/v", "geonet share of input curves imputed")} \
        if QC_COLUMN in pred.columns else {}
    if model.task != "classify":
        return {model.pred_column: (pred[model.pred_column].to_numpy(), canonical_unit(model.target) or "unitless",
                                    f"geonet predicted {model.target}"), **qc}
    curves = {model.pred_column: (pred[model.pred_column].to_numpy(), CODE_UNIT,
                                  f"geonet predicted {model.target} code (names in ~Parameter)")}
    for name, code in zip(model.prob_columns(), model.classes):
        curves[name] = (pred[name].to_numpy(), "v/v", f"geonet probability of {code_name(code)}")
    return {**curves, **qc}


def class_lookup(model: GeonetModel) -> dict[str, tuple[object, str]]:
    """~Parameter entries naming each predicted code, e.g. ``CLASS_65000 = Shale``."""
    if model.task != "classify":
        return {}
    return {f"CLASS_{name.removeprefix('PROB_')}": (code_name(code), f"{model.pred_column} code name")
            for name, code in zip(model.prob_columns(), model.classes)}


def provenance(model_uri: str, model_dir: Path, when: datetime | None = None) -> dict[str, tuple[object, str]]:
    """~Well items saying where a prediction came from: run id, model URI, geonet version, UTC time.

    The run id is the one in ``runs:/<id>/…``, else the ``run_id`` of the MLflow model the geonet
    model was downloaded in (its ``MLmodel`` file), else empty (a local model directory).
    """
    when = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return {
        "GEONET_RUN_ID": (_run_id(model_uri, model_dir), "MLflow run that trained the model"),
        "GEONET_MODEL": (model_uri, "model URI or directory"),
        "GEONET_VERSION": (__version__, "geonet version"),
        "GEONET_DATE": (when.strftime("%Y-%m-%dT%H:%M:%SZ"), "prediction time, UTC, ISO 8601"),
    }


def grid_attrs(origin: dict, source: Path) -> dict[str, str]:
    """Where a predicted grid came from, as NetCDF global attributes: the items of :func:`provenance`
    (``geonet_run_id``, ``geonet_model``, ``geonet_version``, ``geonet_date``) and the source grid."""
    return {**{key.lower(): str(value) for key, (value, _) in origin.items()}, "geonet_source": str(source)}


def segy_text(origin: dict, column: str) -> tuple[str, ...]:
    """Lines for a predicted SEG-Y's textual header: what the traces are and where they came from."""
    return (f"GEONET PREDICTION {column}  geonet {origin['GEONET_VERSION'][0]}  {origin['GEONET_DATE'][0]}",
            f"MODEL {origin['GEONET_MODEL'][0]}",
            f"MLFLOW RUN {origin['GEONET_RUN_ID'][0] or 'none (a local model directory)'}")


def _run_id(model_uri: str, model_dir: Path) -> str:
    if model_uri.startswith("runs:/"):
        return model_uri.removeprefix("runs:/").split("/")[0]
    for folder in [Path(model_dir), *Path(model_dir).parents][:4]:
        mlmodel = folder / "MLmodel"
        if mlmodel.is_file():
            found = re.search(r"^run_id:\s*(\S+)\s*$", mlmodel.read_text(encoding="utf-8", errors="replace"), re.M)
            return found.group(1).strip("'\"") if found else ""
    return ""


def _write_las(src: Path, dst: Path, model: GeonetModel, pred: pd.DataFrame, origin: dict) -> Path:
    from geonet.io.las_write import write_las_with_curves

    write_las_with_curves(src, dst, prediction_curves(model, pred), params=class_lookup(model), well=origin)
    return dst


def _write_picture(df: pd.DataFrame, model: GeonetModel, pred: pd.DataFrame, path: Path) -> Path:
    from geonet.tracking.plots import save_figure
    from geonet.workflows.reports import well_figure

    title = str(df["WELL"].iloc[0]) if "WELL" in df.columns and len(df) else path.stem
    return save_figure(well_figure(df, model, pred, title=title), path)


def _write_segy(src: Path, nc: Path, column: str, out: Path, segy=None, text: tuple[str, ...] = ()) -> Path:
    """The prediction ``column`` of ``nc`` as a SEG-Y with the headers of ``src`` (``text`` over its
    textual header's last lines)."""
    from geonet.io.grid import open_grid
    from geonet.io.segy import SegyLayout, write_segy_like

    ds = open_grid(nc)
    dims = [d for d in ds[column].dims]
    values = ds[column].transpose(*dims)  # lazy: written one inline at a time
    return write_segy_like(src, out, values, ds[dims[0]].values, ds[dims[1]].values, segy or SegyLayout(), text)


def _check_grid_model(model: GeonetModel, path: Path) -> None:
    """Depth context and well-wise statistics need rows of one well in depth order: grids have none."""
    pre = model.preprocessor
    uses = [name for name, on in (("--context", pre.context), ("--context-windows", pre.context_windows),
                                  ("--well-norm", pre.well_norm)) if on]
    if uses:
        raise ConfigError(f"the model was trained with {', '.join(uses)}, which need wells (rows of one well in "
                          "depth order); a grid has none: train with --context 0 --context-windows '' for grids", path=str(path))


def _grid_columns(model: GeonetModel, chunk: pd.DataFrame, path: Path) -> dict[str, np.ndarray]:
    pred = model.predict_frame(chunk, source=str(path))
    return {c: pred[c].to_numpy() for c in pred.columns}
