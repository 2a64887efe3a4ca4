"""Depth units → metres, from the table in ``units.toml``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from geonet.errors import LASError


@lru_cache(maxsize=1)
def depth_units() -> dict[str, float]:
    with open(Path(__file__).with_name("units.toml"), "rb") as fh:
        return {k.lower(): float(v) for k, v in tomllib.load(fh)["depth_to_m"].items()}


def depth_factor(unit: str | None) -> float | None:
    """Metres per ``unit`` (case-insensitive; ``None`` when the unit is not a known length)."""
    key = (unit or "").strip().lower().replace(" ", "")
    return depth_units().get(key)


def depth_to_m_factor(curve_unit: str, strt_unit: str, path) -> tuple[float, str]:
    """Factor and unit used for a LAS depth curve: its own unit, else the STRT unit, else metres."""
    for unit in (curve_unit, strt_unit):
        if unit:
            f = depth_factor(unit)
            if f is None:
                known = ", ".join(sorted(depth_units()))
                raise LASError(f"depth unit {unit!r} is not a length unit geonet knows ({known})", path=path)
            return f, unit
    return 1.0, ""
