"""How much does MLflow tracking add to a training run?  Goal: ≤ 3 % of training wall time.

The same seeded fit (synthetic lithology-like data, 10 curves → 64 → 64 → 9 classes, Adam,
batch 256) is timed three ways, interleaved and repeated; the fastest of each is reported (on a shared machine the slower
repeats measure the neighbours), together with the time spent inside the tracking callback
itself, measured directly, which is immune to that noise:

  bare      no callbacks at all
  norms     a no-op callback (geonet.nn then computes per-layer gradient and weight norms)
  tracked   RunTracker.epoch_callback, logging ~12 metrics per epoch to a SQLite store

"Tracking overhead" is tracked vs norms (what MLflow costs); the norms' own cost (a property of
geonet.nn, paid by any callback) is printed separately. The one-off costs — import mlflow,
creating a fresh SQLite store and starting the run, the final flush + end — are printed
separately and also folded into an "including setup" percentage.

    .venv/bin/python benchmarks/tracking.py [--rows 100000] [--epochs 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # small nets are as fast on one thread, and steadier

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_data(rows: int, rng: np.random.Generator):
    """X (rows, 10) float32, y (rows,) in 0..8 from a random linear rule plus noise."""
    X = rng.normal(size=(rows, 10)).astype(np.float32)
    W = rng.normal(size=(10, 9))
    y = np.argmax(X @ W + rng.gumbel(size=(rows, 9)), axis=1)
    return X, y


def train(X, y, X_val, y_val, epochs: int, callbacks) -> float:
    """Seconds for one seeded fit with ``callbacks``."""
    from geonet.nn import Network, fit, make_optimizer

    net = Network([X.shape[1], 64, 64, 9], activation="relu", output="softmax", rng=np.random.default_rng(0))
    t0 = time.perf_counter()
    fit(
        net, X, y,
        optimizer=make_optimizer("adam", lr=1e-3),
        epochs=epochs,
        batch_size=256,
        rng=np.random.default_rng(1),
        X_val=X_val,
        Y_val=y_val,
        callbacks=callbacks,
    )
    return time.perf_counter() - t0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(42)
    X, y = make_data(args.rows, rng)
    X_val, y_val = make_data(args.rows // 5, rng)

    t0 = time.perf_counter()
    from geonet.tracking.logger import RunTracker
    from geonet.tracking.store import import_mlflow, resolve_tracking_uri

    import_mlflow()
    import_s = time.perf_counter() - t0

    workdir = Path(tempfile.mkdtemp(prefix="geonet-bench-"))
    uri = resolve_tracking_uri(None, workdir)  # a fresh store, like a first `geonet train`

    train(X[:2048], y[:2048], X_val[:512], y_val[:512], 1, ())  # warm-up (BLAS, caches)

    times: dict[str, list[float]] = {"bare": [], "norms": [], "tracked": []}
    start_s: list[float] = []
    end_s: list[float] = []
    callback_s: list[float] = []
    for repeat in range(args.repeats):
        times["bare"].append(train(X, y, X_val, y_val, args.epochs, ()))
        times["norms"].append(train(X, y, X_val, y_val, args.epochs, (lambda event: None,)))
        t = time.perf_counter()
        tracker = RunTracker(uri, "benchmark", run_name=f"tracked-{repeat}").start()
        start_s.append(time.perf_counter() - t)
        tracker.log_params({"rows": args.rows, "epochs": args.epochs, "hidden": [64, 64]})
        inside = [0.0]

        def timed_callback(event, _log=tracker.epoch_callback, _inside=inside):
            t_in = time.perf_counter()
            _log(event)
            _inside[0] += time.perf_counter() - t_in

        times["tracked"].append(train(X, y, X_val, y_val, args.epochs, (timed_callback,)))
        callback_s.append(inside[0])
        t = time.perf_counter()
        tracker.end("FINISHED")
        end_s.append(time.perf_counter() - t)

    med = {k: min(v) for k, v in times.items()}
    n_metrics = len(tracker.client.get_run(tracker.run_id).data.metrics)
    first_start, later_start = start_s[0], statistics.median(start_s[1:] or start_s)
    end = statistics.median(end_s)
    base = med["norms"]
    in_loop = statistics.median(callback_s)
    print(f"data: {args.rows} rows × 10 curves, {args.epochs} epochs, net 10-64-64-9, batch 256, Adam")
    print(f"store: {uri}  ({n_metrics} metric keys per epoch)")
    for name, values in times.items():
        print(f"  fit {name:8s} best {med[name]:7.2f} s   runs: {', '.join(f'{v:.2f}' for v in values)}")
    print(f"  per-layer norms in geonet.nn (norms - bare): {med['norms'] - med['bare']:+.3f} s "
          f"({100 * (med['norms'] - med['bare']) / med['bare']:+.2f} %)")
    print(f"one-off: import mlflow {import_s:.2f} s; start run on a fresh store {first_start:.2f} s, "
          f"on an existing store {later_start:.2f} s; flush + end {end:.3f} s")
    print(f"time inside the tracking callback:              {in_loop:+.3f} s = {100 * in_loop / base:+.2f} %")
    with_end = in_loop + end
    print(f"  (wall-time difference tracked - norms, best runs: {med['tracked'] - base:+.3f} s = "
          f"{100 * (med['tracked'] - base) / base:+.2f} %, noise included)")
    print(f"  + final flush/end, existing store:            {with_end + later_start:+.3f} s = "
          f"{100 * (with_end + later_start) / base:+.2f} %")
    print(f"  + fresh store creation (first run only):      {with_end + first_start:+.3f} s = "
          f"{100 * (with_end + first_start) / base:+.2f} %")
    print(f"  + import mlflow too (CLI process cost):       {with_end + first_start + import_s:+.3f} s = "
          f"{100 * (with_end + first_start + import_s) / base:+.2f} %")
    print("(goal: ≤ 3 % of training wall time)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
