"""Log tables (CSV/Parquet) → one frame per file: the well and depth columns found by normalised
names (``aliases.toml`` [table_columns]) or given, the depth unit read from the column name, the
header metadata or given, text columns kept as categories. Row order means nothing in a table:
the depth repairs (:mod:`geonet.features.depth`) run per well."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from geonet.errors import InputError
from geonet.features.units import depth_factor

_UNIT_IN_BRACKETS = re.compile(r"^(.*?)[\s_.]*[(\[]\s*([^)\]]+?)\s*[)\]]\s*$")
_UNIT_SUFFIX = re.compile(r"^(.*?)[\s_.]+([A-Za-z]+)$")


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[str, ...]]:
    with open(Path(__file__).with_name("aliases.toml"), "rb") as fh:
        cols = tomllib.load(fh)["table_columns"]
    return {"well": tuple(cols["well"]), "depth": tuple(cols["depth"])}


def normalise_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def split_unit(name: str) -> tuple[str, str]:
    """``"MD (ft)"`` → ``("MD", "ft")``; ``"DEPTH_FT"`` → ``("DEPTH", "FT")``; no unit → ``(name, "")``."""
    m = _UNIT_IN_BRACKETS.match(str(name))
    if m:
        return m.group(1), m.group(2)
    m = _UNIT_SUFFIX.match(str(name))
    if m and depth_factor(m.group(2)) is not None:
        return m.group(1), m.group(2)
    return str(name), ""


def find_well_column(columns, path, given: str | None = None):
    if given is not None:
        return _given(columns, given, "--well-col", path)
    wanted = _names()["well"]
    hits = {normalise_name(c): c for c in reversed(list(columns))}
    for key in wanted:
        if key in hits:
            return hits[key]
    raise InputError(f"table has no well column (looked for names like WELL, Well Name, UWI; columns are "
                     f"{[str(c) for c in columns][:12]}): name it with --well-col", path=path)


def find_depth_column(columns, path, given: str | None = None) -> tuple[object, str]:
    """(column, unit found in its name or "")."""
    if given is not None:
        col = _given(columns, given, "--depth-col", path)
        return col, split_unit(str(col))[1]
    wanted = _names()["depth"]
    for key in wanted:
        for c in columns:
            base, unit = split_unit(str(c))
            if normalise_name(base) == key or normalise_name(c) == key:
                unit = unit or ("m" if key == "depthm" else "ft" if key == "depthft" else "")
                return c, unit
    raise InputError(f"table has no depth column (looked for names like DEPTH, DEPT, MD, Depth [m]; columns are "
                     f"{[str(c) for c in columns][:12]}): name it with --depth-col", path=path)


def _given(columns, name: str, option: str, path):
    for c in columns:
        if str(c) == name:
            return c
    for c in columns:
        if normalise_name(c) == normalise_name(name):
            return c
    raise InputError(f"{option} {name!r} is not a column of the table (columns are {[str(c) for c in columns][:12]})", path=path)
