"""Validation by well: whole wells go to validation, never random rows.

Neighbouring depth samples are nearly identical, so a random row split leaks the validation
set into training and inflates scores severalfold (FORCE 2020 data README).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geonet.errors import ConfigError


@dataclass(frozen=True)
class WellSplit:
    train_wells: list[str]
    val_wells: list[str]


def split_wells(
    wells: list[str],
    *,
    val_wells: list[str] | None = None,
    val_fraction: float | None = None,
    rng: np.random.Generator | None = None,
    source: str = "table",
) -> WellSplit:
    """Choose validation wells by name, or a fraction of whole wells drawn with ``rng``.

    With neither given, 20% of the wells (at least one) are held out when there are two or more
    wells; a single well trains without validation.
    """
    wells = sorted(dict.fromkeys(str(w) for w in wells))
    if val_wells:
        unknown = [w for w in val_wells if w not in wells]
        if unknown:
            raise ConfigError(f"{source}: validation wells {unknown} are not in the table; wells are {wells}")
        chosen = [w for w in wells if w in set(val_wells)]
    else:
        if val_fraction is None:
            val_fraction = 0.2 if len(wells) >= 2 else 0.0
        if not 0.0 <= val_fraction < 1.0:
            raise ConfigError(f"val_fraction must be in [0, 1), got {val_fraction}")
        n_val = 0 if val_fraction == 0 else max(1, math.floor(val_fraction * len(wells) + 0.5))
        rng = rng if rng is not None else np.random.default_rng(0)
        chosen = sorted(rng.permutation(wells)[:n_val].tolist()) if n_val else []
    train = [w for w in wells if w not in set(chosen)]
    if not train:
        raise ConfigError(f"{source}: no wells left for training after holding out {chosen}")
    return WellSplit(train_wells=train, val_wells=chosen)
