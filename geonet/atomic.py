"""Atomic file writes, shared by every layer (standard library only, like ``geonet.errors``).

Everything geonet writes goes to a temporary file beside the target and is then renamed onto it,
so an interrupted or failing write never leaves a half-written file and never harms an old one.
The finished file gets the mode an ordinary ``open(out, "w")`` would give it, ``0o666 & ~umask``
(0644 under umask 022), not the private 0600 of the temporary file, so colleagues can read it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import threading
import time
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
    out = check_output_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output directory ({exc.strerror})", path=out.parent) from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise write_error(exc, out) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, file_mode())  # mkstemp makes 0600; the writer may also have replaced tmp
        os.replace(tmp, out)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and write_error(exc, out, strict=True):
            raise write_error(exc, out) from None
        raise


def write_text_atomic(out: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` atomically."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")


# -- what may stand at an output path; temporary files left by killed processes --------------------

#: ``geonet --follow-symlinks``: write through a symlink at an output path instead of refusing it
FOLLOW_SYMLINKS = False
#: temporary files of :func:`atomic_path` (``.NAME.xxxxxxxx.tmp``) older than this are swept
STALE_TMP_S = 15 * 60
_TMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def check_output_target(out: str | Path, *, folder: bool = False) -> Path:
    """``out`` if geonet may write there, else one-line :class:`InputError` (before any work).

    Only a regular file (or, with ``folder``, a directory) is replaced or written into: a FIFO, a
    device (``--out /dev/null`` run as root would replace the system's), a socket or a directory
    where a file is meant is refused; so is a symlink unless ``geonet --follow-symlinks``, which
    writes to the symlink's target instead (returned). Nothing there yet is fine.
    """
    out = Path(out)
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        return out
    except OSError as exc:
        raise InputError(f"cannot write here ({exc.strerror})", path=out) from None
    if stat.S_ISLNK(st.st_mode):
        if not FOLLOW_SYMLINKS:
            raise InputError("is a symlink; geonet replaces only regular files "
                             "(geonet --follow-symlinks to write to its target)", path=out)
        return check_output_target(out.resolve(), folder=folder)
    for test, what in _KINDS:
        if test(st.st_mode):
            raise InputError(f"is {what}, not a regular file: geonet refuses to replace it", path=out)
    if stat.S_ISDIR(st.st_mode) and not folder:
        raise InputError("is a directory; give a file name", path=out)
    if stat.S_ISREG(st.st_mode) and folder:
        raise InputError("is a file; give a folder", path=out)
    return out


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EIO}
_WRITE_TEXTS = ("No space left", "Read-only file system", "Permission denied", "Disk quota", "File too large")


def write_error(exc: OSError, out: Path, *, strict: bool = False) -> InputError | None:
    """A full disk, a read-only file system, no permission … as a one-line :class:`InputError`
    naming ``out`` (the temporary file's name means nothing to a user). With ``strict``, None for
    other OS errors, which stay what they are."""
    text = exc.strerror or str(exc)
    known = exc.errno in _WRITE_ERRNOS or any(t in str(exc) for t in _WRITE_TEXTS)
    if strict and not known:
        return None
    return InputError(f"cannot write ({text.strip().splitlines()[0][:120] if text.strip() else type(exc).__name__})",
                      path=out)


def sweep_stale_temporaries(folder: str | Path, older_than_s: float = STALE_TMP_S) -> list[Path]:
    """Remove :func:`atomic_path`'s temporary files (``.NAME.xxxxxxxx.tmp``) in ``folder`` that are
    older than ``older_than_s``: left by a process killed with SIGKILL. Returns those removed."""
    removed = []
    cutoff = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if _TMP_NAME.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return removed
