"""Read log tables already in tabular form (CSV or Parquet) and the geonet metadata of Parquet files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from geonet.errors import InputError

TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def read_table(path: str | Path):
    """Return ``(DataFrame, geonet_meta or None)`` for a CSV or Parquet file, or a dataset folder
    written by ``geonet ingest --out DIR`` (:mod:`geonet.io.dataset`)."""
    path = Path(path)
    if path.is_dir():
        from geonet.io.dataset import read_dataset

        return read_dataset(path)
    kind = TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"not a table (expected .csv or .parquet, got {path.suffix!r})", path=path)
    if not path.exists():
        raise InputError("file not found", path=path)
    try:
        if kind == "csv":
            if path.stat().st_size == 0:
                raise InputError("empty file", path=path)
            df = _read_csv(path)
            meta = read_sidecar(path)
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            raw = (table.schema.metadata or {}).get(b"geonet") or (pq.read_metadata(path).metadata or {}).get(b"geonet")
            meta = json.loads(raw) if raw else None
            df = table.to_pandas()
    except InputError:
        raise
    except Exception as exc:  # pandas/pyarrow raise many types on broken files
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise InputError(f"cannot read the {kind} table ({type(exc).__name__}: {first})", path=path) from exc
    return df, meta


def table_sha256(path: str | Path) -> str:
    """SHA-256 of a table file, of a dataset folder's manifest (which names every part by the
    SHA-256 of its source and the ingest options), or, for another folder of Parquet files, of the
    list of its files' relative paths and SHA-256s."""
    from geonet.io.dataset import MANIFEST
    from geonet.paths import sha256_bytes, sha256_file

    path = Path(path)
    if not path.is_dir():
        return sha256_file(path)
    if (path / MANIFEST).exists():
        return sha256_file(path / MANIFEST)
    files = sorted(p for p in path.rglob("*.parquet") if p.is_file())
    return sha256_bytes("".join(f"{f.relative_to(path).as_posix()} {sha256_file(f)}\n" for f in files).encode())


def _read_csv(path: Path):
    """pandas' C parser; rows with more fields than the header are cut to the header (python engine)."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.read_csv(path, index_col=False)
        except pd.errors.ParserError:
            n = len(pd.read_csv(path, nrows=0).columns)
            return pd.read_csv(path, index_col=False, engine="python", on_bad_lines=lambda fields: fields[:n])


def read_sidecar(path: str | Path) -> dict | None:
    side = Path(path).with_name(Path(path).name + ".meta.json")
    if side.exists():
        return json.loads(side.read_text(encoding="utf-8"))
    return None
