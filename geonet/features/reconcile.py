"""Curve units reconciled on ingest: every canonical curve with a unit family (``units.toml``) is
converted to its family's canonical unit; the original unit stays in the provenance.

A curve with no unit or a unit the table does not know gets a range check: the middle 90 % of its
values inside the canonical range → kept as canonical; inside exactly one other unit's range →
converted, with a note; otherwise kept unconverted with a warning.
"""

from __future__ import annotations

import numpy as np

from geonet.features.units import curve_family, factor_to_canonical, unit_table


def _middle(values: np.ndarray) -> tuple[float, float] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    lo, hi = np.percentile(finite, [5.0, 95.0])
    return float(lo), float(hi)


def guess_unit(values: np.ndarray, family: str) -> str | None:
    """The unit whose range holds the middle 90 % of ``values``: the canonical unit first; another
    unit only when exactly one fits; ``None`` when nothing or several fit."""
    table = unit_table()
    span = _middle(values)
    if span is None:
        return table.canonical[family]
    fits = [u for u, (lo, hi) in table.ranges.get(family, {}).items() if lo <= span[0] and span[1] <= hi]
    canonical = table.canonical[family]
    if canonical in fits:
        return canonical
    return fits[0] if len(fits) == 1 else None


def _convert(name: str, values: np.ndarray, unit: str, family: str) -> tuple[float, str, str | None]:
    """(factor to apply, unit written, note or None) for one curve."""
    canonical = unit_table().canonical[family]
    factor = factor_to_canonical(family, unit) if unit else None
    if factor is not None:
        if factor == 1.0:
            return 1.0, canonical, None
        return factor, canonical, f"{name} converted from {unit} to {canonical}"
    guess = guess_unit(values, family)
    what = f"unit {unit!r} is not a {family} unit geonet knows" if unit else "has no unit"
    if guess == canonical:
        return 1.0, canonical, None if not unit else f"{name} {what}: values fit {canonical}, kept"
    if guess is not None:
        factor = factor_to_canonical(family, guess)
        return factor, canonical, f"{name} {what}; its values look like {guess}: converted to {canonical}"
    return 1.0, unit, f"{name} {what} and its values fit no {family} unit: kept as they are (not converted)"


def to_canonical_units(df, units: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Convert ``df``'s canonical curves in place; returns ``(units written, notes)``.

    ``df``: a DataFrame or a dict of NumPy columns. ``units``: column → unit as found in the file.
    Columns without a family keep their unit.
    """
    out, notes = dict(units), []
    for col in list(df):
        family = curve_family(str(col))
        if family is None or df[col].dtype.kind != "f":
            continue
        values = np.asarray(df[col])
        factor, unit, note = _convert(str(col), values, units.get(col, "") or "", family)
        if factor != 1.0:
            df[col] = values * factor
        out[col] = unit
        if note:
            notes.append(note)
    return out, notes
