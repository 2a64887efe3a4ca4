"""Benchmark: geonet's whole ingest (parse, aliases, units, nulls, Parquet) vs lasio.read() + .df() alone.

Usage: python benchmarks/ingest.py [FOLDER_OF_LAS]   (default: /work/shared/data/force2020/las)
Single process, same files, same run (file bytes are read once first so both start from the page cache).
Also checks that geonet's fast reader gives values identical to lasio's on every file.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def main(folder: str = "/work/shared/data/force2020/las") -> None:
    import lasio

    from geonet.features.ingest import ingest
    from geonet.io.las import read_las

    files = sorted(Path(folder).glob("*.las"))
    if not files:
        sys.exit(f"no .las files in {folder}")
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    for f in files:  # warm the page cache for both contenders
        f.read_bytes()

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    lasio_data = {}
    for f in files:
        las = lasio.read(str(f))
        las.df()
        lasio_data[f] = las.data
    t_lasio = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        report = ingest(files, Path(tmp) / "features.parquet", jobs=1)
        t_geonet = time.perf_counter() - t0

    same = all(np.array_equal(read_las(f).data, lasio_data[f], equal_nan=True) for f in files)
    print(f"{len(files)} LAS files, {megabytes:.1f} MB, {report.rows} rows, {len(report.wells)} wells")
    print(f"lasio.read + .df():         {t_lasio:6.2f} s  {megabytes / t_lasio:7.1f} MB/s")
    print(f"geonet ingest (→ Parquet):  {t_geonet:6.2f} s  {megabytes / t_geonet:7.1f} MB/s")
    print(f"speed-up: {t_lasio / t_geonet:.1f}x   values identical to lasio: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
