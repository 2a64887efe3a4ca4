"""Seismic attributes along the time axis (the last axis), the same functions for a whole grid and
for one trace or one well's log in time — so values at the wells and on the grid are computed alike.

- :func:`analytic_signal`: x + i·H[x] by the FFT (Hilbert transform; NaN samples count as 0 and
  stay NaN in every output).
- :func:`trace_attributes`: ENVELOPE |x + iH[x]|, INST_PHASE (degrees, −180…180) and INST_FREQ
  (Hz, from the time derivative of the unwrapped phase).
- :func:`smooth`: a NaN-aware running mean over ``window_ms`` (a smoothed impedance, ``AI_SMOOTH``).
"""

from __future__ import annotations

import numpy as np

#: the attributes of an amplitude trace, in the order :func:`trace_attributes` returns them
TRACE_ATTRIBUTES = ("ENVELOPE", "INST_PHASE", "INST_FREQ")


def analytic_signal(x: np.ndarray) -> np.ndarray:
    """x + i·H[x] along the last axis (shape of ``x``, complex128). NaNs are treated as 0."""
    x = np.nan_to_num(np.asarray(x, dtype=np.float64))
    n = x.shape[-1]
    spectrum = np.fft.fft(x, axis=-1)
    h = np.zeros(n)  # keep DC (and Nyquist), double positive frequencies, drop negative ones
    h[0] = 1.0
    if n % 2 == 0:
        h[n // 2] = 1.0
        h[1: n // 2] = 2.0
    else:
        h[1: (n + 1) // 2] = 2.0
    return np.fft.ifft(spectrum * h, axis=-1)


def trace_attributes(amplitude: np.ndarray, dt_ms: float) -> dict[str, np.ndarray]:
    """ENVELOPE, INST_PHASE (degrees), INST_FREQ (Hz) of traces (…, n_samples) sampled every ``dt_ms``."""
    amplitude = np.asarray(amplitude, dtype=np.float64)
    z = analytic_signal(amplitude)
    envelope = np.abs(z)
    phase = np.angle(z)
    freq = np.gradient(np.unwrap(phase, axis=-1), dt_ms / 1000.0, axis=-1) / (2 * np.pi)
    undefined = np.isnan(amplitude)
    out = {"ENVELOPE": envelope, "INST_PHASE": np.degrees(phase), "INST_FREQ": freq}
    return {k: np.where(undefined, np.nan, v) for k, v in out.items()}


def smooth(values: np.ndarray, dt_ms: float, window_ms: float) -> np.ndarray:
    """Running mean over ``window_ms`` (an odd number of samples, at least 1) along the last axis,
    ignoring NaNs; NaN where the input is NaN."""
    values = np.asarray(values, dtype=np.float64)
    half = max(0, int(round(window_ms / dt_ms / 2)))
    valid = np.isfinite(values)
    filled = np.where(valid, values, 0.0)
    pad = [(0, 0)] * (values.ndim - 1) + [(half + 1, half)]
    csum = np.cumsum(np.pad(filled, pad), axis=-1)  # csum[k] = sum of samples < k − half
    ccount = np.cumsum(np.pad(valid.astype(np.float64), pad), axis=-1)
    width = 2 * half + 1
    total = csum[..., width:] - csum[..., :-width]
    count = ccount[..., width:] - ccount[..., :-width]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return np.where(valid, mean, np.nan)


def attributes(values: dict[str, np.ndarray], dt_ms: float, *, amplitude: str = "AMPLITUDE",
               smoothed: tuple[str, ...] = ("AI",), smooth_ms: float = 40.0) -> dict[str, np.ndarray]:
    """Every attribute the named inputs allow: the trace attributes of ``values[amplitude]`` and
    ``<NAME>_SMOOTH`` for each name in ``smoothed``; inputs absent from ``values`` are skipped.
    Arrays (…, n_samples) on the same time axis, sampled every ``dt_ms``."""
    out: dict[str, np.ndarray] = {}
    if amplitude in values:
        out.update(trace_attributes(values[amplitude], dt_ms))
    for name in smoothed:
        if name in values:
            out[f"{name}_SMOOTH"] = smooth(values[name], dt_ms, smooth_ms)
    return out
