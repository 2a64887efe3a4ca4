"""Bounds on the work a LAS file may cause, checked on its bytes before lasio (or any parser) sees it.

lasio's header parsing is quadratic in a line's length (a 1.6 MB ``~Well`` line took 181 s) and a
long token inside ``~A`` sent its fallback reader to gigabytes of memory. Each limit is settable
(``geonet ingest --max-line-kb`` ...) and each breach is a one-line refusal naming file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from geonet.errors import LASError

_LONG: dict = {}  # (limit, kind, bytes?) → compiled pattern


@dataclass(frozen=True)
class LasLimits:
    """``max_line_chars``: any header line; ``max_token_chars``: one value in the data section;
    ``max_header_bytes``: everything before the data section; ``max_file_bytes``: the whole file
    (memory per file is bounded by it: the parse needs about 1–2× the file size)."""

    max_line_chars: int = 16_384
    max_token_chars: int = 256
    max_header_bytes: int = 4 << 20
    max_file_bytes: int = 2 << 30


DEFAULT_LIMITS = LasLimits()


def check_file_size(size: int, path: Path, limits: LasLimits) -> None:
    if size > limits.max_file_bytes:
        raise LASError(f"file is {size / 1e6:.0f} MB, over the limit of {limits.max_file_bytes / 1e6:.0f} MB "
                       "(--max-file-mb)", path=path)


def _first_longer(text: bytes | str, n: int, what: str) -> int | None:
    """Offset of the first run of more than ``n`` characters of class ``what`` ("line" or "token")."""
    key = (n, what, isinstance(text, bytes))
    if key not in _LONG:
        pattern = (r"[^\n]{%d,}" if what == "line" else r"[^\s]{%d,}") % (n + 1)
        _LONG[key] = re.compile(pattern.encode() if key[2] else pattern)
    m = _LONG[key].search(text)
    return None if m is None else m.start()


def _line_at(text: bytes | str, offset: int) -> int:
    return text.count(b"\n" if isinstance(text, bytes) else "\n", 0, offset) + 1


def check_header(header: bytes | str, path: Path, limits: LasLimits) -> None:
    """Refuse a header over ``max_header_bytes`` or with a line over ``max_line_chars``."""
    if len(header) > limits.max_header_bytes:
        raise LASError(f"header is {len(header) / 1e6:.1f} MB, over the limit of "
                       f"{limits.max_header_bytes / 1e6:.1f} MB (--max-header-mb)", path=path)
    at = _first_longer(header, limits.max_line_chars, "line")
    if at is not None:
        raise LASError(f"line {_line_at(header, at)}: header line over the limit of {limits.max_line_chars} "
                       "characters (--max-line-chars)", path=path)


def check_tokens(block: bytes | str, first_line: int, path: Path, limits: LasLimits) -> None:
    """Refuse a data section holding a value longer than ``max_token_chars`` (line named)."""
    at = _first_longer(block, limits.max_token_chars, "token")
    if at is not None:
        raise LASError(f"line {first_line - 1 + _line_at(block, at)}: a value of more than "
                       f"{limits.max_token_chars} characters in the data section (--max-token-chars)", path=path)
