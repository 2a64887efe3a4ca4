"""This process and spawned helpers read files side by side: the local backend of ``map_files``.

A Dask ``LocalCluster`` costs ≈ 1 s to start, stop and ship results: more than reading the 22 FORCE
wells takes.  Here the call starts ``k − 1`` helper processes and goes on reading files itself
while they boot (≈ 0.15 s: a fresh interpreter importing NumPy and the loaders):

    this process                                  helper
    start helpers; send each the function  ──▶    boot, import what the function needs
    read the next file from the front, …          ┐
    after each file: hand every helper with  ──▶  ├ read the files handed to it (≤ IN_FLIGHT at a
    fewer than IN_FLIGHT files the next one  ◀──  ┘ time), send back each result
    no files left: wait for the helpers' results, stop them

Files are taken largest first, so the last ones are small and nobody waits long at the end.
Helpers are *spawned* (a fresh interpreter), never forked: this process has threads (OpenBLAS
starts some when NumPy is imported) and a fork copies the locks they hold.  The caller's
``__main__`` is hidden from the child (a spawned child would import it again: the ``geonet``
script, its Typer app, or a user's unguarded script).  The function travels pickled over a private
pipe, as with Dask; each result is pickled into a file of a private folder in /dev/shm (memory),
which this process reads and deletes at once (so a helper never waits for this one to take a
multi-megabyte result off the pipe); nothing pickled outlives the call.  A helper that dies fails
only the files it held (``lost``), and the rest are read here.  Helpers end with the call, on
Ctrl-C, and by themselves if this process dies.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterator

from geonet.spawning import start_without_main

#: files a helper holds at a time: one being read, one waiting, so it never idles while this process
#: is busy with a file of its own
IN_FLIGHT = 2
#: results wait here (in memory) for this process to read them; when a file cannot be written there
#: (a small /dev/shm full) the result goes down the pipe instead
_SHM = "/dev/shm"
#: how often (seconds) an idle helper checks that this process is still alive
POLL = 0.2


def _serve(conn, parent: int, preload: tuple[str, ...]) -> None:
    """A helper's life: import ``preload``, receive the function, then ``(index, path)`` jobs until ``None``."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the calling process's to handle
    for name in preload:
        importlib.import_module(name)
    fn = None
    while True:
        if not conn.poll(POLL):
            if os.getppid() != parent:
                return
            continue
        message = conn.recv()
        if message is None:
            return
        if fn is None:
            fn, folder = message
            continue
        index, path = message
        conn.send((index, _park(fn(path), folder, index)))


def _park(result, folder: str, index: int):
    """``(path of a file in folder holding result pickled, None)``, or ``(None, result)`` when the
    file cannot be written (e.g. a small /dev/shm full): then the result goes down the pipe itself.
    A result can be megabytes of arrays: sent down the pipe, it would hold the helper until the
    other side, busy reading a file of its own, reads it."""
    path = os.path.join(folder, f"{index}.pickle")
    try:
        with open(path + ".tmp", "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(path + ".tmp", path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path + ".tmp")
        return None, result
    return path, None


def _unpark(parked) -> object:
    path, result = parked
    if path is None:
        return result
    with open(path, "rb") as fh:
        result = pickle.load(fh)
    os.unlink(path)
    return result


class _Helper:
    def __init__(self, ctx, preload: tuple[str, ...] = ()) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, os.getpid(), preload), name="geonet-read", daemon=True)
        start_without_main(self.process)
        child.close()
        self.held: list[int] = []  # indices of the files handed over, in order

    def bind(self, fn, folder: str) -> None:
        self.conn.send((fn, folder))

    def give(self, index: int, path: Path) -> None:
        self.conn.send((index, path))
        self.held.append(index)

    def stop(self) -> None:
        """An idle helper is told to end and not waited for (its exit would hold this process up for
        tens of milliseconds; it is joined at exit); one still holding files is ended at once."""
        if self.held:
            self.process.terminate()
            self.process.join(1.0)
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
            _ENDING.append(self.process)
        self.conn.close()


_WARM: list[_Helper] = []  # started by prestart, not yet used
_ENDING: list = []  # processes of helpers told to end


def prestart(helpers: int, preload: tuple[str, ...] = ()) -> None:
    """Start ``helpers`` helpers now, importing ``preload``, for a call that will probably come: they
    boot while this process does its own imports (the ``geonet`` script calls this for ``ingest``).
    How many processes a call uses is still decided by the call; helpers it does not use end at exit."""
    ctx = multiprocessing.get_context("spawn")
    _WARM.extend(_Helper(ctx, preload) for _ in range(helpers))


@atexit.register
def _stop_warm() -> None:
    """Helpers started early and never used hold no work: ended at once; those told to end, joined."""
    while _WARM:
        process = _WARM.pop().process
        process.terminate()
        process.join(1.0)
    while _ENDING:
        process = _ENDING.pop()
        process.join(1.0)
        if process.is_alive():
            process.terminate()


def _take(n: int) -> list[_Helper]:
    """``n`` helpers: those started early (still alive) first, then new ones."""
    ctx = multiprocessing.get_context("spawn")
    helpers = []
    while _WARM and len(helpers) < n:
        h = _WARM.pop(0)
        if h.process.is_alive():
            helpers.append(h)
        else:
            h.stop()
    return helpers + [_Helper(ctx) for _ in range(n - len(helpers))]


def _largest_first(files: list[Path]) -> list[int]:
    def size(i: int) -> int:
        try:
            return files[i].stat().st_size
        except OSError:
            return 0

    return sorted(range(len(files)), key=lambda i: (-size(i), i))


def map_here_and_on_helpers(call: Callable[[Path], object], files: list[Path], processes: int,
                            lost: Callable[[str, str], object]) -> Iterator[tuple[Path, object]]:
    """Yield ``(path, call(path))`` for each file, computed here and on ``processes − 1`` helpers;
    ``lost(reason, traceback)`` stands for the result of each file whose helper died."""
    todo = deque(_largest_first(files))
    helpers = _take(max(1, processes - 1))
    folder = tempfile.mkdtemp(prefix="geonet-read-", dir=_SHM if os.access(_SHM, os.W_OK) else None)
    for h in helpers:
        h.bind(call, folder)
    try:
        while todo or any(h.held for h in helpers):  # (a helper that died holds nothing any more)
            for h in helpers:
                while todo and len(h.held) < IN_FLIGHT and h.process.is_alive():
                    i = todo.pop()  # the smallest file left: the largest are read here while helpers boot
                    h.give(i, files[i])
            for h in helpers:
                yield from _collect(h, files, lost, block=not todo)
            if todo:
                i = todo.popleft()
                yield files[i], call(files[i])
    finally:
        for h in helpers:
            h.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _collect(h: _Helper, files: list[Path], lost, block: bool) -> Iterator[tuple[Path, object]]:
    """The results ``h`` has ready (with ``block``: wait for at least one); its files if it died."""
    while h.held and (block or h.conn.poll()):
        block = False
        try:
            if not h.conn.poll():
                wait([h.conn, h.process.sentinel])
            index, parked = h.conn.recv()
            result = _unpark(parked)
        except (EOFError, OSError):
            h.process.join(1.0)
            reason = f"the helper process reading it died (exit code {h.process.exitcode}); rerun to resume"
            for index in h.held:
                yield files[index], lost(reason, "")
            h.held.clear()
            return
        h.held.remove(index)
        yield files[index], result
