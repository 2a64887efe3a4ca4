"""Cost of creating the SQLite tracking store atomically, against MLflow creating it in place.

Both under the same ``flock``; measured alternately (each going first in turn) in fresh folders
of one process, medians:

- ``in place``: MLflow's own creation (``SqlAlchemyStore(uri)``) on the database path itself — what
  a lock alone would give; a kill in the middle still leaves a half-built store.
- ``aside``: geonet's :func:`geonet.tracking.sqlite_store.ensure_sqlite_store` — built in a
  temporary database, then renamed in (a kill leaves no store, never half of one).

Also the check every later command pays on a healthy store (no lock taken).
PASS when building aside costs at most 10 % more than building in place.

    python benchmarks/store_create.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def in_place(db: Path) -> None:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from geonet.tracking.sqlite_store import store_lock

    with store_lock(db):
        uri = f"sqlite:///{db.as_posix()}"
        store = SqlAlchemyStore(uri, (db.parent / "artifacts").as_uri())
        store.engine.dispose()
        SqlAlchemyStore._engine_map.pop(uri, None)


def aside(db: Path) -> None:
    from geonet.tracking.sqlite_store import ensure_sqlite_store

    ensure_sqlite_store(db, (db.parent / "artifacts").as_uri())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from geonet.tracking.sqlite_store import _schema_facts, is_healthy
    from geonet.tracking.store import import_mlflow

    import_mlflow()
    times: dict[str, list[float]] = {"in place": [], "aside": []}
    with tempfile.TemporaryDirectory() as root:
        for i in range(args.repeats):
            order = (("in place", in_place), ("aside", aside))
            for name, fn in order if i % 2 == 0 else order[::-1]:  # alternate who goes first
                folder = Path(root) / f"{name.replace(' ', '_')}-{i}"
                folder.mkdir()
                start = time.perf_counter()
                fn(folder / "mlflow.db")
                times[name].append(time.perf_counter() - start)
        db = Path(root) / f"aside-{args.repeats - 1}" / "mlflow.db"
        start = time.perf_counter()
        n = 50
        for _ in range(n):
            head, needed, _ = _schema_facts()
            assert is_healthy(db, head, needed)
        check_ms = (time.perf_counter() - start) / n * 1000
    a, b = statistics.median(times["in place"]), statistics.median(times["aside"])
    print(f"create in place (MLflow, under the lock): median {a:.2f} s  {[round(t, 2) for t in times['in place']]}")
    print(f"create aside + rename (geonet):          median {b:.2f} s  {[round(t, 2) for t in times['aside']]}")
    print(f"check of a healthy store per command:    {check_ms:.1f} ms")
    ratio = b / a
    print(f"aside / in place = {ratio:.2f}  {'PASS' if ratio <= 1.10 else 'FAIL'} (goal <= 1.10)")


if __name__ == "__main__":
    main()
