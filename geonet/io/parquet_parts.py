"""A Parquet feature table read one row group at a time: one file, or a directory of files
(a partitioned dataset such as ``well=<name>/part-0.parquet``), never loaded whole.

:class:`ParquetParts` lists every row group of every file (file, index, rows, and the well named by
a ``well=<name>`` directory, URL-decoded, when the files are partitioned by well) and reads one
row group, or a set of them, as a pandas DataFrame. A geonet dataset (:mod:`geonet.io.dataset`:
``_geonet.json`` manifest, ``_common_metadata`` schema) is read by its manifest — only the parts it
lists, each conformed to the dataset's schema (columns a part lacks as nulls, text read as numbers
where the others have numbers) — with its units. Other directories: every ``*.parquet`` under them,
the schema and geonet metadata of the first file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from geonet.errors import InputError

WELL = "WELL"
PARTITION_KEYS = ("well", "WELL")


@dataclass(frozen=True)
class RowGroup:
    """One row group: ``file``, its ``index`` in the file, ``rows``, and the partition's well (or None)."""

    file: Path
    index: int
    rows: int
    well: str | None = None


def parquet_files(path: str | Path) -> list[Path]:
    """The data files of a Parquet table: the file itself, or every ``*.parquet`` under the directory
    (sorted; hidden files and ``_metadata``-style files skipped)."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*.parquet") if p.is_file()
                   and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
    if not files:
        raise InputError("no .parquet files in the directory", path=path)
    return files


def _partition_well(file: Path, root: Path) -> str | None:
    for part in file.relative_to(root).parts[:-1] if root.is_dir() else ():
        key, sep, value = part.partition("=")
        if sep and key in PARTITION_KEYS:
            return unquote(value)
    return None


class ParquetParts:
    """The row groups of a Parquet table (file or partitioned directory) and how to read them."""

    def __init__(self, path: str | Path):
        import pyarrow.parquet as pq

        from geonet.io.dataset import COMMON_METADATA, is_dataset, read_manifest

        self.path = Path(path)
        self.groups: list[RowGroup] = []
        self.meta: dict = {}
        self.dataset_parts: dict[Path, dict] = {}  # a geonet dataset's parts, by file
        schema = None
        if is_dataset(self.path):
            manifest = read_manifest(self.path)
            self.meta = {k: manifest[k] for k in ("geonet_version", "units", "sources") if k in manifest}
            self.dataset_parts = {self.path / p["path"]: p for p in manifest.get("parts", [])}
            missing = [str(f) for f in self.dataset_parts if not f.exists()]
            if missing:
                raise InputError(f"{len(missing)} part(s) listed in the manifest are missing, e.g. {missing[0]} "
                                 "(rerun the ingest)", path=self.path)
            schema = pq.read_schema(self.path / COMMON_METADATA).remove_metadata()
            self.files = list(self.dataset_parts)
        else:
            self.files = parquet_files(self.path)
        for file in self.files:
            try:
                md = pq.ParquetFile(file).metadata
            except Exception as exc:  # pyarrow raises several types on broken files
                raise InputError(f"cannot read the Parquet file ({type(exc).__name__}: "
                                 f"{(str(exc).splitlines() or [''])[0][:200]})", path=file) from exc
            well = _partition_well(file, self.path)
            self.groups += [RowGroup(file, i, md.row_group(i).num_rows, well) for i in range(md.num_row_groups)]
            if schema is None:
                schema = md.schema.to_arrow_schema()
            if not self.meta:
                raw = (md.metadata or {}).get(b"geonet")
                self.meta = json.loads(raw) if raw else {}
        common = self.path / "_common_metadata"
        if not self.meta and common.is_file():
            raw = (pq.read_schema(common).metadata or {}).get(b"geonet")
            self.meta = json.loads(raw) if raw else {}
        self.schema = schema
        self.well_in_files = WELL in schema.names
        if not self.well_in_files and any(g.well is None for g in self.groups):
            raise InputError(f"no column {WELL!r} and no well=<name> partition directories", path=self.path)

    @property
    def columns(self) -> list[str]:
        names = list(self.schema.names)
        return names if self.well_in_files else [WELL, *names]

    def empty_frame(self):
        """A DataFrame with no rows and the table's columns and dtypes."""
        df = self.schema.empty_table().to_pandas()
        if not self.well_in_files:
            df.insert(0, WELL, df.index.astype(str))
        return df

    def read(self, groups: list[RowGroup], columns: list[str] | None = None):
        """The rows of ``groups`` (in that order) as one DataFrame, WELL filled from the partition when
        the files lack it. ``columns``: a subset (None: all); names the files lack are skipped."""
        import pandas as pd
        import pyarrow.parquet as pq

        from geonet.io.dataset import conform_part

        wanted = None if columns is None else [c for c in columns if c in self.schema.names]
        frames = []
        for file in dict.fromkeys(g.file for g in groups):
            indices = [g.index for g in groups if g.file == file]
            try:
                table = pq.ParquetFile(file).read_row_groups(indices, columns=None if file in self.dataset_parts
                                                             else wanted)
            except Exception as exc:
                raise InputError(f"cannot read row groups {indices} ({type(exc).__name__}: "
                                 f"{(str(exc).splitlines() or [''])[0][:200]})", path=file) from exc
            if file in self.dataset_parts:
                table = conform_part(table, self.dataset_parts[file], self.schema)
                if wanted is not None:
                    table = table.select(wanted)
            frame = table.to_pandas()
            if not self.well_in_files and (columns is None or WELL in columns):
                frame.insert(0, WELL, next(g.well for g in groups if g.file == file))
            frames.append(frame)
        if not frames:
            return self.empty_frame()
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    def group_wells(self, group: RowGroup) -> list[str]:
        """Names of the wells with rows in ``group`` (from the partition, else its WELL column)."""
        if group.well is not None and not self.well_in_files:
            return [group.well]
        import pyarrow.parquet as pq

        column = pq.ParquetFile(group.file).read_row_group(group.index, columns=[WELL]).column(0)
        return [str(w) for w in column.unique().to_pylist() if w is not None]

