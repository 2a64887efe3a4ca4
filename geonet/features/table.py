"""Feature tables: column order, and reading/writing Parquet or CSV with geonet's metadata (atomic).

Metadata (Parquet key-value ``geonet``, or the CSV sidecar ``<out>.meta.json``)::

    {"geonet_version", "units": {col: unit}, "sources": [{"path", "sha256", "well",
     "mnemonics": {column: original}, "units": {column: unit}}]}
"""

from __future__ import annotations

from pathlib import Path

from geonet.errors import InputError
from geonet.features.aliases import AliasTable, load_alias_table
from geonet.features.labels import LABEL_COLUMNS


def order_columns(columns, table: AliasTable | None = None) -> list[str]:
    """WELL, DEPTH_M, canonical curves in alias-table order, other curves sorted, then label columns."""
    table = table or load_alias_table()
    cols = list(dict.fromkeys(columns))
    rank = {c: i for i, c in enumerate(table.order)}
    head = [c for c in ("WELL", "DEPTH_M") if c in cols]
    tail = [c for c in LABEL_COLUMNS if c in cols]
    middle = [c for c in cols if c not in head and c not in tail]
    middle.sort(key=lambda c: (0, rank[c], "") if c in rank else (1, 0, c))
    return head + middle + tail


def write_feature_table(df, out: str | Path, meta: dict, fmt: str = "parquet") -> Path:
    """Write ``df`` (atomically) as Parquet or CSV with ``meta`` as described in the module docstring."""
    from geonet.io.write import write_csv, write_parquet

    out = Path(out)
    if fmt == "parquet":
        write_parquet(df, out, meta)
    elif fmt == "csv":
        write_csv(df, out, meta)
    else:
        raise InputError(f"unknown output format {fmt!r} (parquet or csv)")
    return out


def read_feature_table(path: str | Path):
    """Read a feature table; its metadata dict is in ``df.attrs["geonet"]`` (empty dict if none).

    Canonical curves not in their canonical unit (per the metadata's ``units``, or by the range check
    when it has none) are converted as ``ingest`` converts them, so ``evaluate`` and ``train`` see
    the same units whatever made the table; each conversion is listed in ``attrs["geonet"]["notes"]``.
    """
    from geonet.features.reconcile import to_canonical_units
    from geonet.io.tables import read_table

    df, meta = read_table(path)
    meta = dict(meta or {})
    units, notes = to_canonical_units(df, {c: u for c, u in (meta.get("units") or {}).items() if c in df.columns})
    if notes:
        meta["units"] = {**(meta.get("units") or {}), **units}
        meta["notes"] = [*meta.get("notes", []), *notes]
    df.attrs["geonet"] = meta
    return df
