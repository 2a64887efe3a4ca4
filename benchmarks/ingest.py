"""Benchmark: `geonet ingest` of a folder of LAS files as a whole process vs a plain Python process
running ``lasio.read(f).df()`` over the same files (issue 14: goal ≥ 3×, moonshot 5×).

Usage: python benchmarks/ingest.py [FOLDER_OF_LAS] [--repeats N] [--jobs J] [--compare-jobs J2] [--parsers]
(default folder: ../shared/data/force2020/las beside the repository; 3 repeats; geonet's default jobs:
every core for several files holding 64 MB or more: for these 72 MB this process and a spawned
helper; --jobs 1: this process alone)
Both are timed as fresh processes (start-up and imports included, geonet's bytecode compiled first),
alternating; best and median of N
wall times are printed (the goal is judged on the best: a burst of load from another process hits
one run, not the program), with CPU seconds (user + sys of the child and its workers) and the load
average, because the machine is shared.  Afterwards geonet's reader is checked to give values
identical to lasio's on every file.  ``--parsers`` also times the candidate ~A parsers in-process
(NumPy loadtxt — geonet's —, pandas' C parser, bytes.split + np.array, pyarrow's CSV reader on a
whitespace-normalised buffer) on the same files, one core, and checks each against lasio's values.
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


def parsers(files: list[Path]) -> None:
    """Time the candidate ~A parsers on every file's clean block (CPU seconds, best of 3)."""
    import io
    import re

    import lasio
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from geonet.io.las import _cut_at_next_section, _split
    from geonet.io.las_data import parse_fast
    from geonet.io.las_limits import DEFAULT_LIMITS

    def arrow(block, k):
        norm = re.sub(rb"(?m)^[ \t]+", b"", re.sub(rb"[ \t]+", b" ", block))
        table = pacsv.read_csv(io.BytesIO(norm), read_options=pacsv.ReadOptions(autogenerate_column_names=True,
                               use_threads=False), parse_options=pacsv.ParseOptions(delimiter=" "),
                               convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.float64() for i in range(k)}))
        return np.column_stack([c.to_numpy() for c in table.columns])

    candidates = {
        "numpy loadtxt (geonet)": lambda b, k: parse_fast(b, k),
        # rows contiguous, as geonet needs them (pandas hands out a column-major array)
        "pandas C parser": lambda b, k: np.ascontiguousarray(pd.read_csv(
            io.BytesIO(b), sep=r"\s+", header=None, engine="c", na_filter=False, low_memory=False).to_numpy(np.float64)),
        "bytes.split + np.array": lambda b, k: np.array(b.split(), dtype=np.float64).reshape(-1, k),
        "pyarrow csv (normalised)": arrow,
    }
    blocks, expected = [], []
    warnings.simplefilter("ignore")
    for f in files:
        raw = f.read_bytes()
        header, block, *_ = _split(raw, f, DEFAULT_LIMITS)
        block = _cut_at_next_section(block)
        las = lasio.read(str(f))
        blocks.append((block, las.data.shape[1], float(las.well["NULL"].value)))
        expected.append(las.data)
    megabytes = sum(len(b) for b, _, _ in blocks) / 1e6
    print(f"~A parsers, in-process, one core, {megabytes:.1f} MB of data blocks (CPU s, median of 5 "
          "rounds, candidates alternating):")
    seconds = {name: [] for name in candidates}
    for _ in range(5):
        for name, parse in candidates.items():
            t0 = time.process_time()
            out = [parse(b, k) for b, k, _ in blocks]
            seconds[name].append(time.process_time() - t0)
    for name, parse in candidates.items():
        same = True
        for (b, k, null), ref in zip(blocks, expected):
            data = parse(b, k).copy()
            data[data == null] = np.nan
            same = same and np.array_equal(data, ref, equal_nan=True)
        best = float(np.median(seconds[name]))
        print(f"  {name:<26} {best:6.2f} s  {megabytes / best:5.0f} MB/s  identical to lasio: {same}")


def main(folder: str | Path = DEFAULT_FOLDER, repeats: int = 3, jobs: int | None = None,
         compare_jobs: int | None = None) -> None:
    files = sorted(Path(folder).glob("*.las"))
    if not files:
        sys.exit(f"no .las files in {folder}")
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    for f in files:  # warm the page cache for both contenders
        f.read_bytes()
    # geonet's modules compiled to bytecode, as `pip install` leaves an installed package (and as lasio's
    # and pandas' are in site-packages): with PYTHONDONTWRITEBYTECODE set and an editable install, every
    # run would compile them again (≈ 0.05 s in each process)
    import compileall

    import geonet

    compileall.compile_dir(Path(geonet.__file__).parent, quiet=1)
    geonet = [str(Path(sys.executable).with_name("geonet"))]
    if not os.path.exists(geonet[0]):
        geonet = [sys.executable, "-m", "geonet.cli.main"]
    peer, ours, other = [], [], []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*geonet, "ingest", str(folder), "--out", str(Path(tmp) / "f.parquet"), "--no-progress"]
        for _ in range(repeats):
            peer.append(timed([sys.executable, "-c", LASIO, *map(str, files)]))
            ours.append(timed(cmd + (["--jobs", str(jobs)] if jobs else [])))
            if compare_jobs:
                other.append(timed(cmd + ["--jobs", str(compare_jobs)]))
    (p_wall, p_cpu), (o_wall, o_cpu) = min(peer), min(ours)
    p_med, o_med = float(np.median([w for w, _ in peer])), float(np.median([w for w, _ in ours]))
    ratio = p_wall / o_wall
    same = identical_to_lasio(files)
    print(f"{len(files)} LAS files, {megabytes:.1f} MB; whole processes, alternating, {repeats} runs each; "
          f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"python + lasio.read(f).df():  {p_wall:6.2f} s wall best, {p_med:6.2f} median  {p_cpu:6.2f} s CPU (best run)")
    from geonet.features.executor import local_processes, total_bytes

    print(f"geonet ingest (→ Parquet):    {o_wall:6.2f} s wall best, {o_med:6.2f} median  {o_cpu:6.2f} s CPU "
          f"(best run; jobs: {jobs or 'default'} = {local_processes(len(files), jobs, total_bytes(files))} processes)")
    print(f"GOAL speed-up, whole process: {ratio:.2f}x best/best, {p_med / o_med:.2f}x median/median  "
          f"(≥ 3x: {'PASS' if ratio >= 3 else 'FAIL'}; moonshot ≥ 5x: {'PASS' if ratio >= 5 else 'FAIL'});  "
          f"CPU ratio {p_cpu / o_cpu:.2f}x")
    if other:
        (c_wall, c_cpu), c_med = min(other), float(np.median([w for w, _ in other]))
        print(f"geonet ingest --jobs {compare_jobs}:      {c_wall:6.2f} s wall best, {c_med:6.2f} median  {c_cpu:6.2f} s CPU "
              f"(best run): {p_wall / c_wall:.2f}x best/best, {p_med / c_med:.2f}x median/median")
    print(f"values identical to lasio on every file: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--compare-jobs", type=int, default=None,
                        help="also time geonet with --jobs N, alternating in the same run (e.g. 1 against the default)")
    parser.add_argument("--parsers", action="store_true", help="also time the candidate ~A parsers in-process")
    args = parser.parse_args()
    main(args.folder, args.repeats, args.jobs, args.compare_jobs)
    if args.parsers:
        parsers(sorted(Path(args.folder).glob("*.las")))
