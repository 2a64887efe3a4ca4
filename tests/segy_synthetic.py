"""Small SEG-Y and checkshot fixtures written by the tests themselves (segyio writes the SEG-Y)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_segy(path: Path, data: np.ndarray, *, ilines, xlines, delay_ms: float = 0.0, dt_ms: float = 4.0,
               scalar: int = -100, x0: float = 600_000.0, y0: float = 6_080_000.0, step_m: float = 25.0,
               bytes_=(189, 193, 181, 185)) -> Path:
    """``data`` (n_il × n_xl × n_samples) as SEG-Y rev 1, IEEE float, inline/crossline/CDP X/Y in
    the trace-header bytes ``bytes_``; X = x0 + step·xl, Y = y0 + step·il (metres), stored × |scalar|
    when the scalar is negative. Returns ``path``."""
    import segyio

    data = np.asarray(data, dtype=np.float32)
    n_il, n_xl, n = data.shape
    spec = segyio.spec()
    spec.format, spec.samples, spec.tracecount = 5, np.arange(n) * dt_ms + delay_ms, n_il * n_xl
    il_b, xl_b, x_b, y_b = bytes_
    factor = abs(scalar) if scalar < 0 else (1.0 / scalar if scalar > 0 else 1.0)
    with segyio.create(str(path), spec) as f:
        f.bin.update({segyio.BinField.Interval: int(dt_ms * 1000), segyio.BinField.Samples: n,
                      segyio.BinField.Format: 5})
        t = 0
        for i, il in enumerate(ilines):
            for j, xl in enumerate(xlines):
                x, y = x0 + step_m * xl, y0 + step_m * il
                f.header[t] = {il_b: int(il), xl_b: int(xl), x_b: int(round(x * factor)), y_b: int(round(y * factor)),
                               71: scalar, 109: int(delay_ms), 115: n, 117: int(dt_ms * 1000)}
                f.trace[t] = data[i, j]
                t += 1
    return path
