"""Partitioned Parquet datasets on disk: the layout, writing one part, reading the whole dataset.

::

    DIR/well=<well, URL-quoted>/part-<key>.parquet   rows of one well from one source file
    DIR/_sources/<key>.json                          one source file's receipt (written by ingest)
    DIR/_common_metadata                             the dataset's schema, geonet metadata included
    DIR/_geonet.json                                 the manifest: parts in order, units, sources

Every part is itself a geonet feature table (its own ``geonet`` metadata). Column types are the
same in every part: WELL a string, numbers float64, text a dictionary of strings. Readers use the
manifest (a part no manifest lists, left by a run cut short, is never read); names starting with
``_`` or ``.`` are what pyarrow and pandas skip when they read ``DIR`` themselves (they add a
``well`` column from the folder names).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from geonet.atomic import atomic_path, write_text_atomic
from geonet.errors import InputError
from geonet.paths import sha256_bytes

MANIFEST = "_geonet.json"
COMMON_METADATA = "_common_metadata"
SOURCES = "_sources"
FORMAT = "geonet-dataset/1"
#: the type of each kind of column
KINDS = ("string", "number", "text")


def part_folder(well: str) -> str:
    """``well=<name>`` with the name URL-quoted (``15/9-13`` → ``well=15%2F9-13``), at most ~120 bytes."""
    name = quote(well, safe="")
    if len(name) > 100:
        name = name[:80] + "~" + sha256_bytes(well.encode())[:16]
    return f"well={name}"


def is_dataset(path: str | Path) -> bool:
    """A directory holding a geonet dataset (a manifest, or receipts of a run not yet finished)."""
    path = Path(path)
    return path.is_dir() and ((path / MANIFEST).exists() or (path / SOURCES).is_dir())


def _arrow_type(kind: str):
    import pyarrow as pa

    return {"string": pa.large_string(), "number": pa.float64(),
            "text": pa.dictionary(pa.int32(), pa.large_string())}[kind]


def column_kind(dtype) -> str:
    """``number`` for numeric/boolean pandas dtypes, ``text`` for the rest."""
    return "number" if getattr(dtype, "kind", "O") in "iufb" else "text"


def write_part(df, out: str | Path, meta: dict) -> dict[str, str]:
    """Write one part (atomically) with the dataset's column types; returns ``{column: kind}``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {c: "string" if c == "WELL" else column_kind(df[c].dtype) for c in df.columns}
    table = pa.Table.from_pandas(df, preserve_index=False)
    schema = pa.schema([pa.field(c, _arrow_type(k)) for c, k in kinds.items()],
                       metadata={b"geonet": json.dumps(meta).encode()})
    table = table.cast(schema)
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp, use_dictionary=["WELL"])
    return kinds


def write_dataset_metadata(out_dir: str | Path, kinds: dict[str, str], manifest: dict) -> None:
    """``_common_metadata`` (schema of ``kinds``, in order, with the units) then the manifest, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    head = {"geonet_version": manifest.get("geonet_version"), "units": manifest.get("units", {}), "format": FORMAT}
    schema = pa.schema([pa.field(c, _arrow_type(k)) for c, k in kinds.items()],
                       metadata={b"geonet": json.dumps(head).encode()})
    with atomic_path(out_dir / COMMON_METADATA) as tmp:
        pq.write_metadata(schema, tmp)
    write_text_atomic(out_dir / MANIFEST, json.dumps({"format": FORMAT, **manifest}, indent=1))


def read_manifest(path: str | Path) -> dict:
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"a folder without {MANIFEST}: not a finished geonet dataset (rerun the ingest "
                         "that writes it)", path=path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{MANIFEST} is not valid JSON ({exc})", path=path) from None
    if manifest.get("format") != FORMAT:
        raise InputError(f"{MANIFEST}: unknown dataset format {manifest.get('format')!r} (expected {FORMAT})", path=path)
    return manifest


def read_dataset(path: str | Path, columns: list[str] | None = None):
    """``(DataFrame, geonet metadata)`` of a dataset: its parts in manifest order, every column of
    the dataset schema (null where a part lacks it), text that is not a number null where a part
    has text in a column the others have numbers (the part's ``text_as_number``)."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    path = Path(path)
    manifest = read_manifest(path)
    schema = pq.read_schema(path / COMMON_METADATA)
    meta = {k: manifest[k] for k in ("geonet_version", "units", "sources") if k in manifest}
    parts = manifest.get("parts", [])
    if not parts:
        return schema.empty_table().to_pandas(), meta
    missing = [p["path"] for p in parts if not (path / p["path"]).exists()]
    if missing:
        raise InputError(f"{len(missing)} part(s) listed in {MANIFEST} are missing, e.g. {missing[0]} "
                         "(rerun the ingest)", path=path)
    if any(p.get("text_as_number") for p in parts):
        table = _read_conformed(path, parts, schema)
    else:
        files = [str(path / p["path"]) for p in parts]
        table = ds.dataset(files, schema=schema.remove_metadata(), format="parquet").to_table(columns=columns)
    df = table.to_pandas()
    return (df[columns] if columns else df), meta


def _read_conformed(path: Path, parts: list[dict], schema):
    """Part by part: text columns of the part that are numbers in the dataset read as numbers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [conform_part(pq.read_table(path / part["path"]), part, schema) for part in parts]
    return pa.concat_tables(tables)


def conform_part(table, part: dict, schema):
    """One part's rows (a pyarrow Table) with the dataset ``schema``'s columns and types: columns the
    part lacks as nulls, its ``text_as_number`` columns read as numbers."""
    import pandas as pd
    import pyarrow as pa

    for col in part.get("text_as_number", []):
        values = table.column(col).to_pandas().astype("string")
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=float("nan"))
        table = table.set_column(table.schema.get_field_index(col), col, pa.array(numbers, pa.float64()))
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(len(table), f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema.remove_metadata())
