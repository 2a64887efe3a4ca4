"""Atomic file writes, shared by every layer (standard library only, like ``geonet.errors``).

Everything geonet writes goes to a temporary file beside the target and is then renamed onto it,
so an interrupted or failing write never leaves a half-written file and never harms an old one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from geonet.errors import InputError


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
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(out: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` atomically."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
