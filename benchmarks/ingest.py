"""Benchmark: geonet's whole ingest (parse, aliases, units, nulls, Parquet) vs lasio.read() + .df() alone.

Usage: python benchmarks/ingest.py [FOLDER_OF_LAS] [--repeats N]
(default folder: ../shared/data/force2020/las beside the repository; default 3 repeats)
Single process, same files, same run (file bytes are read once first so both start from the page
cache). The two contenders alternate N times; the medians are compared, so a burst of load from
another process hits both. Also checks that geonet's fast reader gives values identical to
lasio's on every file.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "force2020" / "las"


def main(folder: str | Path = DEFAULT_FOLDER, repeats: int = 3) -> None:
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
    lasio_times, geonet_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        lasio_data = {}
        for f in files:
            las = lasio.read(str(f))
            las.df()
            lasio_data[f] = las.data
        lasio_times.append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            report = ingest(files, Path(tmp) / "features.parquet", jobs=1)
            geonet_times.append(time.perf_counter() - t0)
    t_lasio, t_geonet = float(np.median(lasio_times)), float(np.median(geonet_times))

    same = all(np.array_equal(read_las(f).data, lasio_data[f], equal_nan=True) for f in files)
    print(f"{len(files)} LAS files, {megabytes:.1f} MB, {report.rows} rows, {len(report.wells)} wells")
    print(f"lasio.read + .df():         {t_lasio:6.2f} s  {megabytes / t_lasio:7.1f} MB/s")
    print(f"geonet ingest (→ Parquet):  {t_geonet:6.2f} s  {megabytes / t_geonet:7.1f} MB/s")
    print(f"(medians of {repeats}; lasio {min(lasio_times):.2f}–{max(lasio_times):.2f} s, "
          f"geonet {min(geonet_times):.2f}–{max(geonet_times):.2f} s)")
    print(f"speed-up: {t_lasio / t_geonet:.1f}x (goal ≥ 3x: {'PASS' if t_lasio / t_geonet >= 3 else 'FAIL'})"
          f"   values identical to lasio: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    main(args.folder, args.repeats)
