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
    extra = block_attributes({n: ds[n].transpose(*dims).data for n in names}, sample_interval_ms(ds), recipe)
    return ds.assign({k: (dims, v) for k, v in extra.items()})


#: the attributes are computed on blocks of whole traces of about this many MiB of samples: their
#: float64 and complex intermediates take ≈ 13× the block, so memory stays bounded whatever the grid
ATTRIBUTE_BLOCK_MB = 8.0


def _block_shape(shape: tuple[int, int, int]) -> tuple[int, int]:
    """(inlines, crosslines) of a block of whole traces of about ATTRIBUTE_BLOCK_MB."""
    n_il, n_xl, n = shape
    traces = max(1, int(ATTRIBUTE_BLOCK_MB * 2**20 // (4 * max(1, n))))
    if traces >= n_xl:
        return max(1, min(n_il, traces // max(1, n_xl))), n_xl
    return 1, traces


def block_attributes(values: dict, dt: float, recipe: AttributeRecipe) -> dict:
    """The recipe's attributes (float32) of ``values`` (INLINE × CROSSLINE × TWT arrays, NumPy or
    dask), computed block by block of whole traces (every attribute runs along TWT alone): NumPy
    arrays for NumPy inputs, lazy dask arrays for a lazy grid (computed as the tie table, the grid
    NetCDF or a prediction reads them).  Equal to ``recipe.apply`` on the whole arrays."""
    names = list(values)
    keys = list(recipe.apply({n: np.zeros((1, 1, 2)) for n in names}, dt))  # which attributes, in order
    shape = next(iter(values.values())).shape
    il_step, xl_step = _block_shape(shape)
    if any(hasattr(v, "dask") for v in values.values()):
        import dask.array as da

        arrays = [da.asarray(v).rechunk((il_step, xl_step, -1)) for v in values.values()]

        def block(*parts):
            out = recipe.apply(dict(zip(names, parts)), dt)
            return np.stack([out[k].astype(np.float32) for k in keys])

        stacked = da.map_blocks(block, *arrays, new_axis=0, chunks=((len(keys),), *arrays[0].chunks),
                                dtype=np.float32)
        return {k: stacked[m] for m, k in enumerate(keys)}
    out = {k: np.empty(shape, np.float32) for k in keys}
    for a in range(0, shape[0], il_step):
        for b in range(0, shape[1], xl_step):
            part = recipe.apply({n: np.asarray(v[a:a + il_step, b:b + xl_step]) for n, v in values.items()}, dt)
            for k in keys:
                out[k][a:a + il_step, b:b + xl_step] = part[k]
    return out
