"""Canonical curve names from a mnemonic alias table kept as data (``aliases.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geonet.errors import ConfigError

_DEFAULT = Path(__file__).with_name("aliases.toml")


@dataclass(frozen=True)
class AliasTable:
    """``order``: canonical names in column order; ``lookup``: MNEMONIC → (canonical, priority)."""

    order: tuple[str, ...]
    lookup: dict[str, tuple[str, int]]


def _read_toml(path: Path) -> dict[str, list[str]]:
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("alias file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML ({exc})", path=path) from None
    table = doc.get("aliases", doc)
    if not isinstance(table, dict) or not all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in table.values()):
        raise ConfigError("expected an [aliases] table of CANONICAL = [\"MNEMONIC\", ...]", path=path)
    return table


@lru_cache(maxsize=8)
def load_alias_table(path: str | Path | None = None) -> AliasTable:
    """The built-in table, extended/overridden by ``path`` (same layout as ``aliases.toml``).

    A user's list for a canonical name comes first (highest priority); a mnemonic the user lists
    is taken away from every other canonical name; new canonical names go after the built-in ones.
    """
    base = _read_toml(_DEFAULT)
    if path is not None:
        user = {k.upper(): [m.upper() for m in v] for k, v in _read_toml(Path(path)).items()}
        taken = {m for v in user.values() for m in v}
        merged = {k: [m for m in v if m.upper() not in taken] for k, v in base.items()}
        for k, v in user.items():
            merged[k] = v + [m for m in merged.get(k, []) if m.upper() not in v]
        base = merged
    lookup: dict[str, tuple[str, int]] = {}
    for canonical, mnemonics in base.items():
        for i, m in enumerate(mnemonics):
            lookup.setdefault(m.upper(), (canonical.upper(), i))
    for canonical, mnemonics in base.items():  # a canonical name always maps to itself
        lookup.setdefault(canonical.upper(), (canonical.upper(), len(mnemonics)))
    return AliasTable(tuple(k.upper() for k in base), lookup)


def canonical_name(mnemonic: str, table: AliasTable | None = None) -> str:
    """Canonical name of a mnemonic (case-insensitive); unknown mnemonics come back upper-cased."""
    table = table or load_alias_table()
    key = mnemonic.strip().upper()
    return table.lookup.get(key, (key, 0))[0]


def assign_names(mnemonics: list[str], table: AliasTable | None = None) -> tuple[list[str], list[str]]:
    """Column names for a file's curves, unique; returns ``(names, notes)``.

    Rule: within each canonical name the curve earliest in the alias list (ties: first in the file)
    gets it; every other curve keeps its own upper-cased mnemonic, or that plus ``_2``, ``_3`` ...
    when taken. Nothing is dropped; each rename is reported in ``notes``.
    """
    table = table or load_alias_table()
    keys = [m.strip().upper() for m in mnemonics]
    hits = [table.lookup.get(k, (k, 10**6)) for k in keys]
    winner: dict[str, int] = {}
    for i, (canon, prio) in enumerate(hits):
        if canon not in winner or prio < hits[winner[canon]][1]:
            winner[canon] = i
    names: list[str | None] = [None] * len(keys)
    used: set[str] = set()
    for canon, i in winner.items():
        names[i] = canon
        used.add(canon)
    notes = []
    for i, k in enumerate(keys):
        if names[i] is not None:
            continue
        name, n = k, 1
        while name in used:
            n += 1
            name = f"{k}_{n}"
        names[i] = name
        used.add(name)
        first = mnemonics[winner[hits[i][0]]]
        notes.append(f"curve {mnemonics[i]} kept as {name} ({first} already gives {hits[i][0]})")
    return [str(n) for n in names], notes
