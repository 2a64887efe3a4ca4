"""Curve families (logs, drilling, position, qc, label) from a table kept as data (``families.toml``).

A family says what a column measures; only logs are default model inputs
(:func:`geonet.features.inputs.select_inputs`). Unknown names count as logs.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geonet.errors import ConfigError

_DEFAULT = Path(__file__).with_name("families.toml")
FAMILIES = ("logs", "drilling", "position", "qc", "label")
#: family of a name found in no list and matching no pattern
UNKNOWN_FAMILY = "logs"


@dataclass(frozen=True)
class FamilyTable:
    """``names``: CURVE (upper case) → family; ``patterns``: (glob, family) tried in order."""

    names: dict[str, str]
    patterns: tuple[tuple[str, str], ...]

    def family(self, curve: str) -> str:
        """The family of ``curve``: its list, else the first matching pattern, else ``logs``."""
        key = str(curve).strip().upper()
        if key in self.names:
            return self.names[key]
        for pattern, family in self.patterns:
            if fnmatch.fnmatchcase(key, pattern):
                return family
        return UNKNOWN_FAMILY


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("curve-family file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML ({exc})", path=path) from None
    for section in ("families", "patterns"):
        table = doc.get(section, {})
        if not isinstance(table, dict) or not all(
                isinstance(v, list) and all(isinstance(m, str) for m in v) for v in table.values()):
            raise ConfigError(f"expected a [{section}] table of FAMILY = [\"NAME\", ...]", path=path)
        unknown = sorted(set(table) - set(FAMILIES))
        if unknown:
            raise ConfigError(f"unknown curve famil(ies) {unknown} in [{section}]; known: {list(FAMILIES)}",
                              path=path)
    return doc


@lru_cache(maxsize=8)
def load_family_table(path: str | Path | None = None) -> FamilyTable:
    """The built-in table; a user's file (same layout) moves the names it lists to its families
    and puts its patterns before the built-in ones."""
    docs = [_read(_DEFAULT)] + ([_read(Path(path))] if path is not None else [])
    names: dict[str, str] = {}
    patterns: list[tuple[str, str]] = []
    for doc in docs:
        for family, members in doc.get("families", {}).items():
            names.update({m.strip().upper(): family for m in members})
        patterns[:0] = [(p.upper(), fam) for fam, ps in doc.get("patterns", {}).items() for p in ps]
    return FamilyTable(names=names, patterns=tuple(patterns))
