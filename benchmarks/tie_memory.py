"""Benchmark: peak memory of `geonet tie` (with --grid-out) on a synthetic survey, the SEG-Y files read
at once against read lazily in blocks of whole inlines (what geonet does for files over EAGER_MB).

    .venv/bin/python benchmarks/tie_memory.py [--inlines 120] [--crosslines 200] [--samples 500]

Each run is a fresh process (its peak resident memory, VmHWM, is what is compared); the tie
tables and grids of the two runs are checked to be equal.  A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from geonet.io import segy
from geonet.features.tie_run import run_tie
from geonet.spec import TieSpec
if {lazy}:
    segy.EAGER_MB, segy.BLOCK_MB = 0.0, {block_mb}
spec = TieSpec.from_options(dict(segy_names=["AMPLITUDE", "AI"], time_depth={td!r}, smooth_ms=12))
t0 = time.perf_counter()
run_tie([{amp!r}, {ai!r}], {wells!r}, {out!r}, spec, grid_out={grid!r})
# VmHWM: this process's own peak resident memory (ru_maxrss would carry the parent's over exec)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps(dict(seconds=time.perf_counter() - t0, peak_mb=hwm / 1024)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inlines", type=int, default=120)
    parser.add_argument("--crosslines", type=int, default=200)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--block-mb", type=float, default=8.0, help="lazy blocks of about this size (default 8)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    import numpy as np
    import xarray as xr
    from segy_synthetic import write_tie_fixture

    from geonet.features.ingest import ingest
    from geonet.features.table import read_feature_table

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fx = write_tie_fixture(tmp / "data", n_il=args.inlines, n_xl=args.crosslines, n=args.samples)
        ingest([fx["las"]], tmp / "wells.parquet")
        size_mb = 2 * args.inlines * args.crosslines * args.samples * 4 / 2**20
        runs = {}
        for name, lazy in (("at once", False), ("lazy", True)):
            code = CHILD.format(root=str(ROOT), lazy=lazy, block_mb=args.block_mb, td=str(fx["time_depth"]),
                                amp=str(fx["amp"]), ai=str(fx["ai"]), wells=str(tmp / "wells.parquet"),
                                out=str(tmp / f"tie_{lazy}.parquet"), grid=str(tmp / f"grid_{lazy}.nc"))
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if proc.returncode:
                sys.exit(proc.stderr[-2000:])
            runs[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        same_table = read_feature_table(tmp / "tie_True.parquet").equals(read_feature_table(tmp / "tie_False.parquet"))
        with xr.open_dataset(tmp / "grid_True.nc", engine="h5netcdf") as a, \
                xr.open_dataset(tmp / "grid_False.nc", engine="h5netcdf") as b:
            same_grid = all(np.allclose(a[v].values, b[v].values, rtol=1e-6, atol=1e-6, equal_nan=True)
                            for v in b.data_vars)
    print(f"survey {args.inlines} × {args.crosslines} × {args.samples}: two SEG-Y files, {size_mb:.0f} MB of samples; "
          f"load average {os.getloadavg()[0]:.2f}")
    for name, r in runs.items():
        print(f"  {name:8s} peak {r['peak_mb']:7.0f} MB   {r['seconds']:6.2f} s")
    ratio = runs["at once"]["peak_mb"] / runs["lazy"]["peak_mb"]
    print(f"  peak memory at once / lazy: {ratio:.2f}×; tie tables equal: {same_table}; grids equal: {same_grid}")
    if not (same_table and same_grid):
        sys.exit(1)


if __name__ == "__main__":
    main()
