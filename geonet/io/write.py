"""Atomic writers: everything is written to a temporary file beside the target, then ``os.replace``d.

An interrupted or failing write never leaves a half-written table, and never harms an existing one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from geonet.atomic import atomic_path, write_text_atomic


def write_parquet(df, out: str | Path, meta: dict) -> None:
    """Write a DataFrame to Parquet with ``meta`` as JSON under the key-value metadata key ``geonet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"geonet": json.dumps(meta).encode()})
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp, use_dictionary=_dictionary_columns(table))


def write_parquet_columns(wells: list[tuple[str, dict]], names: list[str], out: str | Path, meta: dict) -> None:
    """Write a feature table given as NumPy columns, without pandas: ``wells`` ``[(well, {name:
    float64 array})]`` one after the other, columns ``names`` (``WELL`` first, filled with the well's
    name; a column a well lacks is null there); NaN is written as null. The same Parquet data as
    :func:`write_parquet` on the stacked DataFrame, ``meta`` likewise under ``geonet`` (only the
    ``pandas`` schema metadata, which pandas does not need, is absent). Each well stays a chunk of
    its own: nothing is copied into one big array first."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [len(next(iter(columns.values()))) for _, columns in wells]
    arrays = {"WELL": pa.chunked_array([_repeated(well, n) for (well, _), n in zip(wells, rows)], pa.large_string())}
    for name in names[1:]:  # pa.array() would import pandas (≈ 0.3 s) to inspect its input
        arrays[name] = pa.chunked_array([_floats(columns.get(name), n) for (_, columns), n in zip(wells, rows)],
                                        pa.float64())
    table = pa.table(arrays).replace_schema_metadata({b"geonet": json.dumps(meta).encode()})
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp, use_dictionary=["WELL"])


def _floats(values, n: int):
    """A float64 Arrow array over ``values`` (NaN → null), or ``n`` nulls for ``None``."""
    import pyarrow as pa

    if values is None:
        return pa.nulls(n, pa.float64())
    values = np.ascontiguousarray(values, dtype=np.float64)
    missing = np.isnan(values)
    n_null = int(np.count_nonzero(missing))
    valid = pa.py_buffer(np.packbits(~missing, bitorder="little")) if n_null else None
    return pa.Array.from_buffers(pa.float64(), n, [valid, pa.py_buffer(values)], null_count=n_null)


def _repeated(name: str, n: int):
    """A large_string array holding ``name`` ``n`` times (what pandas' ``str`` columns become)."""
    import pyarrow as pa

    raw = name.encode("utf-8")
    offsets = len(raw) * np.arange(n + 1, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(raw * n)], null_count=0)


def _dictionary_columns(table) -> list[str]:
    """Dictionary-encode only string columns (WELL): trying it on float curves costs time for nothing."""
    import pyarrow as pa

    return [f.name for f in table.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]


def write_csv(df, out: str | Path, meta: dict) -> None:
    """Write a DataFrame to CSV and its metadata to the sidecar ``<out>.meta.json`` (both atomically)."""
    out = Path(out)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, index=False)
        write_text_atomic(sidecar_path(out), json.dumps(meta, indent=1))


def sidecar_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".meta.json")


class TableStream:
    """Write a table in pieces (Parquet row groups, or CSV appends) to a temporary file; ``close`` renames.

    Use as a context manager; ``write(df)`` once per piece; ``meta`` may be set before the end.
    Peak memory is one piece.
    """

    def __init__(self, out: str | Path, fmt: str = "parquet") -> None:
        self.out, self.fmt, self.meta = Path(out), fmt, {}
        self._ctx = atomic_path(self.out)
        self._writer = None
        self._schema = None
        self._tmp: Path | None = None

    def __enter__(self) -> "TableStream":
        self._tmp = self._ctx.__enter__()
        return self

    def write(self, df) -> None:
        if self.fmt == "csv":
            df.to_csv(self._tmp, mode="a", header=self._writer is None, index=False)
            self._writer = True
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False, schema=self._schema)
        if self._writer is None:
            self._schema = table.schema.remove_metadata()
            table = table.cast(self._schema)
            self._writer = pq.ParquetWriter(self._tmp, self._schema, use_dictionary=_dictionary_columns(table))
        self._writer.write_table(table)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.fmt != "csv" and self._writer is not None:
                if exc_type is None:
                    self._writer.add_key_value_metadata({"geonet": json.dumps(self.meta)})
                self._writer.close()
            if exc_type is None and self.fmt == "csv":
                if self._writer is None:
                    self._tmp.write_text("")
                write_text_atomic(sidecar_path(self.out), json.dumps(self.meta, indent=1))
        finally:
            self._ctx.__exit__(exc_type, exc, tb)
