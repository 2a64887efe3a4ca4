"""Cost of the pipeline's skip check by content (SHA-256) on the FORCE pipeline's inputs.

The rule (``geonet/pipeline/state.py``): files up to 16 MiB are re-hashed on every run; larger
ones when their size, mtime, ctime or inode changed. The peer measured in the same run is the
check it replaced: size + mtime only (``os.stat``), which missed an edit that kept the size and
restored the mtime. Both on a warm page cache (the second of each repeat), medians.
PASS when the content check adds under 1 s to a run of the FORCE pipeline.

    python benchmarks/pipeline_skip.py [--pipeline pipelines/force2020_lithology.toml] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from geonet.pipeline.config import load_pipeline
from geonet.pipeline.state import PipelineState, VERIFY_BYTES

ROOT = Path(__file__).resolve().parents[1]


def input_files(pipeline) -> list[Path]:
    """Every file named by a step's ``inputs`` (folders and globs expanded), as the runner hashes them."""
    files: list[Path] = []
    for step in pipeline.steps:
        values = step.options.get("inputs", [])
        for value in [values] if isinstance(values, str) else values:
            p = Path(value)
            if p.is_dir():
                files += sorted(x for x in p.rglob("*") if x.is_file())
            elif p.is_file():
                files.append(p)
    return list(dict.fromkeys(files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default=str(ROOT / "pipelines" / "force2020_lithology.toml"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    files = input_files(load_pipeline(args.pipeline))
    if not files:
        raise SystemExit(f"no input files found for {args.pipeline} (is ../shared/data/force2020 there?)")
    total_mb = sum(f.stat().st_size for f in files) / 1e6
    rehashed = sum(f.stat().st_size <= VERIFY_BYTES for f in files)
    content, stat_only = [], []
    with tempfile.TemporaryDirectory() as tmp:
        previous = PipelineState(Path(tmp) / "state.json")
        previous.hash_paths([str(f) for f in files])  # the cache a previous run left, and a warm page cache
        for _ in range(args.repeats):
            state = PipelineState(previous.path, file_hashes=dict(previous.file_hashes))  # a new run
            start = time.perf_counter()
            state.hash_paths([str(f) for f in files])
            content.append(time.perf_counter() - start)
            start = time.perf_counter()
            _ = [(os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files]
            stat_only.append(time.perf_counter() - start)
    c, s = statistics.median(content), statistics.median(stat_only)
    print(f"{len(files)} input files, {total_mb:.1f} MB; re-hashed every run (<= {VERIFY_BYTES >> 20} MiB): {rehashed}")
    print(f"content check (rule): median {c:.3f} s ({total_mb / c:.0f} MB/s)")
    print(f"size + mtime only:    median {s * 1000:.2f} ms")
    print(f"content / stat = {c / s:.0f}x; added per run: {c - s:.3f} s  {'PASS' if c - s < 1.0 else 'FAIL'} (goal < 1 s)")


if __name__ == "__main__":
    main()
