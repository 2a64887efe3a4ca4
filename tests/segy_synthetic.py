"""Small SEG-Y and checkshot fixtures written by the tests themselves (segyio writes the SEG-Y)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_segy(path: Path, data: np.ndarray, *, ilines, xlines, delay_ms: float = 0.0, dt_ms: float = 4.0,
               scalar: int = -100, x0: float = 600_000.0, y0: float = 6_080_000.0, step_m: float = 25.0,
               bytes_=(189, 193, 181, 185), skip=()) -> Path:
    """``data`` (n_il × n_xl × n_samples) as SEG-Y rev 1, IEEE float, inline/crossline/CDP X/Y in
    the trace-header bytes ``bytes_``; X = x0 + step·xl, Y = y0 + step·il (metres), stored × |scalar|
    when the scalar is negative; (inline, crossline) pairs in ``skip`` have no trace. Returns ``path``."""
    import segyio

    data = np.asarray(data, dtype=np.float32)
    n_il, n_xl, n = data.shape
    spec = segyio.spec()
    spec.format, spec.samples, spec.tracecount = 5, np.arange(n) * dt_ms + delay_ms, n_il * n_xl - len(skip)
    il_b, xl_b, x_b, y_b = bytes_
    factor = abs(scalar) if scalar < 0 else (1.0 / scalar if scalar > 0 else 1.0)
    with segyio.create(str(path), spec) as f:
        f.bin.update({segyio.BinField.Interval: int(dt_ms * 1000), segyio.BinField.Samples: n,
                      segyio.BinField.Format: 5})
        t = 0
        for i, il in enumerate(ilines):
            for j, xl in enumerate(xlines):
                if (il, xl) in skip:
                    continue
                x, y = x0 + step_m * xl, y0 + step_m * il
                f.header[t] = {il_b: int(il), xl_b: int(xl), x_b: int(round(x * factor)), y_b: int(round(y * factor)),
                               71: scalar, 109: int(delay_ms), 115: n, 117: int(dt_ms * 1000)}
                f.trace[t] = data[i, j]
                t += 1
    return path


def write_tie_fixture(folder: Path, *, n_xl: int = 20, n: int = 100, dt_ms: float = 4.0, well_xl: int = 5,
                      seed: int = 0, n_il: int = 1) -> dict:
    """A survey of ``n_il`` inlines from 7 (amplitude and impedance SEG-Y), two wells in depth (LAS)
    with checkshots; W-ON stands on inline 7, and the impedance of each later inline is 0.5% higher.

    TWT (ms) = MD (m) in both wells (2000 m/s). The impedance is a layered model varying slowly with
    crossline; PHIE = 0.9 − AI / 1e7 exactly in the wells. W-ON stands at crossline ``well_xl``
    (LOC text), W-OFF 5 km away (XCOORD/YCOORD). Returns the paths and the model.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    twt = np.arange(n) * dt_ms
    layers = 4e6 + 1e6 * (np.floor(twt / 40) % 3) / 2 + 2e3 * twt  # (m/s)(kg/m3)
    ai = layers[None, None, :] * (1 + 0.01 * np.arange(n_xl)[None, :, None] / n_xl)
    ai = ai * (1 + 0.005 * np.arange(n_il))[:, None, None]
    amp = np.diff(np.log(ai), axis=-1, prepend=np.log(ai[..., :1])) * 1e4 + rng.normal(0, 1, ai.shape)
    xlines, ilines = np.arange(1, n_xl + 1), np.arange(7, 7 + n_il)
    write_segy(folder / "amp.sgy", amp, ilines=ilines, xlines=xlines, dt_ms=dt_ms)
    write_segy(folder / "ai.sgy", ai, ilines=ilines, xlines=xlines, dt_ms=dt_ms)
    x_on, y_on = 600_000.0 + 25.0 * well_xl + 3.0, 6_080_000.0 + 25.0 * 7
    las = folder / "las"
    las.mkdir(exist_ok=True)
    depth = np.arange(0.0, twt[-1] + dt_ms, 0.5)
    j = well_xl - 1
    well_ai = np.interp(depth, twt, ai[0, j])
    for name, pos in (("W-ON", f" LOC .  X = {x_on:.2f} Y = {y_on:.2f} : LOCATION"),
                      ("W-OFF", " XCOORD.m  605000.0 : X\n YCOORD.m  6085000.0 : Y")):
        data = np.column_stack([depth, well_ai, 0.9 - well_ai / 1e7])
        lines = ["~Version", " VERS. 2.0 :", " WRAP. NO :", "~Well",
                 f" STRT.m {depth[0]:.2f} :", f" STOP.m {depth[-1]:.2f} :", " STEP.m 0.5 :", " NULL. -999.25 :",
                 f" WELL. {name} : WELL", pos, "~Curve", " DEPT.m : depth", " AI.(m/s)*(kg/m3) : impedance",
                 " PHIE.v/v : porosity", "~A", *[" ".join(f"{v:.4f}" for v in row) for row in data]]
        (las / f"{name}.las").write_text("\n".join(lines) + "\n")
    td = folder / "checkshot"
    td.mkdir(exist_ok=True)
    for name in ("W-ON", "W-OFF"):
        (td / f"{name}_TD.txt").write_text("0 0\n200 0.2\n500 0.5\n")
    return dict(amp=folder / "amp.sgy", ai=folder / "ai.sgy", las=las, time_depth=td, ai_cube=ai, amp_cube=amp,
                twt=twt, well_xl=well_xl)
