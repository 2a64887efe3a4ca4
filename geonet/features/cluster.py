"""The Dask backend of :func:`geonet.features.executor.map_files` (the only module importing dask).

A call connects to ``tcp://HOST:PORT`` or starts a ``LocalCluster`` for ``local:N`` (N processes,
one thread each, no dashboard), sends the function to every worker once, submits one task per
batch of files and yields each file's result as its batch finishes. Batches: files largest first,
a file of ``BATCH_BYTES`` or more alone, smaller ones together up to that size or ``BATCH_FILES``
files, never fewer than ``TASKS_PER_WORKER`` tasks per worker when there are enough files (so a
slow file does not leave the other workers idle at the end).

A worker that dies mid-task (killed, out of memory) is restarted by its nanny and Dask runs its
task again elsewhere (``distributed.scheduler.allowed-failures`` times); past that the batch's
files fail (``lost(reason, traceback)``), reported like bad files, and a rerun of a
resumable job (a dataset ``--out``) does only what is missing.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
import uuid
from pathlib import Path
from typing import Callable, Iterator

from geonet.errors import ConfigError
from geonet.signals import die_with_parent

BATCH_BYTES = 4_000_000
BATCH_FILES = 64
TASKS_PER_WORKER = 4
#: how a LocalCluster starts its workers: "spawn" (Dask's default). "fork" starts ≈ 1 s sooner but
#: copies the locks of this process's other threads (MLflow's, a previous cluster's): a worker forked
#: while one was held hung forever in logging (seen in the full test suite). A script that calls
#: ``ingest(..., scheduler="local:N")`` needs the usual ``if __name__ == "__main__"`` guard.
START_METHOD = "spawn"
#: how long to try reaching a ``tcp://`` scheduler before saying it cannot be reached
CONNECT_TIMEOUT = "10s"


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def plan_batches(files: list[Path], workers: int, *, batch_bytes: int = BATCH_BYTES,
                 batch_files: int = BATCH_FILES) -> list[list[Path]]:
    """Files grouped into tasks as the module docstring says (every file exactly once)."""
    cap = max(1, min(batch_files, len(files) // (TASKS_PER_WORKER * max(1, workers))))
    batches: list[list[Path]] = []
    current: list[Path] = []
    size = 0
    for p in sorted(files, key=_size, reverse=True):
        s = _size(p)
        if current and (size + s > batch_bytes or len(current) >= cap):
            batches.append(current)
            current, size = [], 0
        current.append(p)
        size += s
    if current:
        batches.append(current)
    return batches


def run_batch(call: Callable[[Path], object], batch: list[tuple[Path, Path]]) -> list[tuple[Path, object]]:
    """Worker side: ``call`` on each ``(absolute path, path as given)``; results keyed by the path as given."""
    return [(given, call(absolute)) for absolute, given in batch]


@contextlib.contextmanager
def dask_client(scheduler: str, n: int | None):
    """A ``distributed.Client`` on the address ``scheduler``, or on a LocalCluster of ``n`` workers
    started (and stopped) here when ``n`` is given."""
    import dask
    from distributed import Client, LocalCluster

    cluster = None
    try:
        if n is not None:
            with dask.config.set({"distributed.worker.multiprocessing-method": START_METHOD}):
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, silence_logs=logging.ERROR,
                                       scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"})
            client = Client(cluster)
            client.run(die_with_parent)  # a killed geonet (even by SIGKILL) takes its workers at once
        else:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as exc:  # includes TimeoutError: nothing listening there
        if cluster is not None:
            cluster.close()
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}: {exc})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def worker_count(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def map_on_cluster(call: Callable[[Path], object], files: list[Path], scheduler: str, n_local: int | None,
                   lost: Callable[[str, str], object]) -> Iterator[tuple[Path, object]]:
    """Yield ``(path, call(path))`` for each file, computed on the cluster (``n_local``: a LocalCluster
    of that many workers, else the scheduler at ``scheduler``); ``lost(reason, traceback)`` stands for
    the result of each file whose worker was lost."""
    from distributed import as_completed

    with dask_client(scheduler, n_local) as client:
        shipped = client.scatter(call, broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        futures = {}
        for i, batch in enumerate(plan_batches(files, worker_count(client))):
            pairs = [(p.resolve(), p) for p in batch]  # workers may run in another directory
            key = f"geonet-{batch[0].name[:40]}-{i}-{token}"
            futures[client.submit(run_batch, shipped, pairs, key=key, pure=False)] = batch
        for fut in as_completed(list(futures)):
            batch = futures.pop(fut)
            try:
                results = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails its batch, never the others
                reason = (f"the Dask worker reading it was lost ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0][:160] if str(exc) else ''}); rerun to resume")
                results = [(p, lost(reason, traceback.format_exc())) for p in batch]
            fut.release()
            yield from results
