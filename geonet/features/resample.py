"""Resample one well to a regular depth step (metres).

Continuous curves: linear interpolation; label/code columns: nearest sample. Neither fills across a
gap: a target depth gets a value only when the valid source samples around it are at most
``max(step_m, 1.5 × the well's median source spacing)`` apart (or it sits on a sample).
"""

from __future__ import annotations

import numpy as np

from geonet.errors import ConfigError, InputError
from geonet.features.labels import LABEL_COLUMNS

#: a resampled well may have at most this many rows more than ten times its own
MAX_EXTRA_ROWS = 2_000_000


def regular_depths(depth_m: np.ndarray, step_m: float) -> np.ndarray:
    """Multiples of ``step_m`` covering [min, max] of ``depth_m``."""
    lo, hi = np.nanmin(depth_m), np.nanmax(depth_m)
    start = np.ceil(lo / step_m - 1e-9) * step_m
    n = int(np.floor((hi - start) / step_m + 1e-9)) + 1
    return np.round(start + step_m * np.arange(max(n, 0)), 10)


def _resample_curve(x: np.ndarray, y: np.ndarray, xt: np.ndarray, max_gap: float, nearest: bool) -> np.ndarray:
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]
    out = np.full(xt.shape, np.nan)
    if x.size == 0:
        return out
    j = np.searchsorted(x, xt, side="right")  # x[j-1] <= xt < x[j]
    lo, hi = np.clip(j - 1, 0, x.size - 1), np.clip(j, 0, x.size - 1)
    on_sample = np.isclose(x[lo], xt, rtol=0, atol=1e-9)
    inside = (j > 0) & (j < x.size) & (x[hi] - x[lo] <= max_gap)
    if nearest:
        pick = np.where(np.abs(xt - x[lo]) <= np.abs(x[hi] - xt), lo, hi)
        values = y[pick]
    else:
        values = np.interp(xt, x, y)
    fill = inside | on_sample
    out[fill] = values[fill]
    return out


def resample_well(df, step_m: float):
    """Return a new frame of one well on regular depths; columns and order unchanged."""
    import pandas as pd

    if not (np.isfinite(step_m) and step_m > 0):
        raise ConfigError(f"--step-m must be a positive number of metres, got {step_m}")
    df = df.sort_values("DEPTH_M", kind="stable")
    x = df["DEPTH_M"].to_numpy(dtype=np.float64)
    if not np.isfinite(x).all():
        raise InputError(f"well {df['WELL'].iloc[0]}: depths must be finite to resample")
    n = (x.max() - x.min()) / step_m if x.size else 0.0
    if n > 10 * x.size + MAX_EXTRA_ROWS:
        raise InputError(f"well {df['WELL'].iloc[0]}: a step of {step_m:g} m over {x.min():g}–{x.max():g} m "
                         f"would make {n:.3g} rows (over 10 × the well's {x.size} rows + {MAX_EXTRA_ROWS:,})")
    xt = regular_depths(x, step_m)
    spacing = float(np.median(np.diff(x))) if x.size > 1 else step_m
    max_gap = max(step_m, 1.5 * spacing) * (1 + 1e-9)
    cols = {"WELL": np.full(xt.size, df["WELL"].iloc[0], dtype=object), "DEPTH_M": xt}
    for c in df.columns:
        if c in cols:
            continue
        if isinstance(df[c].dtype, pd.CategoricalDtype):  # text: nearest sample, through the codes
            codes = df[c].cat.codes.to_numpy().astype(np.float64)
            codes[codes < 0] = np.nan
            picked = _resample_curve(x, codes, xt, max_gap, nearest=True)
            cols[c] = pd.Categorical.from_codes(np.where(np.isnan(picked), -1, picked).astype(int), df[c].cat.categories)
            continue
        y = df[c].to_numpy(dtype=np.float64)
        cols[c] = _resample_curve(x, y, xt, max_gap, nearest=c in LABEL_COLUMNS)
    out = pd.DataFrame(cols)
    out["WELL"] = out["WELL"].astype(df["WELL"].dtype)
    out.attrs = dict(df.attrs)
    return out
