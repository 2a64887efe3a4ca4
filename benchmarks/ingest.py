"""Benchmark: `geonet ingest` of a folder of LAS files as a whole process vs a plain Python process
running ``lasio.read(f).df()`` over the same files (issue 14: goal ≥ 3×, moonshot 5×).

Usage: python benchmarks/ingest.py [FOLDER_OF_LAS] [--repeats N] [--jobs J]
(default folder: ../shared/data/force2020/las beside the repository; 3 repeats; geonet's default jobs)
Both are timed as fresh processes (start-up and imports included), alternating, best of N wall times
(a burst of load from another process hits both); CPU seconds (user + sys of the child) are printed
too because the machine is shared. Afterwards geonet's reader is checked to give values identical
to lasio's on every file.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "force2020" / "las"
LASIO = "import sys, warnings, lasio\nwarnings.simplefilter('ignore')\nfor f in sys.argv[1:]:\n    lasio.read(f).df()\n"


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process; exits if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd[:3])} ...\n{proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def identical_to_lasio(files: list[Path]) -> bool:
    import lasio

    from geonet.io.las import read_las

    warnings.simplefilter("ignore")
    return all(np.array_equal(read_las(f).data, lasio.read(str(f)).data, equal_nan=True) for f in files)


def main(folder: str | Path = DEFAULT_FOLDER, repeats: int = 3, jobs: int | None = None) -> None:
    files = sorted(Path(folder).glob("*.las"))
    if not files:
        sys.exit(f"no .las files in {folder}")
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    for f in files:  # warm the page cache for both contenders
        f.read_bytes()
    geonet = [str(Path(sys.executable).with_name("geonet"))]
    if not os.path.exists(geonet[0]):
        geonet = [sys.executable, "-m", "geonet.cli.app"]
    peer, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*geonet, "ingest", str(folder), "--out", str(Path(tmp) / "f.parquet"), "--no-progress"]
        cmd += ["--jobs", str(jobs)] if jobs else []
        for _ in range(repeats):
            peer.append(timed([sys.executable, "-c", LASIO, *map(str, files)]))
            ours.append(timed(cmd))
    (p_wall, p_cpu), (o_wall, o_cpu) = min(peer), min(ours)
    ratio = p_wall / o_wall
    same = identical_to_lasio(files)
    print(f"{len(files)} LAS files, {megabytes:.1f} MB; whole processes, best of {repeats} (wall), CPU of that run")
    print(f"python + lasio.read(f).df():  {p_wall:6.2f} s wall  {p_cpu:6.2f} s CPU")
    print(f"geonet ingest (→ Parquet):    {o_wall:6.2f} s wall  {o_cpu:6.2f} s CPU  (jobs: {jobs or 'default'})")
    print(f"speed-up, whole process: {ratio:.2f}x  (goal ≥ 3x: {'PASS' if ratio >= 3 else 'FAIL'}; "
          f"moonshot ≥ 5x: {'PASS' if ratio >= 5 else 'FAIL'});  CPU ratio {p_cpu / o_cpu:.2f}x")
    print(f"values identical to lasio on every file: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    main(args.folder, args.repeats, args.jobs)
