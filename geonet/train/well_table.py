"""A Parquet feature table read one well at a time, and when ``geonet train`` should do so (stream it)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pandas as pd

from geonet.errors import OptionError
from geonet.io.parquet_parts import ParquetParts, RowGroup
from geonet.spec import TrainSpec
from geonet.train.preprocess import DEPTH, WELL


def release_freed_memory() -> None:
    """Return freed heap pages to the operating system (glibc ``malloc_trim``; nothing elsewhere)."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


class WellTable:
    """A Parquet feature table read one well at a time (rows sorted by depth, canonical units)."""

    def __init__(self, path: str | Path):
        self.parts = ParquetParts(path)
        self.path = Path(path)
        self.groups_of: dict[str, list[RowGroup]] = {}
        for group in self.parts.groups:
            for well in self.parts.group_wells(group):
                self.groups_of.setdefault(well, []).append(group)
        self.wells = sorted(self.groups_of)
        self.units = {c: u for c, u in (self.parts.meta.get("units") or {}).items()}
        self.rows = sum(g.rows for g in self.parts.groups)

    @property
    def columns(self) -> list[str]:
        return self.parts.columns

    def frame(self, well: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Rows of ``well`` in depth order (``columns``: a subset; WELL and DEPTH_M always)."""
        from geonet.features.reconcile import to_canonical_units

        if columns is not None:
            columns = list(dict.fromkeys([WELL, DEPTH, *columns]))
        df = self.parts.read(self.groups_of[well], columns)
        if len(self.groups_of[well]) > 1 or self.parts.well_in_files:
            df = df[df[WELL].astype(str) == well]
        df = df.assign(**{WELL: well}).sort_values(DEPTH, kind="stable").reset_index(drop=True)
        to_canonical_units(df, {c: u for c, u in self.units.items() if c in df.columns})
        return df

    def frames(self, wells, columns: list[str] | None = None) -> Iterator[tuple[str, pd.DataFrame]]:
        """``(well, frame)`` for each of ``wells``; between wells the memory their arrays held goes back
        to the system (without it the heap fragments and resident memory creeps up well after well)."""
        for well in wells:
            yield well, self.frame(well, columns)
            release_freed_memory()


#: in-memory training's peak resident memory per byte of the table's numeric values (float64),
#: measured by benchmarks/stream_train.py on the FORCE wells with the default recipe (15.2–15.8 at 1×, 2×, 4×)
IN_MEMORY_FACTOR = 16.0
PARQUET_SUFFIXES = (".parquet", ".pq")


def in_memory_bytes(path: str | Path) -> int:
    """Estimated peak memory of training on the Parquet table ``path`` in memory."""
    parts = ParquetParts(path)
    return int(sum(g.rows for g in parts.groups) * len(parts.columns) * 8 * IN_MEMORY_FACTOR)


def should_stream(path: str | Path, spec: TrainSpec) -> bool:
    """Stream ``path``? A directory always; a Parquet file with ``stream``, or when its in-memory
    training would exceed ``memory_budget``. ``stream`` on a CSV file is an OptionError."""
    from geonet.spec import parse_bytes

    path, d = Path(path), spec.data
    if path.is_dir():
        return True
    parquet = path.suffix.lower() in PARQUET_SUFFIXES
    if d.stream and not parquet:
        raise OptionError(f"{path}: --stream needs a Parquet table (or a directory of them), not {path.suffix!r}")
    if d.stream:
        return True
    if d.memory_budget and parquet and path.is_file():
        return in_memory_bytes(path) > parse_bytes(d.memory_budget)
    return False
