"""``ingest --out DIR``: each source file becomes its own parts of a partitioned Parquet dataset.

One task per source file (:class:`PartJob`, run by the executor wherever the scheduler says)
reads it, writes one part per well (``well=<name>/part-<key>.parquet``, atomically; ``key`` from
the file's SHA-256 and the ingest options) and then its receipt (``_sources/<key of the path>.json``:
SHA-256, options key, parts, provenance, notes). Nothing comes back to this process but receipts,
so no machine ever holds the whole table. :func:`finish` then writes the dataset schema and the
manifest (:mod:`geonet.io.dataset`) and removes what no current source claims.

Resuming: a task whose file's SHA-256 and options key match its receipt, with every part present,
does nothing and returns the receipt. A run cut short (a lost worker, a killed client) leaves only
whole parts and receipts, and the old manifest, whose parts are all still there; the rerun redoes
what is missing and ends with the same rows as a clean run, nothing lost, nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from geonet import __version__
from geonet.atomic import write_text_atomic
from geonet.errors import ConfigError
from geonet.features.loaders import LoadOptions
from geonet.features.prepare import prepare_file
from geonet.io.dataset import MANIFEST, SOURCES, is_dataset, part_folder, write_dataset_metadata, write_part
from geonet.paths import sha256_bytes, sha256_file

TABLE_SUFFIXES = (".parquet", ".pq", ".csv")


def is_dataset_out(out: str | Path) -> bool:
    """``--out`` names a dataset folder: a name ending in ``/`` or without a table suffix (a folder
    named ``x.parquet`` is refused as an output file, never written into)."""
    text = str(out)
    return text.endswith(("/", os.sep)) or Path(text).suffix.lower() not in TABLE_SUFFIXES


def check_dataset_out(out: Path, fmt: str) -> None:
    """A dataset is Parquet, in a new or empty folder or one holding a geonet dataset (never any other folder)."""
    if fmt != "parquet":
        raise ConfigError(f"--out {out} is a dataset folder, which is Parquet: drop --format {fmt} or give a FILE.csv")
    if out.exists() and not out.is_dir():
        raise ConfigError("exists and is not a folder", path=out)
    if out.is_dir() and any(out.iterdir()) and not is_dataset(out):
        raise ConfigError(f"is a folder that holds other files, not a geonet dataset (no {MANIFEST}): "
                          "give a new or empty folder", path=out)


def options_key(options: LoadOptions, step_m: float | None, labels: str | Path | None) -> str:
    """What besides a file's bytes decides its parts: options, alias/label files, geonet's own tables."""
    data_dir = Path(__file__).parent
    payload = {
        "geonet": __version__, "step_m": step_m, "duplicates": options.duplicates, "well_col": options.well_col,
        "depth_col": options.depth_col, "depth_unit": options.depth_unit, "limits": repr(options.limits),
        "aliases": sha256_file(options.aliases) if options.aliases else None,
        "labels": sha256_file(labels) if labels else None,
        "tables": {p.name: sha256_file(p) for p in sorted(data_dir.glob("*.toml"))},
    }
    return sha256_bytes(json.dumps(payload, sort_keys=True).encode())


def receipt_path(out_dir: Path, source: Path) -> Path:
    return out_dir / SOURCES / f"{sha256_bytes(str(source).encode())[:16]}.json"


def read_receipt(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def normalise_part(part, table):
    """One well's frame as every part stores it: ordered columns, numbers float64, text categorical."""
    import numpy as np

    from geonet.features.table import order_columns

    part = part[order_columns(part.columns, table)].copy()
    for c in part.columns[2:]:
        if part[c].dtype != np.float64 and part[c].dtype.kind in "iufb":
            part[c] = part[c].astype(np.float64)
        elif part[c].dtype.kind == "O" or str(part[c].dtype) in ("str", "string"):
            part[c] = part[c].astype("category")
    part["WELL"] = part["WELL"].astype(str)
    return part


def write_well_part(frame, out_dir: Path, name: str, meta: dict) -> dict:
    """Write one well's rows as ``well=<name>/<name>`` under ``out_dir``; the part's manifest entry."""
    well = str(frame["WELL"].iloc[0])
    rel = f"{part_folder(well)}/{name}"
    kinds = write_part(frame, out_dir / rel, meta)
    return {"path": rel, "well": well, "rows": len(frame), "columns": kinds}


