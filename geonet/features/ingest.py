"""``ingest``: LAS files and log tables → one feature table; or one grid → its own table.

The jobs live in their own modules: finding inputs (:mod:`~geonet.features.discovery`), reading
one file into a :class:`~geonet.features.loaders.WellTable` (:mod:`~geonet.features.loaders`, with
depth repairs and unit conversion), running that over files (:mod:`~geonet.features.executor`),
and grids (:mod:`~geonet.features.grids`). This module checks the options, runs them and writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from geonet import __version__
from geonet.atomic import check_output_target, sweep_stale_temporaries
from geonet.errors import ConfigError, InputError
from geonet.features.aliases import load_alias_table
from geonet.features.columns import WellColumns, as_frame
from geonet.features.dataset import PartJob, check_dataset_out, finish, is_dataset_out, options_key, receipt_path
from geonet.features.depth import DUPLICATE_RULES
from geonet.features.discovery import expand_inputs, input_kind
from geonet.features.executor import Failure, check_placement, map_files
from geonet.features.grids import grid_naming, predict_grid  # noqa: F401 - used by predict
from geonet.features.labels import read_labels
from geonet.features.loaders import LoadOptions, WellTable, load_file, load_inputs, load_well  # noqa: F401
from geonet.features.prepare import prepare_file, well_summary  # noqa: F401 - well_summary is public here too
from geonet.features.table import order_columns, write_feature_table
from geonet.io.las_limits import LasLimits
from geonet.io.write import write_parquet_columns

REPORT_HEADER = ("well", "rows", "curves", "null fraction", "depth range (m)")
FORMATS = ("parquet", "csv")


@dataclass
class IngestReport:
    out_path: Path | None
    wells: list[str] = field(default_factory=list)
    rows: int = 0
    curves: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    per_well: list[dict] = field(default_factory=list)
    tracebacks: dict[str, str] = field(default_factory=dict)
    kind: str = "wells"
    reused: int = 0  # dataset output: source files whose parts were already there (unchanged)

    def table_rows(self) -> list[tuple[str, ...]]:
        """Rows of the printed report (header ``REPORT_HEADER``), one per well or grid, plus a total."""
        rows = []
        for w in self.per_well:
            rng = "" if w["depth_min"] is None else f"{w['depth_min']:.2f} – {w['depth_max']:.2f}"
            rows.append((str(w["well"]), str(w["rows"]), str(w["curves"]), f"{w['null_fraction']:.3f}", rng))
        rows.append((f"total ({len(self.per_well)})", str(self.rows), str(len(self.curves)), "", ""))
        return rows


def _positive(name: str, value, integer: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    if not ok or (integer and int(value) != value):
        raise ConfigError(f"--{name.replace('_', '-')} must be a positive {'whole ' if integer else ''}number, got {value!r}")


def check_options(format: str, step_m, duplicates: str, jobs, limits: dict, scheduler: str | None = None) -> LasLimits:
    """Every option checked before anything is read or written; returns the LAS limits."""
    try:
        check_placement(jobs, scheduler)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if format not in FORMATS:
        raise ConfigError(f"unknown --format {format!r} (parquet or csv)")
    if step_m is not None:
        _positive("step_m", step_m)
    if duplicates not in DUPLICATE_RULES:
        raise ConfigError(f"unknown --duplicates {duplicates!r} ({' or '.join(DUPLICATE_RULES)})")
    if jobs is not None:
        _positive("jobs", jobs, integer=True)
    for name, value in limits.items():
        _positive(name, value)
    return LasLimits(max_line_chars=int(limits["max_line_chars"]), max_token_chars=int(limits["max_token_chars"]),
                     max_header_bytes=int(limits["max_header_mb"] * 1e6), max_file_bytes=int(limits["max_file_mb"] * 1e6))


class _Progress:
    """A rich progress bar over files on stderr (no-op when disabled)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.bar = None
        if enabled and total > 1:
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("ingest", total=total)

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def advance(self, name: str) -> None:
        if self.bar:
            self.bar.update(self.task, advance=1, description=name[-30:])

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.__exit__(*exc)


