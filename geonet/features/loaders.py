"""Loaders: one LAS file or log table → a :class:`WellTable` (frame + provenance).

The frame has WELL, DEPTH_M (metres), canonical curve names (float64, NaN for nulls, converted to
canonical units) and text curves as categories; rows repaired as :mod:`geonet.features.depth`
states. The provenance keeps the path, SHA-256, original mnemonics and units and one note per repair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from geonet.errors import GeonetError, InputError, LASError
from geonet.features import nulls
from geonet.features.aliases import AliasTable, assign_names, load_alias_table
from geonet.features.columns import WellColumns, as_frame
from geonet.features.depth import DUPLICATE_RULES, needs_no_repair, tidy_depth
from geonet.features.discovery import expand_inputs, input_kind
from geonet.features.reconcile import to_canonical_units
from geonet.features.table import order_columns
from geonet.features.units import depth_factor, depth_to_m_factor
from geonet.io.las_limits import DEFAULT_LIMITS, LasLimits


@dataclass(frozen=True)
class LoadOptions:
    """How files are read: the alias file; for tables, the well/depth columns and depth unit; the
    rule for repeated depths ("first" or "mean"); the bounds on hostile LAS files."""

    aliases: str | Path | None = None
    well_col: str | None = None
    depth_col: str | None = None
    depth_unit: str | None = None
    duplicates: str = "first"
    limits: LasLimits = DEFAULT_LIMITS


@dataclass
class WellTable:
    """One input file, normalised. ``provenance``: path, sha256, well, mnemonics {column: original},
    units {column: original unit}, units_out {column: unit written}, reader, notes, ..."""

    frame: object  # pandas.DataFrame, or WellColumns (load_file(..., columns_ok=True))
    provenance: dict = field(default_factory=dict)

    def to_frame(self):
        """The frame with the provenance in ``attrs["geonet"]``."""
        self.frame = as_frame(self.frame)
        self.frame.attrs["geonet"] = self.provenance
        return self.frame


def _well_name(raw) -> str:
    for key in ("UWI", "WELL"):
        value = raw.well.get(key, "").strip()
        if value and value.upper() not in {"UNKNOWN", "NONE", "N/A"}:
            return value
    return raw.path.stem


def _curve_columns(raw, names: list[str]) -> dict:
    """{name: float64 column (contiguous), or a Categorical for a text curve}."""
    values = nulls.to_nan(np.ascontiguousarray(raw.data[:, 1:].T))  # one copy, each curve contiguous
    cols = {n: values[i] for i, n in enumerate(names)}
    if raw.text:
        import pandas as pd

        for j, strings in raw.text.items():
            cols[names[j - 1]] = pd.Categorical(strings)
    return cols


def load_las(path: Path, table: AliasTable, options: LoadOptions = LoadOptions(), *,
             columns_ok: bool = False) -> WellTable:
    """One LAS file → :class:`WellTable`. With ``columns_ok`` a file that needs no depth repair and
    holds no text is loaded as :class:`~geonet.features.columns.WellColumns` (no pandas), else as a frame."""
    from geonet.io.las import read_las

    raw = read_las(path, limits=options.limits, null_tokens=nulls.null_tokens())
    if len(raw.curves) < 2:
        raise LASError(f"holds only the depth curve {raw.curves[0].mnemonic}: no log curves to ingest", path=path)
    depth_curve = raw.curves[0]
    if raw.text.get(0) is not None:
        raise LASError(f"the depth curve {depth_curve.mnemonic} holds text, not numbers", path=path)
    factor, depth_unit = depth_to_m_factor(depth_curve.unit, raw.strt_unit, path)
    depth = raw.data[:, 0] * factor if factor != 1.0 else raw.data[:, 0].copy()
    mnems = [c.mnemonic for c in raw.curves[1:]]
    names, rename_notes = assign_names(mnems, table)
    notes = list(raw.notes)
    upper = [m.upper() for m in mnems]
    dups = sorted({m for m in upper if upper.count(m) > 1})
    if dups:
        notes.append(f"duplicate mnemonics in ~Curve: {', '.join(dups)} (all kept, later ones suffixed)")
    notes += rename_notes
    if not depth_unit:
        notes.append("no depth unit in ~Curve or STRT: assumed metres")
    well = _well_name(raw)
    columns = {"DEPTH_M": depth, **_curve_columns(raw, names)}
    if columns_ok and not raw.text and needs_no_repair(depth):
        order = order_columns(["WELL", *columns], table)
        frame, depth_notes = WellColumns(well, {c: columns[c] for c in order[1:]}), []
        target = frame.columns
    else:
        import pandas as pd

        df = pd.DataFrame({"WELL": np.full(len(depth), well, dtype=object), **columns})
        df, depth_notes = tidy_depth(df, raw.line_of_row, duplicates=options.duplicates)
        if len(df) == 0:
            raise LASError(f"no data row has a valid depth ({depth_curve.mnemonic})", path=path)
        frame = target = df[order_columns(df.columns, table)]
    units = {"DEPTH_M": depth_unit, **{n: c.unit for n, c in zip(names, raw.curves[1:])}}
    units_out, unit_notes = to_canonical_units(target, units)
    units_out["DEPTH_M"] = "m"
    prov = {"path": str(path), "sha256": raw.sha256, "well": well,
            "mnemonics": {"DEPTH_M": depth_curve.mnemonic, **dict(zip(names, mnems))},
            "units": units, "units_out": units_out, "reader": raw.reader, "las_version": raw.version,
            "encoding": raw.encoding, "notes": notes + depth_notes + unit_notes}
    return WellTable(frame, prov)


def _table_depth(df, path, options: LoadOptions, meta: dict | None) -> tuple[object, float, str, list[str]]:
    """(depth column, factor to metres, unit, notes)."""
    from geonet.features.tabular import find_depth_column

    col, unit = find_depth_column(df.columns, path, options.depth_col)
    unit = options.depth_unit or unit or ((meta or {}).get("units") or {}).get(str(col), "")
    notes = []
    if not unit:
        unit = "m"
        notes.append(f"depth column {col} has no unit (in its name, the metadata or --depth-unit): assumed metres")
    factor = depth_factor(unit)
    if factor is None:
        raise InputError(f"depth unit {unit!r} of column {col} is not a known length unit (m, ft ...)", path=path)
    return col, factor, unit, notes


def _text_or_numbers(s, name: str):
    """An object column: numbers (null words and stray text nulled, with a note) when most cells
    are numbers, else a text column (categories)."""
    import pandas as pd

    text = s.astype("string").str.strip()
    words = text.str.lower().isin(nulls.null_tokens())
    numbers = pd.to_numeric(text.mask(words), errors="coerce")
    stray = text.notna() & ~words & numbers.isna()
    if int(numbers.notna().sum()) > int(stray.sum()):
        note = None
        if stray.any() or words.any():
            note = f"column {name}: {int(words.sum())} null word(s) and {int(stray.sum())} other non-numeric value(s) read as nulls"
        return nulls.to_nan(numbers.to_numpy(dtype=np.float64, na_value=np.nan)), note
    return pd.Categorical(text.mask(words).to_numpy(dtype=object, na_value=None)), None


def _table_curves(df, others: list, table: AliasTable):
    """(columns dict, names, notes): numeric columns as float64 with nulls, text as categories."""
    import pandas as pd

    cols, notes, texts = {}, [], []
    canon, rename_notes = assign_names([str(c) for c in others], table)
    for c, name in zip(others, canon):
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            cols[name] = nulls.to_nan(np.array(s.to_numpy(dtype=np.float64, na_value=np.nan)))
            continue
        cols[name], note = _text_or_numbers(s, str(c))
        if note:
            notes.append(note)
        if isinstance(cols[name], pd.Categorical):
            texts.append(str(c))
    if texts:
        notes.append(f"text columns kept as categories: {', '.join(texts)}")
    return cols, canon, notes + rename_notes


def load_table(path: Path, table: AliasTable, options: LoadOptions = LoadOptions()) -> WellTable:
    import pandas as pd

    from geonet.features.tabular import find_well_column
    from geonet.io.tables import read_table

    df, meta = read_table(path)
    well_col = find_well_column(df.columns, path, options.well_col)
    depth_col, factor, unit, notes = _table_depth(df, path, options, meta)
    if well_col == depth_col:
        raise InputError(f"column {well_col} cannot be both the well and the depth", path=path)
    others = [c for c in df.columns if c not in (well_col, depth_col)]
    cols, names, curve_notes = _table_curves(df, others, table)
    depth = pd.to_numeric(df[depth_col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan) * factor
    wells = df[well_col].astype("string").str.strip().fillna("").to_numpy(dtype=object)
    out = pd.DataFrame({"WELL": wells, "DEPTH_M": depth, **cols})
    unnamed = out["WELL"].to_numpy() == ""
    if unnamed.any():
        notes.append(f"{int(unnamed.sum())} row(s) without a well name ({well_col}) dropped")
        out = out[~unnamed]
    first_line = 2 if path.suffix.lower() == ".csv" else None
    parts, depth_notes = [], []
    rows = out.index.to_numpy()
    for well, idx in out.groupby("WELL", sort=False).indices.items():
        part, n = tidy_depth(out.iloc[idx], lambda i, idx=idx: int(rows[idx[i]]) + first_line if first_line else None,
                             duplicates=options.duplicates, well=str(well))
        parts.append(part)
        depth_notes += n
    out = pd.concat(parts, ignore_index=True) if parts else out
    if len(out) == 0 or not len(out["DEPTH_M"].dropna()):
        raise InputError(f"no row has both a well and a valid depth ({well_col}, {depth_col})", path=path)
    out = out[order_columns(out.columns, table)]
    units_in = (meta or {}).get("units") or {}
    units = {"DEPTH_M": unit, **{n: units_in.get(str(c), "") for n, c in zip(names, others)}}
    units_out, unit_notes = to_canonical_units(out, units)
    units_out["DEPTH_M"] = "m"
    well_names = sorted(set(out["WELL"]))
    from geonet.paths import sha256_file

    prov = {"path": str(path), "sha256": sha256_file(path), "well": well_names if len(well_names) > 1 else
            (well_names[0] if well_names else ""), "mnemonics": {"DEPTH_M": str(depth_col), **{n: str(c) for n, c in zip(names, others)}},
            "units": units, "units_out": units_out, "reader": "table", "notes": notes + curve_notes + depth_notes + unit_notes}
    return WellTable(out, prov)


def load_file(path: str | Path, options: LoadOptions = LoadOptions(), *, columns_ok: bool = False) -> WellTable:
    """One LAS or table file → :class:`WellTable`. Raises a :class:`GeonetError` naming the file.

    ``columns_ok``: a LAS file may come as :class:`~geonet.features.columns.WellColumns` (:func:`load_las`)."""
    path = Path(path)
    if options.duplicates not in DUPLICATE_RULES:
        raise InputError(f"unknown rule for repeated depths {options.duplicates!r} ({' or '.join(DUPLICATE_RULES)})")
    table = load_alias_table(options.aliases)
    kind = input_kind(path)
    if kind == "grid":
        raise InputError("is a grid (NetCDF/Zarr): ingest it on its own with `geonet ingest`", path=path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a file", path=path)
    return load_table(path, table, options) if kind == "table" else load_las(path, table, options, columns_ok=columns_ok)


def load_well(path: str | Path, *, aliases: str | Path | None = None, options: LoadOptions | None = None):
    """One LAS or table file → normalised DataFrame (WELL, DEPTH_M, canonical curves[, LITHOLOGY]),
    values in canonical units, provenance in ``df.attrs["geonet"]``. What ``predict`` reads wells with.
    """
    options = options or LoadOptions(aliases=aliases)
    return load_file(path, options).to_frame()


def load_inputs(inputs: Iterable[str | Path], *, aliases=None, strict: bool = True) -> Iterator[tuple[Path, object]]:
    """Yield ``(path, DataFrame)`` for every well file in ``inputs`` (files, folders, globs).

    With ``strict`` the first bad file raises; otherwise bad files are skipped silently here
    (use :func:`geonet.features.ingest.ingest` to get a report of skipped files).
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
