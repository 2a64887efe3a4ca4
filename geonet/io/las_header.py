"""A small reader for plain LAS 2.0 headers, so the common file never needs lasio at all.

It reads only what geonet uses — VERS, WRAP, DLM, NULL, STRT's unit, WELL, UWI, a declared decimal
mark, and the ~Curve lines — and gives up (returns ``None``, and lasio reads the header) on anything
it is not sure of: LAS 3.0, a needed line that is not ``MNEM.UNIT VALUE : DESCRIPTION`` with exactly
one colon, a section it does not know, an empty NULL. Its results are checked against lasio's in
the tests and the ingest benchmark.
"""

from __future__ import annotations

import re

_ITEM = re.compile(r"^\s*(?P<mnem>[^.:\s][^.:]*?)\s*\.(?P<unit>[^\s:]*)(?:\s+(?P<value>[^:]*?))?\s*:(?P<descr>[^:]*)$")
_NEEDED_WELL = {"NULL", "STRT", "WELL", "UWI"}
_DECIMAL_KEYS = {"DECI", "DECIMAL", "DECIMAL_MARK", "DECIMAL_SEPARATOR"}
_SECTIONS = {"V": "version", "W": "well", "C": "curves", "P": "params", "O": "other"}


def _unit(u: str) -> str:
    u = (u or "").strip()
    return "" if u in {"_", "-", "."} else u


def _sections(text: str) -> dict[str, list[str]] | None:
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("~"):
            current = _SECTIONS.get(s[1:2].upper())
            if current is None or current in out:
                return None
            out[current] = []
        elif current is None:
            return None
        else:
            out[current].append(line)
    return out


def quick_header(text: str) -> dict | None:
    """The header fields :func:`geonet.io.las.read_las` needs, or ``None`` to let lasio read it."""
    sections = _sections(text)
    if sections is None or "version" not in sections or "curves" not in sections:
        return None
    items: dict[str, dict[str, tuple[str, str, str]]] = {}
    for name in ("version", "well", "params"):
        items[name] = {}
        for line in sections.get(name, []):
            m = _ITEM.match(line)
            key = m.group("mnem").strip().upper() if m else None
            needed = name == "version" or key in _NEEDED_WELL or key in _DECIMAL_KEYS
            if m is None:
                if needed or line.count(":") <= 1:
                    return None  # a line it cannot read: lasio decides
                continue
            items[name][key] = (_unit(m.group("unit")), (m.group("value") or "").strip(), m.group("descr").strip())
    version = items["version"].get("VERS", ("", "", ""))[1]
    if not version.startswith("2"):  # LAS 1.2 puts ~Well values after the colon; 3.0 has more: lasio
        return None
    curves = []
    for line in sections["curves"]:
        m = _ITEM.match(line)
        if m is None:
            return None
        curves.append((m.group("mnem").strip().upper(), _unit(m.group("unit")), m.group("descr").strip()))
    return _fields(items, version, curves)


def _fields(items: dict, version: str, curves: list) -> dict | None:
    well = {k: v[1] for k, v in items["well"].items()}
    null = None
    if "NULL" in well:
        try:
            null = float(well["NULL"])
        except ValueError:
            return None
    decimal = any(k in _DECIMAL_KEYS and v[1].upper() in {",", "COMMA"} for s in items.values() for k, v in s.items())
    dlm = items["version"].get("DLM", ("", "", ""))[1].upper()
    return dict(version=version, wrap=items["version"].get("WRAP", ("", "", ""))[1].upper() in {"YES", "Y", "TRUE"},
                well=well, null_value=null, strt_unit=items["well"].get("STRT", ("", "", ""))[0], curves=curves,
                delimiter={"COMMA": ",", "TAB": "\t"}.get(dlm), comma_decimal=decimal)
