"""Ingest LAS files, log tables and grids into one feature table (see docs/DESIGN.md).

``load_well`` normalises one file: WELL, DEPTH_M (metres), canonical curve names, nulls as NaN,
provenance in ``df.attrs["geonet"]``. ``ingest`` does that for a batch (optionally in parallel
processes), resamples and labels, and writes the table atomically. Grids go to their own table,
one grid per call: mixing grids with wells (or two grids) in one call is refused.
"""

from __future__ import annotations

import glob
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from geonet import __version__
from geonet.errors import ConfigError, GeonetError, InputError
from geonet.features import nulls, qc
from geonet.features.aliases import AliasTable, assign_names, canonical_name, load_alias_table
from geonet.features.labels import LABEL_COLUMNS, apply_labels, read_labels
from geonet.features.table import order_columns, write_feature_table
from geonet.features.units import depth_factor, depth_to_m_factor
from geonet.io.grid import GRID_SUFFIXES, is_grid_path
from geonet.io.tables import TABLE_SUFFIXES

LAS_SUFFIXES = {".las", ".las2", ".las3"}
WELL_COLUMNS = ("WELL", "WELL_NAME", "WELLNAME", "UWI")
DEPTH_COLUMNS = {"DEPTH_M": "m", "DEPTH_FT": "ft", "DEPTH": "", "DEPT": "", "MD": "", "DEPTH_MD": ""}
DEPTH_DIMS = {"depth", "dept", "z", "md", "tvd", "depth_m"}
REPORT_HEADER = ("well", "rows", "curves", "null fraction", "depth range (m)")


# ---------------------------------------------------------------------------- input discovery
def input_kind(path: Path) -> str:
    """"grid", "table" or "las" (anything else is tried as LAS and gets a clear error if it is not)."""
    if is_grid_path(path):
        return "grid"
    if path.suffix.lower() in TABLE_SUFFIXES:
        return "table"
    return "las"


