"""A seismic grid with its attributes: SEG-Y files on the same traces (amplitude, an impedance ...)
merged into one Dataset on INLINE × CROSSLINE × TWT, plus :func:`geonet.features.attributes.attributes`
of them — the same function the tie applies at the wells."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geonet.errors import GridError
from geonet.features.attributes import attributes


@dataclass(frozen=True)
class AttributeRecipe:
    """Which inputs give which attributes: trace attributes of ``amplitude``, ``<NAME>_SMOOTH`` of
    each of ``smoothed`` over ``smooth_ms``."""

    amplitude: str = "AMPLITUDE"
    smoothed: tuple[str, ...] = ("AI",)
    smooth_ms: float = 40.0

    def apply(self, values: dict[str, np.ndarray], dt_ms: float) -> dict[str, np.ndarray]:
        return attributes(values, dt_ms, amplitude=self.amplitude, smoothed=tuple(self.smoothed),
                          smooth_ms=self.smooth_ms)


def sample_interval_ms(ds) -> float:
    twt = np.asarray(ds["TWT"].values, dtype=np.float64)
    if len(twt) < 2:
        raise GridError("a seismic grid needs at least two samples per trace")
    return float(twt[1] - twt[0])


def seismic_grid(paths, names, layout, recipe: AttributeRecipe = AttributeRecipe()):
    """The merged grid of ``paths`` (one variable per name) with the recipe's attributes added
    (float32, same dims). Raises :class:`GridError` for files not on the same traces."""
    from geonet.io.segy import read_segy_set

    if layout.domain != "time":
        raise GridError("the well tie needs seismic in time (TWT); depth grids are read by `geonet ingest` only")
    ds = read_segy_set([Path(p) for p in paths], list(names), layout)
    dims = ("INLINE", "CROSSLINE", "TWT")
    values = {n: np.asarray(ds[n].transpose(*dims).values) for n in names}
    extra = recipe.apply(values, sample_interval_ms(ds))
    return ds.assign({k: (dims, v.astype(np.float32)) for k, v in extra.items()})
