"""Two questions every layer asks about a file name: what is its content's SHA-256, and is it a URI?

Standard library only (like :mod:`geonet.errors` and :mod:`geonet.atomic`), so every layer may
import it. Use these rather than writing another hashing loop or another ``"://" in s`` test.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

#: bytes read per block while hashing
BLOCK = 1 << 20
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of the file's bytes, read in 1 MiB blocks (memory stays flat for any size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes already in memory (e.g. a file just read whole)."""
    return hashlib.sha256(data).hexdigest()


def is_uri(value: str) -> bool:
    """``runs:/…``, ``models:/…``, ``sqlite:///…``, ``file:///…``, ``s3://…``, ``http://…`` are URIs.

    A scheme is two or more characters (RFC 3986: letter, then letters, digits, ``+ . -``) then
    ``:``; so a Windows drive (``C:\\data``) and plain paths are not URIs.
    """
    return bool(_SCHEME.match(value)) and not _DRIVE.match(value)