def ingest(
    inputs: list[str | Path], out: Path, *, format: str = "parquet", step_m: float | None = None,
    labels: str | Path | None = None, aliases: str | Path | None = None, strict: bool = False,
    jobs: int | None = None, scheduler: str | None = None, progress: bool = False, grid_block_cells: int = 1 << 20,
    well_col: str | None = None, depth_col: str | None = None, depth_unit: str | None = None,
    duplicates: str = "first", max_line_chars: int = 16_384, max_token_chars: int = 256,
    max_header_mb: float = 4.0, max_file_mb: float = 2000.0,
    segy_inline_byte: int = 189, segy_crossline_byte: int = 193, segy_x_byte: int = 181, segy_y_byte: int = 185,
    segy_domain: str = "time", segy_name: str = "AMPLITUDE", segy_nulls: tuple[float, ...] = (),
) -> IngestReport:
    """Ingest wells (LAS/tables) into one feature table at ``out``, or one grid into its own table.

    A SEG-Y file is a grid; ``segy_*`` say where its trace headers keep inline, crossline and CDP X/Y
    (:class:`geonet.io.segy.SegyLayout`), what its samples are, its values' name and undefined values.
    ``out`` a folder (existing, ending in ``/`` or without a suffix): a partitioned Parquet dataset,
    each file's wells written by the task that read it, resumable (:mod:`geonet.features.dataset`).
    Bad files are skipped and listed in ``report.skipped`` (``strict`` raises at the first one).
    ``jobs``: processes on this machine (``None``: every core when there is more than one file);
    ``scheduler``: ``local:N`` or a Dask scheduler address instead (:mod:`geonet.features.executor`).
    Raises :class:`ConfigError` for bad options or grids mixed with wells, :class:`InputError`
    when no input could be read.
    """
    limits = check_options(format, step_m, duplicates, jobs, dict(
        max_line_chars=max_line_chars, max_token_chars=max_token_chars, max_header_mb=max_header_mb,
        max_file_mb=max_file_mb), scheduler)
    if depth_unit is not None:
        from geonet.features.units import depth_factor

        if depth_factor(depth_unit) is None:
            raise ConfigError(f"--depth-unit {depth_unit!r} is not a length unit geonet knows (m, ft, cm, mm, in ...)")
    dataset = is_dataset_out(out)
    out = check_output_target(out, folder=dataset)  # a FIFO, device, symlink … is refused before any work
    sweep_stale_temporaries(out.parent)
    if dataset:
        check_dataset_out(out, format)
    table = load_alias_table(aliases)  # fail early on a bad alias file
    files, missing = expand_inputs(inputs)
    here = out.resolve()
    files = [p for p in files if p.resolve() != here and here not in p.resolve().parents]  # never read the output
    if missing and strict:
        raise InputError(missing[0][1], path=missing[0][0])
    grids = [p for p in files if input_kind(p) == "grid"]
    if grids and dataset:
        raise ConfigError(f"a grid is ingested into one table: give --out FILE.parquet, not the folder {out}")
    if grids:
        from geonet.io.segy import SegyLayout

        segy = SegyLayout(segy_inline_byte, segy_crossline_byte, segy_x_byte, segy_y_byte, str(segy_domain),
                          segy_name, tuple(float(v) for v in segy_nulls))
        return _one_grid(grids, files, out, format, table, grid_block_cells, step_m, labels, missing, segy)
    if not files:
        raise InputError("no input files found" + (f" ({missing[0][0]}: {missing[0][1]})" if missing else ""))
    label_kind, label_table = read_labels(labels) if labels is not None else (None, None)
    options = LoadOptions(aliases=aliases, well_col=well_col, depth_col=depth_col, depth_unit=depth_unit,
                          duplicates=duplicates, limits=limits)
    report = IngestReport(out_path=None, skipped=list(missing))
    label_spec = (label_kind, label_table, labels)
    if dataset:
        job = PartJob(here, options, step_m, label_spec, options_key(options, step_m, labels))
        results = _run(job, files, jobs, scheduler, progress, strict, report)
        return _finish_dataset(files, results, out, table, strict, report)
    frames, sources, units, summaries = [], [], {}, []
    prepare = partial(prepare_file, options=options, step_m=step_m, labels=label_spec, columns_ok=format == "parquet")
    results = _run(prepare, files, jobs, scheduler, progress, strict, report)
    for path in files:  # the input order, whatever order the files were read in
        loaded = results[path]
        if isinstance(loaded, Failure):
            _skip(report, path, loaded, strict)
            continue
        sources.append(_take(loaded, path, units, report))
        frames += loaded.frame
        summaries += loaded.provenance["summaries"]
    if not frames:
        reasons = "; ".join(f"{p}: {r}" for p, r in report.skipped[:3])
        raise InputError(f"none of the {len(report.skipped)} inputs could be read ({reasons})")
    _write_wells(frames, out, format, table, sources, units, report, summaries)
    return report


def _run(fn, files, jobs, scheduler, progress, strict, report) -> dict:
    """``{path: fn(path) or Failure}`` over the executor; with ``strict`` the first failure raises."""
    results = {}
    with _Progress(progress, len(files)) as bar:
        for path, result in map_files(fn, files, jobs, scheduler):
            bar.advance(path.name)
            if isinstance(result, Failure) and strict:
                _skip(report, path, result, strict)
            results[path] = result
    return results


def _finish_dataset(files, results, out: Path, table, strict: bool, report: IngestReport) -> IngestReport:
    """Receipts in input order → the dataset's manifest; bad files to ``report.skipped``. The old
    parts of a file whose worker was lost (not the file's fault) stay on disk for the rerun."""
    here = out.resolve()
    receipts, keep = [], set()
    for path in files:
        result = results[path]
        if isinstance(result, Failure):
            _skip(report, path, result, strict)
            if result.error is None:
                keep.add(receipt_path(here, path.resolve()).name)
            continue
        keep.add(receipt_path(here, path.resolve()).name)
        receipts.append(result)
        report.warnings += [(str(path), note) for note in result["notes"]]
        report.per_well += result["summaries"]
        report.reused += bool(result["reused"])
    if not receipts:
        reasons = "; ".join(f"{p}: {r}" for p, r in report.skipped[:3])
        raise InputError(f"none of the {len(report.skipped)} inputs could be read ({reasons})")
    manifest, warnings = finish(here, receipts, keep, table)
    report.warnings += warnings
    report.out_path, report.rows = out, manifest["rows"]
    report.curves = [c for c in manifest["units"] if c != "DEPTH_M"]
    report.wells = [w["well"] for w in report.per_well]
    return report


