"""Write a copy of a LAS file with extra curves appended (e.g. predictions), atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geonet.errors import InputError
from geonet.io.las import _lasio_read, decode_las_bytes
from geonet.atomic import atomic_path


def write_las_with_curves(
    src_path,
    out_path,
    curves: dict[str, tuple[np.ndarray, str, str]],
    params: dict[str, tuple[object, str]] | None = None,
) -> Path:
    """Copy ``src_path`` (read with lasio) to ``out_path`` with ``curves`` appended.

    ``curves``: name → (values, one per original data row, unit, description). NaN values are
    written as the file's NULL value (-999.25 when the file has none). ``params``: name →
    (value, description) added to the ~Parameter section (e.g. a class-code lookup).
    The write is atomic.
    """
    src_path, out_path = Path(src_path), Path(out_path)
    try:
        raw = src_path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the source LAS ({exc.strerror})", path=src_path) from None
    text, _ = decode_las_bytes(raw, src_path)
    las = _lasio_read(text, src_path)
    n_rows = las.data.shape[0] if las.data.ndim == 2 else len(las.index)
    for name, (values, unit, descr) in curves.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.shape[0] != n_rows:
            raise InputError(f"curve {name!r} has {values.shape[0]} values but the LAS has {n_rows} rows", path=src_path)
        las.append_curve(str(name), values, unit=unit or "", descr=descr or "")
    if params:
        import lasio

        for name, (value, descr) in params.items():
            las.params[str(name)] = lasio.HeaderItem(str(name), unit="", value=value, descr=descr or "")
    null = las.well["NULL"].value if "NULL" in las.well else None
    if null in (None, ""):
        las.well["NULL"] = _null_item(-999.25)
    with atomic_path(out_path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            las.write(fh, version=2.0 if str(las.version["VERS"].value).startswith(("1", "2")) else None, wrap=False)
    return out_path


def _null_item(value: float):
    import lasio

    return lasio.HeaderItem("NULL", unit="", value=value, descr="NULL VALUE")
