"""Finding inputs: files, folders (recursive) and globs → the files to ingest, and what kind each is."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterable

from geonet.io.grid import GRID_SUFFIXES, is_grid_path
from geonet.io.tables import TABLE_SUFFIXES

LAS_SUFFIXES = {".las", ".las2", ".las3"}


def input_kind(path: Path) -> str:
    """"grid", "table" or "las" (anything else is tried as LAS and gets a clear error if it is not)."""
    if is_grid_path(path):
        return "grid"
    if path.suffix.lower() in TABLE_SUFFIXES:
        return "table"
    return "las"


def _walk(folder: Path, known: set[str]) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        grids = [d for d in dirs if is_grid_path(Path(root) / d)]
        dirs[:] = [d for d in dirs if d not in grids and not d.startswith(".")]
        found += [Path(root) / d for d in grids]
        found += [Path(root) / f for f in sorted(files) if Path(f).suffix.lower() in known and not f.startswith(".")]
    return found


def expand_inputs(inputs: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files from files, folders (recursive: .las, .csv, .parquet, .nc, .zarr) and globs; plus misses
    as ``(input, reason)``. Each file once, in the order given."""
    known = LAS_SUFFIXES | set(TABLE_SUFFIXES) | GRID_SUFFIXES
    found, missing = [], []
    for item in inputs:
        p = Path(item)
        if p.exists():
            found += _walk(p, known) if p.is_dir() and not is_grid_path(p) else [p]
        elif any(ch in str(item) for ch in "*?["):
            hits = sorted(glob.glob(str(item), recursive=True))
            if not hits:
                missing.append((str(item), "no file matches this pattern"))
            found += [Path(h) for h in hits]
        else:
            missing.append((str(item), "file not found"))
    return list(dict.fromkeys(found)), missing
