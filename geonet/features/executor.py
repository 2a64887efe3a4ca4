"""Running one function over many files: the executor interface of ``ingest``.

:func:`map_files` yields ``(path, result)`` for every file as results come (callers needing the
input order sort them), where ``result`` is the function's return value or a :class:`Failure`; one
file's failure never stops the others. ``jobs`` is the number of processes working, this one
included (``None``: every core when there is more than one file): this process takes its share of
the files while ``jobs - 1`` forked workers take the rest, so no core idles and this share's
results need no pickling. Another executor (e.g. Dask) implements the same signature.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from geonet.errors import GeonetError
from geonet.signals import die_with_parent, stop_workers


@dataclass(frozen=True)
class Failure:
    """Why one file failed: ``reason`` (one line, without the path), the traceback text, and the
    :class:`GeonetError` itself when it was one (``None`` for an internal error)."""

    reason: str
    traceback: str
    error: GeonetError | None


def reason_of(exc: BaseException) -> str:
    """One line for a failed file, without the ``path:`` prefix the error may carry."""
    if isinstance(exc, GeonetError):
        msg = str(exc)
        prefix = f"{exc.path}: " if exc.path else ""
        return msg[len(prefix):] if prefix and msg.startswith(prefix) else msg
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"unexpected {type(exc).__name__}: {text} (run with --debug for the traceback)"


class _Call:
    """``fn(path)`` with every exception turned into a :class:`Failure` (picklable for workers)."""

    def __init__(self, fn: Callable[[Path], object]) -> None:
        self.fn = fn

    def __call__(self, path: Path):
        try:
            return self.fn(path)
        except Exception as exc:  # noqa: BLE001 - every file's failure is reported, the batch goes on
            keep = exc if isinstance(exc, GeonetError) else None
            return Failure(reason_of(exc), traceback.format_exc(), keep)


def default_jobs(n_files: int) -> int:
    """Every core (of those this process may use) when there is more than one file."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_files))


def map_files(fn: Callable[[Path], object], files: list[Path], jobs: int | None = None) -> Iterator[tuple[Path, object]]:
    """Yield ``(path, fn(path) or Failure)`` for each file, over ``jobs`` processes (this one included)."""
    call = _Call(fn)
    jobs = default_jobs(len(files)) if jobs is None else jobs
    if jobs <= 1 or len(files) <= 1:
        for p in files:
            yield p, call(p)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    mine, theirs = share_out(files, jobs)
    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=ctx, initializer=die_with_parent)
    try:
        futures = {pool.submit(call, p): p for p in theirs}
        for p in mine:
            yield p, call(p)
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or stopped early: stop the workers now
        stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def share_out(files: list[Path], jobs: int) -> tuple[list[Path], list[Path]]:
    """(this process's files, the workers' files): largest first to the least loaded of ``jobs``
    bins by bytes; this process gets one bin."""
    loads, bins = [0] * jobs, [[] for _ in range(jobs)]
    for p in sorted(files, key=_size, reverse=True):
        i = loads.index(min(loads))
        bins[i].append(p)
        loads[i] += _size(p) + 1
    return bins[0], [p for b in bins[1:] for p in b]
