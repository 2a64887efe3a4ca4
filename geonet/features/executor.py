"""Running one function over many files: the executor interface of ``ingest`` and ``predict``.

:func:`map_files` yields ``(path, result)`` for every file as results come (callers needing the
input order sort them), where ``result`` is the function's return value or a :class:`Failure`; one
file's failure never stops the others. Where the work runs is a *scheduler*:

- ``None``: on this machine, in ``jobs`` processes — this one and ``jobs − 1`` spawned helpers
  (:mod:`geonet.features.pool`); ``jobs=None`` is every core when there is more than one file and
  the files hold ``PARALLEL_MIN_BYTES`` or more, else this process alone (:func:`local_processes`);
- ``local:N``: a Dask ``LocalCluster`` of N worker processes started for the call;
- ``tcp://HOST:PORT`` (or ``tls://``): an existing Dask cluster's scheduler.

Dask (:mod:`geonet.features.cluster`) is imported only when a scheduler is given, so an ingest on
this machine never imports it.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from geonet.errors import GeonetError

#: ``local:N`` or a Dask scheduler address
_LOCAL = re.compile(r"^local:(\d+)$")
_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+(:\d+)?/?$")
SCHEDULER_HELP = "local:N (a Dask LocalCluster of N processes) or tcp://HOST:PORT (an existing Dask scheduler)"
#: with ``jobs=None``, inputs smaller than this are read in this process alone. A helper needs
#: ≈ 0.15 s of CPU to boot, and the two cores of the development machine give ≈ 1.4× one core on
#: parsing. Measured (whole ``geonet ingest`` processes, ``--jobs 2`` vs ``--jobs 1`` alternating,
#: best / median s): 24 MB of FORCE wells, load 1.9: 0.96/1.00 vs 0.68/0.71 (two lose); the 72 MB
#: of all 22: idle, 0.84–0.89 vs 0.91–0.93 single runs; load 0.8–1.1: 0.79/0.83 vs 0.82–0.83/0.85–0.93;
#: load 1.2: 0.87/0.95 vs 0.88/0.95; but load 2.1: 1.17/1.34 vs 0.91/1.06 (a second process
#: competes with the other load); 216 MB (the 22 three times), load 2.1: 1.61/1.71 vs 1.96/2.18
PARALLEL_MIN_BYTES = 64_000_000


@dataclass(frozen=True)
class Failure:
    """Why one file failed: ``reason`` (one line, without the path), the traceback text, and the
    :class:`GeonetError` itself when it was one (``None`` for an internal error or a lost worker)."""

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


def check_scheduler(text: str) -> str:
    """``text`` if it names a scheduler geonet can use, else :class:`ValueError` with the forms allowed."""
    local = _LOCAL.match(text)
    if local and int(local.group(1)) >= 1:
        return text
    if _ADDRESS.match(text):
        return text.rstrip("/")
    raise ValueError(f"{text!r} is not a scheduler: use {SCHEDULER_HELP}")


def check_placement(jobs: int | None, scheduler: str | None) -> None:
    """Where a command's work runs, checked: ``--jobs`` or ``--scheduler``, not both, and a scheduler
    geonet can use; else :class:`ValueError` naming the option."""
    if scheduler is None:
        return
    if jobs is not None:
        raise ValueError("jobs and scheduler: give one (--jobs N: processes on this machine; --scheduler: Dask)")
    try:
        check_scheduler(scheduler)
    except ValueError as exc:
        raise ValueError(f"scheduler: {exc}") from None


def local_workers(scheduler: str) -> int | None:
    """N of ``local:N``; ``None`` for a cluster address."""
    m = _LOCAL.match(scheduler)
    return int(m.group(1)) if m else None


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def local_processes(n_files: int, jobs: int | None = None, n_bytes: int | None = None) -> int:
    """Processes reading ``n_files`` files on this machine: ``jobs`` if given, else every core (of
    those this process may use) when there is more than one file, unless the files hold fewer than
    ``PARALLEL_MIN_BYTES`` together (``n_bytes``; ``None``: not known). Never more than the files.
    It depends on the inputs and the cores only, never on the machine's load."""
    if jobs is None:
        jobs = 1 if n_bytes is not None and n_bytes < PARALLEL_MIN_BYTES else cores()
    return max(1, min(jobs, n_files))


def total_bytes(files: list[Path]) -> int:
    total = 0
    for p in files:
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total


def map_files(fn: Callable[[Path], object], files: list[Path], jobs: int | None = None,
              scheduler: str | None = None) -> Iterator[tuple[Path, object]]:
    """Yield ``(path, fn(path) or Failure)`` for each file: on ``scheduler`` (Dask) if given, else in
    this process and :func:`local_processes` − 1 spawned helpers (:mod:`geonet.features.pool`).

    ``fn`` (with all it binds, e.g. a model) is sent to each worker or helper once; a file whose
    worker or helper died is a :class:`Failure` (Dask first retries it elsewhere), never the end of
    the others.
    """
    call = _Call(fn)
    lost = lambda reason, tb: Failure(reason, tb, None)  # noqa: E731
    if scheduler is None:
        n_bytes = total_bytes(files) if jobs is None and len(files) > 1 else None
        processes = local_processes(len(files), jobs, n_bytes)
        if processes <= 1:
            for p in files:
                yield p, call(p)
            return
        from geonet.features.pool import map_here_and_on_helpers

        yield from map_here_and_on_helpers(call, files, processes, lost)
        return
    from geonet.features.cluster import map_on_cluster

    where = check_scheduler(scheduler)
    yield from map_on_cluster(call, files, where, local_workers(where), lost=lost)