def expand_inputs(inputs: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files from files, folders (recursive: .las, .csv, .parquet, .nc, .zarr) and globs; plus misses."""
    known = LAS_SUFFIXES | set(TABLE_SUFFIXES) | GRID_SUFFIXES
    found, missing = [], []
    for item in inputs:
        p = Path(item)
        if p.exists():
            if p.is_dir() and not is_grid_path(p):
                for root, dirs, files in os.walk(p):
                    dirs.sort()
                    grids = [d for d in dirs if is_grid_path(Path(root) / d)]
                    dirs[:] = [d for d in dirs if d not in grids and not d.startswith(".")]
                    found += [Path(root) / d for d in grids]
                    found += [Path(root) / f for f in sorted(files) if Path(f).suffix.lower() in known and not f.startswith(".")]
            else:
                found.append(p)
        elif any(ch in str(item) for ch in "*?["):
            hits = sorted(glob.glob(str(item), recursive=True))
            if not hits:
                missing.append((str(item), "no file matches this pattern"))
            found += [Path(h) for h in hits]
        else:
            missing.append((str(item), "file not found"))
    return list(dict.fromkeys(found)), missing


# ---------------------------------------------------------------------------- one well
def _well_name(raw) -> str:
    for key in ("UWI", "WELL"):
        value = raw.well.get(key, "").strip()
        if value and value.upper() not in {"UNKNOWN", "NONE", "N/A"}:
            return value
    return raw.path.stem


def _provenance(path, sha, well, mnemonics, units, **extra) -> dict:
    return {"path": str(path), "sha256": sha, "well": well, "mnemonics": mnemonics, "units": units, **extra}


def _load_las(path: Path, table: AliasTable):
    import pandas as pd

    from geonet.io.las import read_las

    raw = read_las(path)
    depth_curve = raw.curves[0]
    factor, depth_unit = depth_to_m_factor(depth_curve.unit, raw.strt_unit, path)
    depth = raw.data[:, 0] * factor if factor != 1.0 else raw.data[:, 0].copy()
    qc.check_depth(depth, path, raw.line_of_row)
    mnems = [c.mnemonic for c in raw.curves[1:]]
    names, notes = assign_names(mnems, table)
    dups = sorted({m.upper() for m in mnems if [x.upper() for x in mnems].count(m.upper()) > 1})
    if dups:
        notes.insert(0, f"duplicate mnemonics in ~Curve: {', '.join(dups)} (all kept, later ones suffixed)")
    if not depth_unit:
        notes.append("no depth unit in ~Curve or STRT: assumed metres")
    values = nulls.to_nan(raw.data[:, 1:].copy())
    well = _well_name(raw)
    cols = {"WELL": np.full(len(depth), well, dtype=object), "DEPTH_M": depth}
    cols.update({n: values[:, i] for i, n in enumerate(names)})
    df = pd.DataFrame(cols)
    df = df[order_columns(df.columns, table)]
    mnemonics = {"DEPTH_M": depth_curve.mnemonic, **{n: m for n, m in zip(names, mnems)}}
    units = {"DEPTH_M": depth_unit, **{n: c.unit for n, c in zip(names, raw.curves[1:])}}
    df.attrs["geonet"] = _provenance(
        path, raw.sha256, well, mnemonics, units, reader=raw.reader, las_version=raw.version,
        encoding=raw.encoding, notes=notes,
    )
    return df


def _load_table(path: Path, table: AliasTable):
    import hashlib

    import pandas as pd

    from geonet.io.tables import read_table

    df, meta = read_table(path)
    upper = {str(c).strip().upper(): c for c in df.columns}
    well_col = next((upper[c] for c in WELL_COLUMNS if c in upper), None)
    depth_key = next((c for c in DEPTH_COLUMNS if c in upper), None)
    if well_col is None or depth_key is None:
        need = "a well column (WELL)" if well_col is None else "a depth column (DEPTH_M, DEPTH, DEPT or MD)"
        raise InputError(f"table has no {need}; columns are {list(df.columns)[:12]}", path=path)
    notes = []
    unit = ((meta or {}).get("units") or {}).get(upper[depth_key]) or DEPTH_COLUMNS[depth_key]
    if not unit:
        unit = "m"
        notes.append(f"depth column {upper[depth_key]} has no unit: assumed metres")
    factor = depth_factor(unit)
    if factor is None:
        raise InputError(f"depth unit {unit!r} of column {upper[depth_key]} is not a known length unit", path=path)
    others = [c for c in df.columns if c not in (well_col, upper[depth_key])]
    numeric, dropped = [], []
    for c in others:
        if pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            numeric.append(c)
        else:
            dropped.append(str(c))
    if dropped:
        notes.append(f"non-numeric columns not used: {', '.join(dropped)}")
    names, rename_notes = assign_names([str(c) for c in numeric], table)
    notes += rename_notes
    depth = df[upper[depth_key]].to_numpy(dtype=np.float64) * factor
    wells = df[well_col].astype(str).str.strip().to_numpy(dtype=object)
    values = nulls.to_nan(np.array(df[numeric].to_numpy(dtype=np.float64, na_value=np.nan))) if numeric else np.empty((len(df), 0))
    cols = {"WELL": wells, "DEPTH_M": depth, **{n: values[:, i] for i, n in enumerate(names)}}
    out = pd.DataFrame(cols)
    for well, idx in out.groupby("WELL", sort=False).indices.items():
        qc.check_depth(depth[idx], f"{path} (well {well})", lambda i, idx=idx: int(idx[i]) + 2 if path.suffix.lower() == ".csv" else None)
    out = out[order_columns(out.columns, table)]
    units_in = ((meta or {}).get("units") or {})
    mnemonics = {"DEPTH_M": str(upper[depth_key]), **{n: str(c) for n, c in zip(names, numeric)}}
    units = {"DEPTH_M": unit, **{n: units_in.get(str(c), "") for n, c in zip(names, numeric)}}
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    out.attrs["geonet"] = _provenance(path, sha, sorted(set(wells)) if len(set(wells)) > 1 else (wells[0] if len(wells) else ""),
                                      mnemonics, units, reader="table", notes=notes)
    return out


def load_well(path: str | Path, *, aliases: str | Path | None = None):
    """One LAS or table file → normalised DataFrame (WELL, DEPTH_M, canonical curves[, LITHOLOGY]).

    Rows stay in file order, no resampling; provenance in ``df.attrs["geonet"]``. Raises a
    :class:`GeonetError` naming the file (and line) on bad input.
    """
    path = Path(path)
    table = load_alias_table(aliases)
    kind = input_kind(path)
    if kind == "grid":
        raise InputError("is a grid (NetCDF/Zarr): ingest it on its own with `geonet ingest`", path=path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a file", path=path)
    return _load_table(path, table) if kind == "table" else _load_las(path, table)


def load_inputs(inputs: Iterable[str | Path], *, aliases=None, strict: bool = True) -> Iterator[tuple[Path, object]]:
    """Yield ``(path, DataFrame)`` for every well file in ``inputs`` (files, folders, globs).

    With ``strict`` the first bad file raises; otherwise bad files are skipped silently here
    (use :func:`ingest` to get a report of skipped files).
    """
    files, missing = expand_inputs(inputs)
    if missing and strict:
        raise InputError(missing[0][1], path=missing[0][0])
    for path in files:
        try:
            yield path, load_well(path, aliases=aliases)
        except GeonetError:
            if strict:
                raise


# ---------------------------------------------------------------------------- the batch
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

    def table_rows(self) -> list[tuple[str, ...]]:
        """Rows of the printed report (header ``REPORT_HEADER``), one per well or grid, plus a total."""
        rows = []
        for w in self.per_well:
            rng = "" if w["depth_min"] is None else f"{w['depth_min']:.2f} – {w['depth_max']:.2f}"
            rows.append((str(w["well"]), str(w["rows"]), str(w["curves"]), f"{w['null_fraction']:.3f}", rng))
        rows.append((f"total ({len(self.per_well)})", str(self.rows), str(len(self.curves)), "", ""))
        return rows


def _reason(exc: BaseException, path) -> str:
    if isinstance(exc, GeonetError):
        msg = str(exc)
        prefix = f"{exc.path}: " if exc.path else ""
        return msg[len(prefix):] if prefix and msg.startswith(prefix) else msg
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"unexpected {type(exc).__name__}: {text} (run with --debug for the traceback)"


def _load_one(path: Path, aliases) -> tuple:
    """Worker: ("ok", df, attrs) or ("error", reason, traceback, exception-or-None)."""
    try:
        df = load_well(path, aliases=aliases)
        return "ok", df, df.attrs.get("geonet", {})
    except Exception as exc:  # noqa: BLE001 - every file's failure is reported, the batch goes on
        keep = exc if isinstance(exc, GeonetError) else None
        return "error", _reason(exc, path), traceback.format_exc(), keep


def _iter_loaded(files: list[Path], aliases, jobs: int) -> Iterator[tuple[Path, tuple]]:
    if jobs <= 1 or len(files) <= 1:
        for p in files:
            yield p, _load_one(p, aliases)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_load_one, p, aliases) for p in files]
        try:
            for p, fut in zip(files, futures):
                yield p, fut.result()
        finally:
            for fut in futures:
                fut.cancel()


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
    inputs: list[str | Path], out: Path, *, fmt: str = "parquet", step_m: float | None = None,
    labels: str | Path | None = None, aliases: str | Path | None = None, strict: bool = False,
    jobs: int = 1, progress: bool = False, grid_block_cells: int = 1 << 20,
) -> IngestReport:
    """Ingest wells (LAS/tables) into one feature table at ``out``, or one grid into its own table.

    Bad files are skipped and listed in ``report.skipped`` (``strict`` raises at the first one).
    Raises :class:`ConfigError` when grids and wells are mixed, :class:`InputError` when no input
    could be read.
    """
    if fmt not in {"parquet", "csv"}:
        raise ConfigError(f"unknown --format {fmt!r} (parquet or csv)")
    if step_m is not None and not step_m > 0:
        raise ConfigError(f"--step must be a positive number of metres, got {step_m}")
    out = Path(out)
    table = load_alias_table(aliases)  # fail early on a bad alias file
    files, missing = expand_inputs(inputs)
    files = [p for p in files if p.resolve() != out.resolve()]  # never read the table being replaced
    if missing and strict:
        raise InputError(missing[0][1], path=missing[0][0])
    grids = [p for p in files if input_kind(p) == "grid"]
    if grids and (len(files) > len(grids) or len(grids) > 1):
        raise ConfigError(
            f"cannot mix grids with other inputs in one call ({len(grids)} grid(s), {len(files) - len(grids)} "
            "well file(s)): ingest each grid on its own, with its own --out"
        )
    if grids:
        if step_m is not None or labels is not None:
            raise ConfigError("--step and --labels apply to wells, not to grids")
        report = _ingest_grid(grids[0], out, fmt, table, grid_block_cells)
        report.skipped = list(missing)
        return report
    if not files:
        raise InputError("no input files found" + (f" ({missing[0][0]}: {missing[0][1]})" if missing else ""))
    label_kind, label_table = read_labels(labels) if labels is not None else (None, None)
    report = IngestReport(out_path=None, skipped=list(missing))
    frames, sources, units = [], [], {}
    with _Progress(progress, len(files)) as bar:
        for path, result in _iter_loaded(files, aliases, jobs):
            bar.advance(path.name)
            if result[0] == "error":
                if strict:
                    if result[3] is not None:
                        raise result[3]
                    raise InputError(result[1], path=path)
                report.skipped.append((str(path), result[1]))
                report.tracebacks[str(path)] = result[2]
                continue
            df, prov = result[1], result[2]
            for note in prov.get("notes", []):
                report.warnings.append((str(path), note))
            for col, unit in prov["units"].items():
                col_unit = "m" if col == "DEPTH_M" else unit
                if not units.get(col):
                    units[col] = col_unit
                elif col_unit and units[col] != col_unit:
                    report.warnings.append((str(path), f"{col} is in {unit!r}, other files use {units[col]!r} (not converted)"))
            sources.append({k: prov[k] for k in ("path", "sha256", "well", "mnemonics", "units")})
            for well, part in df.groupby("WELL", sort=False):
                if step_m is not None:
                    part = resample(part, step_m)
                if label_table is not None:
                    part, n = apply_labels(part, label_kind, label_table)
                    if n == 0:
                        report.warnings.append((str(path), f"no labels for well {well} in {labels}"))
                frames.append(part)
    if not frames:
        reasons = "; ".join(f"{p}: {r}" for p, r in report.skipped[:3])
        raise InputError(f"none of the {len(report.skipped)} inputs could be read ({reasons})")
    _write_wells(frames, out, fmt, table, sources, units, report)
    return report


def resample(df, step_m: float):
    from geonet.features.resample import resample_well

    return resample_well(df, step_m)


def _write_wells(frames, out, fmt, table, sources, units, report: IngestReport) -> None:
    import pandas as pd

    seen: dict[str, int] = {}
    for f in frames:
        w = str(f["WELL"].iloc[0])
        seen[w] = seen.get(w, 0) + 1
    for w, n in seen.items():
        if n > 1:
            report.warnings.append((w, f"well {w} comes from {n} files/parts; rows are concatenated"))
    df = pd.concat(frames, ignore_index=True, sort=False)
    df = df[order_columns(df.columns, table)]
    for c in df.columns[2:]:
        if df[c].dtype != np.float64:
            df[c] = df[c].astype(np.float64)
    df["WELL"] = df["WELL"].astype(str)
    meta = {"geonet_version": __version__, "units": {c: units.get(c, "") for c in df.columns if c != "WELL"},
            "sources": sources}
    report.out_path = write_feature_table(df, out, meta, fmt)
    report.rows, report.curves = len(df), [c for c in df.columns[2:]]
    for part in frames:
        cols = [c for c in part.columns[2:] if c not in LABEL_COLUMNS]
        cells = part[cols].to_numpy(dtype=np.float64) if cols else np.empty((len(part), 0))
        present = ~np.isnan(cells).all(axis=0) if len(part) else np.zeros(len(cols), bool)
        depth = part["DEPTH_M"].to_numpy()
        report.per_well.append({
            "well": str(part["WELL"].iloc[0]), "rows": len(part), "curves": int(present.sum()),
            "null_fraction": float(np.isnan(cells[:, present]).mean()) if present.any() else 1.0,
            "depth_min": float(depth.min()), "depth_max": float(depth.max()),
        })
    report.wells = [w["well"] for w in report.per_well]


# ---------------------------------------------------------------------------- grids
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


def predict_grid(src_path, out_path, predict_fn, *, aliases=None, max_cells: int = 1 << 20):
    """:func:`geonet.io.grid.predict_grid` with the same column names ``ingest`` gives for grids."""
    from geonet.io.grid import predict_grid as _predict

    return _predict(src_path, out_path, predict_fn, naming=grid_naming(load_alias_table(aliases)), max_cells=max_cells)


def _ingest_grid(path: Path, out: Path, fmt: str, table: AliasTable, max_cells: int) -> IngestReport:
    from geonet.io.grid import grid_blocks, grid_column_names, grid_layout, grid_sha256, open_grid
    from geonet.io.write import TableStream

    ds = open_grid(path)
    naming = grid_naming(table)
    dims, variables = grid_layout(ds, path)
    names = grid_column_names(ds, dims, variables, naming, path)
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
        units = {names[n][0]: ("m" if names[n][0] == "DEPTH_M" else names[n][2]) for n in (*dims, *variables)}
        stream.meta = {"geonet_version": __version__, "units": units, "sources": [{
            "path": str(path), "sha256": grid_sha256(path), "well": None,
            "mnemonics": {names[n][0]: n for n in (*dims, *variables)},
            "units": {names[n][0]: names[n][2] for n in (*dims, *variables)}}]}
    report = IngestReport(out_path=out, rows=rows, curves=var_cols, kind="grid")
    report.per_well.append({
        "well": f"{path.name} (grid {' × '.join(str(ds.sizes[d]) for d in dims)})", "rows": rows,
        "curves": len(var_cols), "null_fraction": nan_cells / max(1, rows * len(var_cols)),
        "depth_min": None if not np.isfinite(lo) else lo, "depth_max": None if not np.isfinite(hi) else hi,
    })
    return report
