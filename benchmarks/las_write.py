"""Benchmark: writing a predicted LAS (13 new curves) with geonet's line-by-line copy vs lasio
reading the source and writing it back with the curves appended (what geonet did before).

Usage: python benchmarks/las_write.py [LAS_FILE] [--repeats N]
(default: ../shared/data/force2020/las/16_2-6.las beside the repository, 13,094 rows; 3 repeats)
Best of N, alternating; PASS when geonet's copy is at least as fast as lasio's rewrite. Afterwards
the copy is read back with lasio and checked: the source's curves equal, the new ones exact.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "force2020" / "las" / "16_2-6.las"


def lasio_rewrite(src: Path, out: Path, curves: dict) -> None:
    import lasio

    las = lasio.read(str(src))
    for name, (values, unit, descr) in curves.items():
        las.append_curve(name, values, unit=unit, descr=descr)
    buffer = io.StringIO()
    las.write(buffer, version=2.0, wrap=False, fmt="%.10g")
    out.write_text(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("las", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import lasio

    from geonet.io.las_write import write_las_with_curves

    n = lasio.read(str(args.las)).data.shape[0]
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(12), n).astype(np.float32).astype(np.float64)  # a float32 model's output
    curves = {f"PROB_{i}": (probs[:, i], "v/v", f"probability {i}") for i in range(12)}
    curves["LITHOLOGY_PRED"] = (np.full(n, 65000.0), "code", "predicted code")
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "geonet.las", Path(tmp) / "lasio.las"
        best = {"geonet": float("inf"), "lasio": float("inf")}
        for _ in range(args.repeats):
            t = time.perf_counter()
            write_las_with_curves(args.las, ours, curves)
            best["geonet"] = min(best["geonet"], time.perf_counter() - t)
            t = time.perf_counter()
            lasio_rewrite(args.las, theirs, curves)
            best["lasio"] = min(best["lasio"], time.perf_counter() - t)
        back, src = lasio.read(str(ours)), lasio.read(str(args.las))
        same = all(np.array_equal(back[c.mnemonic], src[c.mnemonic], equal_nan=True) for c in src.curves)
        exact = all(np.array_equal(back[k].astype(np.float32), v.astype(np.float32), equal_nan=True)
                    for k, (v, _, _) in curves.items())
    ratio = best["lasio"] / best["geonet"]
    print(f"{args.las.name}: {n} rows, 13 curves added")
    print(f"geonet line-by-line copy {best['geonet']:.2f} s, lasio read+write {best['lasio']:.2f} s: {ratio:.1f}x")
    print(f"source curves read back identical: {same}; new curves exact (float32): {exact}")
    print("PASS" if ratio >= 1.0 and same and exact else "FAIL")


if __name__ == "__main__":
    main()
