"""Atomic file writes, shared by every layer (standard library only, like ``geonet.errors``).

Everything geonet writes goes to a temporary file beside the target and is then renamed onto it,
so an interrupted or failing write never leaves a half-written file and never harms an old one.
The finished file gets the mode an ordinary ``open(out, "w")`` would give it, ``0o666 & ~umask``
(0644 under umask 022), not the private 0600 of the temporary file, so colleagues can read it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from geonet.errors import InputError


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere: set and restore at once (os.umask is the only way to read it)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """Permission bits of a newly created regular file: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(out: str | Path) -> Iterator[Path]:
    """Yield a temporary path in ``out``'s directory; on success rename it onto ``out``, else delete it."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output directory ({exc.strerror})", path=out.parent) from None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, file_mode())  # mkstemp makes 0600; the writer may also have replaced tmp
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(out: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` atomically."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
