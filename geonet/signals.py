"""Signals and processes, shared by every layer (standard library only).

``SIGTERM`` (what ``timeout``, docker and systemd send) and ``SIGHUP`` (a closed terminal) are
handled like Ctrl-C: :func:`signals_as_interrupts` turns them into :class:`Interrupted`, a
``KeyboardInterrupt``, so every ``finally`` and ``except BaseException`` runs — an MLflow run is
ended KILLED, temporary files are removed, worker processes stopped. Worker processes die with
their parent (:func:`die_with_parent`) even when the parent is killed with SIGKILL. A process
is named by ``(pid, host, start time)``, so a run it left RUNNING can be recognised later as
orphaned (:func:`process_alive`) without being fooled by a reused pid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from typing import Iterator

HANDLED = (signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A SIGTERM or SIGHUP, raised like Ctrl-C's ``KeyboardInterrupt``; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _raise(signum: int, _frame) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Interrupted` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in HANDLED}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def exit_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal number, as shells report it (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + getattr(exc, "signum", signal.SIGINT)


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Worker initializer: the kernel sends this process ``sig`` when its parent dies (Linux).

    With SIGKILL (the default) a worker also stops at once on SIGTERM/SIGHUP; with SIGTERM those
    raise :class:`Interrupted`, so a worker running an MLflow run ends it KILLED before exiting.
    """
    graceful = sig != signal.SIGKILL
    for s in HANDLED:
        signal.signal(s, _raise if graceful else signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(sig))
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def stop_workers(pool) -> None:
    """Send SIGTERM to a ``ProcessPoolExecutor``'s processes instead of waiting for their work."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()


def start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22), or ""."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def identity() -> dict[str, str]:
    """This process as ``{"pid", "host", "start"}``."""
    return {"pid": str(os.getpid()), "host": socket.gethostname(), "start": start_time(os.getpid())}


def process_alive(pid: str, start: str) -> bool:
    """Whether process ``pid`` of this host still runs (and is the one that started at ``start``)."""
    try:
        n = int(pid)
        os.kill(n, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return not start or start_time(n) in ("", start)
