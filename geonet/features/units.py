"""Units from the table in ``units.toml``: depth → metres, curve units → each family's canonical unit.

Chosen over pint: importing pint and building its default registry took 0.57–0.66 s here (more than
the whole parse of a well), and it needs a custom registry for well-log units (gAPI, b/e, p.u.)
anyway; a table of factors is data, loads in < 1 ms, and is what geonet needs (pure scale factors).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geonet.errors import LASError


@dataclass(frozen=True)
class UnitTable:
    depth_to_m: dict[str, float]
    time_units: frozenset[str]
    canonical: dict[str, str]  # family → canonical unit
    factors: dict[str, dict[str, float]]  # family → normalised unit → factor to canonical
    curves: dict[str, str]  # canonical curve name → family
    ranges: dict[str, dict[str, tuple[float, float]]]  # family → unit → (low, high)


def normalise_unit(unit: str | None) -> str:
    """Lower case, no spaces; "³" → "3", "µ"/"μ" → "u", "^" and "**" dropped."""
    u = (unit or "").strip().lower().replace(" ", "").replace("³", "3").replace("µ", "u").replace("μ", "u")
    return u.replace("**", "").replace("^", "")


@lru_cache(maxsize=1)
def unit_table() -> UnitTable:
    with open(Path(__file__).with_name("units.toml"), "rb") as fh:
        doc = tomllib.load(fh)
    fams = doc["families"]
    return UnitTable(
        depth_to_m={normalise_unit(k): float(v) for k, v in doc["depth_to_m"].items()},
        time_units=frozenset(normalise_unit(u) for u in doc["time_index_units"]),
        canonical={f: spec["canonical"] for f, spec in fams.items()},
        factors={f: {normalise_unit(u): float(x) for u, x in spec["units"].items()} for f, spec in fams.items()},
        curves={k.upper(): v for k, v in doc["curves"].items()},
        ranges={f: {u: (float(lo), float(hi)) for u, (lo, hi) in r.items()} for f, r in doc["ranges"].items()},
    )


def depth_units() -> dict[str, float]:
    return unit_table().depth_to_m


def depth_factor(unit: str | None) -> float | None:
    """Metres per ``unit`` (case-insensitive; ``None`` when the unit is not a known length)."""
    return unit_table().depth_to_m.get(normalise_unit(unit))


def is_time_unit(unit: str | None) -> bool:
    return normalise_unit(unit) in unit_table().time_units


def depth_to_m_factor(curve_unit: str, strt_unit: str, path) -> tuple[float, str]:
    """Factor and unit used for a LAS depth curve: its own unit, else the STRT unit, else metres.

    A time unit (S, ms ...) is refused as a time-indexed log; any other unknown unit is refused.
    """
    for unit in (curve_unit, strt_unit):
        if unit:
            if is_time_unit(unit):
                raise LASError(f"time-indexed log (index unit {unit!r}): geonet ingests depth-indexed logs only", path=path)
            f = depth_factor(unit)
            if f is None:
                raise LASError(f"depth unit {unit!r} is not a length unit geonet knows (m, ft, cm, mm, in ...)", path=path)
            return f, unit
    return 1.0, ""


def curve_family(name: str) -> str | None:
    """The unit family of a canonical curve name (``None``: not converted)."""
    return unit_table().curves.get(name.upper())


def canonical_unit(name: str) -> str:
    """The unit geonet writes canonical curve ``name`` in (``"g/cm3"`` for RHOB); ``""`` if none."""
    family = curve_family(name)
    return unit_table().canonical.get(family, "") if family else ""


def factor_to_canonical(family: str, unit: str | None) -> float | None:
    """Factor taking ``unit`` to the family's canonical unit (``None`` when the unit is unknown)."""
    return unit_table().factors[family].get(normalise_unit(unit))