@dataclass(frozen=True)
class PartJob:
    """The task of one source file: ``job(path) → receipt`` (runs on a worker; picklable)."""

    out_dir: Path
    options: LoadOptions
    step_m: float | None
    labels: tuple
    key: str  # options_key(...)

    def __call__(self, path: Path) -> dict:
        from geonet.features.aliases import load_alias_table

        path = Path(path).resolve()
        where = receipt_path(self.out_dir, path)
        old = read_receipt(where)
        if old and old.get("options_key") == self.key and old.get("sha256") == _sha_or_none(path) \
                and all((self.out_dir / p["path"]).exists() for p in old["parts"]):
            return {**old, "reused": True}
        loaded = prepare_file(path, options=self.options, step_m=self.step_m, labels=self.labels)
        prov = loaded.provenance
        source = {k: prov[k] for k in ("path", "sha256", "well", "mnemonics", "units", "units_out")}
        name = f"part-{hashlib.sha256((prov['sha256'] + self.key).encode()).hexdigest()[:16]}.parquet"
        table = load_alias_table(self.options.aliases)
        parts = []
        for frame in loaded.frame:
            frame = normalise_part(frame, table)
            units = {c: prov["units_out"].get(c, "") for c in frame.columns if c != "WELL"}
            parts.append(write_well_part(frame, self.out_dir, name, {"geonet_version": __version__, "units": units,
                                                                     "sources": [source]}))
        receipt = {"path": str(path), "sha256": prov["sha256"], "options_key": self.key, "parts": parts,
                   "source": source, "notes": prov.get("notes", []), "summaries": prov["summaries"]}
        write_text_atomic(where, json.dumps(receipt))
        return {**receipt, "reused": False}


def _sha_or_none(path: Path) -> str | None:
    try:
        return sha256_file(path)
    except OSError:  # gone or unreadable: the load says so in one line
        return None


def merge_columns(receipts: list[dict], table, order: bool = True) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The dataset's ``{column: kind}`` in table order (``order``; else in order of appearance; a
    column with numbers anywhere is numbers),
    and warnings for parts whose text must be read as numbers (each part's ``text_as_number`` set)."""
    from geonet.features.table import order_columns

    kinds: dict[str, str] = {}
    for r in receipts:
        for part in r["parts"]:
            for col, kind in part["columns"].items():
                if kinds.get(col) != "number":
                    kinds[col] = kind
    warnings = []
    for r in receipts:
        for part in r["parts"]:
            clash = [c for c, k in part["columns"].items() if k == "text" and kinds[c] == "number"]
            part["text_as_number"] = clash
            if clash:
                warnings.append((part["well"], f"{', '.join(clash)}: text in this well, numbers in others: read as "
                                 "numbers (text that is not a number became null)"))
    return {c: kinds[c] for c in (order_columns(kinds, table) if order else kinds)}, warnings


def finish(out_dir: Path, receipts: list[dict], keep_sources: set[str], table) -> tuple[dict, list]:
    """Write the schema and manifest of ``receipts`` (input order), then remove receipts of sources
    not in ``keep_sources`` (receipt file names) and parts no kept receipt claims.
    Returns ``(manifest, warnings)``."""
    units: dict[str, str] = {}
    warnings = []
    for r in receipts:
        for col, unit in r["source"]["units_out"].items():
            if not units.get(col):
                units[col] = unit
            elif unit and units[col] != unit:
                warnings.append((r["path"], f"{col} is in {unit!r}, other files use {units[col]!r} (not converted)"))
    manifest, more = write_manifest(out_dir, receipts, table, units, {"sources": [r["source"] for r in receipts]})
    claimed = set()
    for receipt in (out_dir / SOURCES).glob("*.json"):
        r = read_receipt(receipt) if receipt.name in keep_sources else None
        if r is None:
            receipt.unlink(missing_ok=True)
        else:
            claimed.update(p["path"] for p in r["parts"])
    remove_unclaimed(out_dir, claimed)
    return manifest, warnings + more


def write_manifest(out_dir: Path, receipts: list[dict], table, units: dict[str, str], extra: dict,
                   order: bool = True) -> tuple[dict, list]:
    """``_common_metadata`` and ``_geonet.json`` listing the parts of ``receipts`` in order (a part
    two sources share once); columns as :func:`merge_columns` orders them; ``extra`` joins the
    manifest. Returns ``(manifest, warnings)``."""
    columns, warnings = merge_columns(receipts, table, order)
    parts, seen, per_well = [], set(), {}
    for r in receipts:
        for part in r["parts"]:
            if part["path"] in seen:
                warnings.append((r["path"], f"same content as another input: well {part['well']} is written once"))
                continue
            seen.add(part["path"])
            per_well[part["well"]] = per_well.get(part["well"], 0) + 1
            parts.append({k: part[k] for k in ("path", "well", "rows", "text_as_number")})
    for well, n in per_well.items():
        if n > 1:
            warnings.append((well, f"well {well} comes from {n} files/parts; rows are concatenated"))
    manifest = {"geonet_version": __version__, "units": {c: units.get(c, "") for c in columns if c != "WELL"},
                "rows": sum(p["rows"] for p in parts), "parts": parts, **extra}
    write_dataset_metadata(out_dir, columns, manifest)
    return manifest, warnings


def remove_unclaimed(out_dir: Path, claimed: set[str]) -> None:
    """Remove parts not in ``claimed`` (``well=…/part-….parquet``), leftovers of interrupted writes
    and empty well folders; nothing else in ``out_dir`` is touched."""
    for folder in out_dir.glob("well=*"):
        for f in folder.iterdir():
            stale_tmp = f.name.startswith(".part-") and f.name.endswith(".tmp")
            if stale_tmp or (f.name.startswith("part-") and f"{folder.name}/{f.name}" not in claimed):
                f.unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()
