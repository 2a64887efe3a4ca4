"""Small synthetic LAS wells with a learnable lithology, written as LAS 2.0 text (no lasio needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: code → (GR gAPI, RHOB g/cm3, NPHI v/v, DTC us/ft)
LITHOLOGIES = {
    30000: (45.0, 2.25, 0.18, 85.0),   # sandstone
    65000: (110.0, 2.50, 0.36, 105.0),  # shale
    70000: (20.0, 2.66, 0.04, 55.0),   # limestone
}


def well_frame(seed: int, n: int = 240, top_m: float = 1500.0, step_m: float = 0.5):
    """Depth (m) and curves of one well made of beds 5–15 samples thick, plus label codes."""
    rng = np.random.default_rng(seed)
    codes = np.empty(n)
    i = 0
    keys = list(LITHOLOGIES)
    while i < n:
        thick = int(rng.integers(5, 16))
        codes[i : i + thick] = keys[int(rng.integers(0, len(keys)))]
        i += thick
    props = np.array([LITHOLOGIES[int(c)] for c in codes])
    noise = rng.normal(0.0, 1.0, props.shape) * np.array([6.0, 0.03, 0.02, 4.0])
    curves = props + noise
    depth = top_m + step_m * np.arange(n)
    rdep = 10 ** (1.0 - 0.8 * (codes == 65000) + rng.normal(0, 0.1, n))
    return depth, curves, rdep, codes


def write_las(path: Path, well: str, seed: int, *, n: int = 240, null_every: int = 37,
              drop_nphi: bool = False) -> Path:
    depth, curves, rdep, codes = well_frame(seed, n)
    names = ["DEPT", "GR", "RHOB", "NPHI", "DTC", "RDEP", "FORCE_2020_LITHOFACIES_LITHOLOGY"]
    units = ["m", "gAPI", "g/cm3", "m3/m3", "us/ft", "ohm.m", ""]
    data = np.column_stack([depth, curves, rdep, codes])
    if null_every:
        data[::null_every, 1] = -999.25  # GR gaps, as -999.25 nulls
    if drop_nphi:
        keep = [i for i, name in enumerate(names) if name != "NPHI"]
        names, units, data = [names[i] for i in keep], [units[i] for i in keep], data[:, keep]
    lines = [
        "~Version information",
        " VERS.   2.0 : CWLS LAS 2.0",
        " WRAP.   NO  : one line per depth step",
        "~Well information",
        f" STRT.m {depth[0]:.4f} : START DEPTH",
        f" STOP.m {depth[-1]:.4f} : STOP DEPTH",
        f" STEP.m {depth[1] - depth[0]:.4f} : STEP",
        " NULL.   -999.25 : NULL VALUE",
        f" WELL.   {well} : WELL",
        f" UWI .   {well} : UNIQUE WELL ID",
        "~Curve information",
        *[f" {name:<34}.{unit:<6} : {name}" for name, unit in zip(names, units)],
        "~ASCII",
        *[" ".join(f"{v:.4f}" for v in row) for row in data],
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path