def _skip(report: IngestReport, path: Path, failure: Failure, strict: bool) -> None:
    if strict:
        raise failure.error if failure.error is not None else InputError(failure.reason, path=path)
    report.skipped.append((str(path), failure.reason))
    report.tracebacks[str(path)] = failure.traceback


def _take(loaded: WellTable, path: Path, units: dict, report: IngestReport) -> dict:
    """Notes to warnings; units written per column (a clash is a warning); the source entry."""
    prov = loaded.provenance
    for note in prov.get("notes", []):
        report.warnings.append((str(path), note))
    for col, unit in prov["units_out"].items():
        if not units.get(col):
            units[col] = unit
        elif unit and units[col] != unit:
            report.warnings.append((str(path), f"{col} is in {unit!r}, other files use {units[col]!r} (not converted)"))
    return {k: prov[k] for k in ("path", "sha256", "well", "mnemonics", "units", "units_out")}


def _one_grid(grids, files, out, format, table, max_cells, step_m, labels, missing, segy=None) -> IngestReport:
    from geonet.features.grids import ingest_grid

    if len(files) > len(grids) or len(grids) > 1:
        raise ConfigError(
            f"cannot mix grids with other inputs in one call ({len(grids)} grid(s), {len(files) - len(grids)} "
            "well file(s)): ingest each grid on its own, with its own --out"
        )
    if step_m is not None or labels is not None:
        raise ConfigError("--step-m and --labels apply to wells, not to grids")
    summary = ingest_grid(grids[0], out, format, table, max_cells, segy)
    report = IngestReport(out_path=out, rows=summary["rows"], curves=summary["curves"], kind="grid", skipped=list(missing))
    report.per_well.append({**summary, "curves": len(summary["curves"])})
    return report


def _write_wells(frames, out, format, table, sources, units, report: IngestReport, summaries: list[dict]) -> None:
    seen: dict[str, int] = {}
    for f in frames:
        w = f.well if isinstance(f, WellColumns) else str(f["WELL"].iloc[0])
        seen[w] = seen.get(w, 0) + 1
    for w, n in seen.items():
        if n > 1:
            report.warnings.append((w, f"well {w} comes from {n} files/parts; rows are concatenated"))
    if format == "parquet" and all(isinstance(f, WellColumns) for f in frames):
        names = order_columns(dict.fromkeys(c for f in frames for c in f.names), table)
        report.out_path = out
        write_parquet_columns([(f.well, f.columns) for f in frames], names, out, _meta(names, units, sources))
        rows = sum(len(f) for f in frames)
    else:
        df = _one_frame([as_frame(f) for f in frames], table, report)
        names = list(df.columns)
        report.out_path = write_feature_table(df, out, _meta(names, units, sources), format)
        rows = len(df)
    report.rows, report.curves = rows, names[2:]
    report.per_well += summaries
    report.wells = [w["well"] for w in report.per_well]


def _meta(names: list[str], units: dict, sources: list[dict]) -> dict:
    return {"geonet_version": __version__, "units": {c: units.get(c, "") for c in names if c != "WELL"},
            "sources": sources}


def _one_frame(frames: list, table, report: IngestReport):
    """The wells' frames stacked: columns in table order, numbers as float64, text as categories."""
    import pandas as pd

    frames = _agree_on_types(frames, report)
    df = pd.concat(frames, ignore_index=True, sort=False)
    df = df[order_columns(df.columns, table)]
    for c in df.columns[2:]:
        if df[c].dtype != np.float64 and df[c].dtype.kind in "iufb":
            df[c] = df[c].astype(np.float64)
        elif df[c].dtype.kind == "O":
            df[c] = df[c].astype("category")
    df["WELL"] = df["WELL"].astype(str)
    return df


def _agree_on_types(frames: list, report: IngestReport) -> list:
    """A column that holds numbers in some wells and text in others becomes numbers everywhere
    (text that is not a number becomes null), with a warning naming the well."""
    import pandas as pd

    numeric = {c for f in frames for c in f.columns[2:] if f[c].dtype.kind in "iufb"}
    out = []
    for f in frames:
        clash = [c for c in f.columns[2:] if c in numeric and f[c].dtype.kind not in "iufb"]
        if clash:
            f = f.copy()
            for c in clash:
                f[c] = pd.to_numeric(f[c].astype("string"), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            report.warnings.append((str(f["WELL"].iloc[0]), f"{', '.join(clash)}: text in this well, numbers in "
                                    "others: read as numbers (text that is not a number became null)"))
        out.append(f)
    return out
