"""Well positions from LAS ~Well sections: the header only is read (up to the ~A line, at most 4 MB).

``LOC`` given as text ("X = 606554.0 Y = 6080126.0"), or X/Y mnemonics (XCOORD/YCOORD, X/Y,
XWELL/YWELL, X_LOC/Y_LOC, EASTING/NORTHING). The well's name as ``geonet ingest`` gives it: UWI,
then WELL, then the file name.
"""

from __future__ import annotations

import re
from pathlib import Path

from geonet.errors import InputError

MAX_HEADER_BYTES = 4 << 20
X_MNEMONICS = ("XCOORD", "X", "XWELL", "X_LOC", "EASTING", "XPOS")
Y_MNEMONICS = ("YCOORD", "Y", "YWELL", "Y_LOC", "NORTHING", "YPOS")
_NUMBER = r"([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
_LOC_X = re.compile(r"\bX\s*[=:]\s*" + _NUMBER, re.I)
_LOC_Y = re.compile(r"\bY\s*[=:]\s*" + _NUMBER, re.I)


def _well_items(path: Path) -> dict[str, str]:
    """Mnemonic (upper case) → value text of the ~Well section."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(MAX_HEADER_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=path) from None
    items, section = {}, ""
    for line in head.decode("utf-8", errors="replace").splitlines():
        s = line.strip()
        if s.startswith("~"):
            section = s[1:2].upper()
            if section == "A":
                break
            continue
        if section != "W" or not s or s.startswith("#") or "." not in s:
            continue
        mnem, rest = s.split(".", 1)
        value = rest.rsplit(":", 1)[0]
        value = value.split(None, 1)[1] if not rest.startswith(" ") and len(value.split(None, 1)) > 1 else value
        items[mnem.strip().upper()] = value.strip()
    return items


def las_position(path: str | Path) -> tuple[str, float, float] | None:
    """(well name, X, Y) from a LAS header, or ``None`` when it states no position."""
    path = Path(path)
    items = _well_items(path)
    name = items.get("UWI") or items.get("WELL") or path.stem
    x = next((items[m] for m in X_MNEMONICS if _is_number(items.get(m))), None)
    y = next((items[m] for m in Y_MNEMONICS if _is_number(items.get(m))), None)
    if x is None or y is None:
        loc = items.get("LOC", "")
        mx, my = _LOC_X.search(loc), _LOC_Y.search(loc)
        if not (mx and my):
            return None
        x, y = mx.group(1), my.group(1)
    return name, float(x), float(y)


def _is_number(text: str | None) -> bool:
    return text is not None and re.fullmatch(_NUMBER, text.strip()) is not None
