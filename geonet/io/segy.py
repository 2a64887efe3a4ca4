"""SEG-Y lines and cubes ↔ gridded datasets (xarray), through segyio (the only module importing it).

A SEG-Y file becomes a Dataset on dims ``(INLINE, CROSSLINE, TWT)`` (or ``DEPTH`` for depth data):
inline and crossline numbers from trace-header bytes (``SegyLayout``, default 189/193, SEG-Y rev 1),
CDP X/Y (bytes 181/185) scaled by the coordinate scalar of byte 71 (negative: divide) as the 2-D
coordinates ``X``/``Y``; sample times from the delay (byte 109, ms) and the sample interval (binary
header 3217, else trace byte 117, µs). A 2-D line has one inline (or whatever its byte holds); a
3-D cube any number; positions without a trace are NaN. Undefined samples (non-finite, OpendTect's
1e30, or any value in ``nulls``) become NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geonet.errors import GridError

SEGY_SUFFIXES = {".sgy", ".segy"}
#: |value| at or above this is undefined (OpendTect writes 1e30 outside an inverted interval)
UNDEFINED_ABS = 1e30 * (1 - 1e-6)
#: values written for NaN in SEG-Y output (read back as NaN)
NAN_FILL = np.float32(1e30)


@dataclass(frozen=True)
class SegyLayout:
    """Trace-header byte locations (1-based, as the SEG-Y standard counts) and what the samples are."""

    inline_byte: int = 189
    crossline_byte: int = 193
    x_byte: int = 181
    y_byte: int = 185
    domain: str = "time"  # "time" (TWT, ms) or "depth" (m)
    name: str = "AMPLITUDE"  # the data variable's name
    nulls: tuple[float, ...] = ()


def is_segy_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SEGY_SUFFIXES


def sample_axis(path: str | Path) -> np.ndarray:
    """The sample times (ms) or depths of a SEG-Y file: delay (byte 109) + i × interval."""
    import segyio

    with _open(path) as f:
        return _samples(f, path)


def _open(path):
    import segyio

    path = Path(path)
    if not path.exists():
        raise GridError("file not found", path=path)
    try:
        return segyio.open(str(path), "r", ignore_geometry=True)
    except Exception as exc:  # segyio raises RuntimeError, OSError, ValueError ...
        raise GridError(f"not a readable SEG-Y file ({type(exc).__name__}: {str(exc)[:200]})", path=path) from exc


def _samples(f, path) -> np.ndarray:
    import segyio

    dt_us = int(f.bin[segyio.BinField.Interval]) or int(f.header[0][segyio.TraceField.TRACE_SAMPLE_INTERVAL])
    if dt_us <= 0:
        raise GridError("no sample interval in the binary (3217) or trace header (117)", path=path)
    delay = float(f.header[0][segyio.TraceField.DelayRecordingTime])
    n = len(f.samples)
    return delay + np.arange(n, dtype=np.float64) * dt_us / 1000.0


def _scaled(raw: np.ndarray, scalar: np.ndarray) -> np.ndarray:
    """Apply the SEG-Y coordinate scalar: >0 multiplies, <0 divides by its magnitude, 0 is 1."""
    s = scalar.astype(np.float64)
    factor = np.where(s > 0, s, np.where(s < 0, -1.0 / np.where(s == 0, 1, s), 1.0))
    return raw.astype(np.float64) * factor


#: a SEG-Y file's samples up to this size (MiB) are read at once; a larger file is read lazily, in
#: blocks of whole inlines of about BLOCK_MB each
EAGER_MB = 256.0
BLOCK_MB = 64.0


def read_segy(path: str | Path, layout: SegyLayout = SegyLayout(), *, max_eager_mb: float | None = None):
    """Read a SEG-Y file into an ``xarray.Dataset`` (``layout.name`` on INLINE × CROSSLINE × TWT|DEPTH).

    The headers are read at once; the samples too when they take at most ``max_eager_mb`` (default
    EAGER_MB), else
    lazily (a dask array in blocks of whole inlines of about 64 MB, each read from the file when a
    block of the grid path asks for it), so a cube larger than memory streams like a NetCDF.
    Raises :class:`GridError` naming the file for unreadable files or headers that place two traces
    at one (inline, crossline).
    """
    import xarray as xr

    path = Path(path)
    with _open(path) as f:
        samples = _samples(f, path)
        try:
            il = np.asarray(f.attributes(layout.inline_byte)[:], dtype=np.int64)
            xl = np.asarray(f.attributes(layout.crossline_byte)[:], dtype=np.int64)
            scalar = np.asarray(f.attributes(71)[:], dtype=np.int64)
            x = _scaled(np.asarray(f.attributes(layout.x_byte)[:]), scalar)
            y = _scaled(np.asarray(f.attributes(layout.y_byte)[:]), scalar)
        except (KeyError, IndexError, ValueError) as exc:
            raise GridError(f"bad trace-header byte location ({exc})", path=path) from None
    ilines, i = np.unique(il, return_inverse=True)
    xlines, j = np.unique(xl, return_inverse=True)
    if len(np.unique(i * len(xlines) + j)) < len(il):
        raise GridError(f"several traces share an (inline, crossline) pair: are bytes {layout.inline_byte}/"
                        f"{layout.crossline_byte} the inline/crossline numbers?", path=path)
    trace_of = np.full((len(ilines), len(xlines)), -1, dtype=np.int64)
    trace_of[i, j] = np.arange(len(il))
    reader = _TraceGrid(path, trace_of, len(samples), layout.nulls)
    if math.prod(reader.shape) * 4 <= (EAGER_MB if max_eager_mb is None else max_eager_mb) * 2**20:
        data = reader[:, :, :]
    else:
        import dask.array as da

        per_inline = max(1, int(BLOCK_MB * 2**20 // max(1, len(xlines) * len(samples) * 4)))
        data = da.from_array(reader, chunks=(per_inline, -1, -1), asarray=True, lock=False, fancy=False)
    grid_x = np.full((len(ilines), len(xlines)), np.nan)
    grid_y = np.full_like(grid_x, np.nan)
    grid_x[i, j], grid_y[i, j] = x, y
    vdim, vunit = ("TWT", "ms") if layout.domain == "time" else ("DEPTH", "m")
    ds = xr.Dataset(
        {layout.name: (("INLINE", "CROSSLINE", vdim), data)},
        coords={"INLINE": ilines, "CROSSLINE": xlines, vdim: samples,
                "X": (("INLINE", "CROSSLINE"), grid_x), "Y": (("INLINE", "CROSSLINE"), grid_y)},
    )
    ds[vdim].attrs["units"] = vunit
    ds.attrs["segy_source"] = str(path)
    return ds


def read_segy_set(paths, names, layout: SegyLayout = SegyLayout()):
    """Several SEG-Y files on the same traces (amplitude, an impedance ...) as one Dataset, one
    variable per name, on the union of their sample axes (which must share the interval)."""
    import dataclasses

    import xarray as xr

    if len(paths) != len(names) or not paths:
        raise GridError(f"{len(paths)} SEG-Y file(s) for {len(names)} name(s): give one name per file")
    sets = [read_segy(p, dataclasses.replace(layout, name=n)) for p, n in zip(paths, names)]
    vdim = "TWT" if layout.domain == "time" else "DEPTH"
    steps = {round(float(np.diff(d[vdim].values[:2])[0]), 6) for d in sets if d.sizes[vdim] > 1}
    if len(steps) > 1:
        raise GridError(f"the files have different sample intervals {sorted(steps)}", path=paths[0])
    base = sets[0]
    for p, d in zip(paths[1:], sets[1:]):
        if not (np.array_equal(d["INLINE"], base["INLINE"]) and np.array_equal(d["CROSSLINE"], base["CROSSLINE"])):
            raise GridError(f"not on the same traces as {Path(paths[0]).name}", path=p)
    merged = xr.merge([d.drop_vars(["X", "Y"]) for d in sets], join="outer", combine_attrs="drop")
    merged = merged.assign_coords(X=base["X"], Y=base["Y"])
    merged[vdim].attrs["units"] = base[vdim].attrs.get("units", "")
    merged.attrs["segy_sources"] = [str(p) for p in paths]
    return merged


def write_netcdf(ds, out: str | Path) -> Path:
    """Write a Dataset as NetCDF (h5netcdf), atomically."""
    from geonet.atomic import atomic_path

    out = Path(out)
    with atomic_path(out) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
    return out


class _TraceGrid:
    """The samples of a SEG-Y file as an array-like on (inline index, crossline index, sample):
    ``[a:b, :, :]`` opens the file and reads the traces of inlines a…b (absent traces are NaN)."""

    def __init__(self, path: Path, trace_of: np.ndarray, n_samples: int, nulls: tuple[float, ...]):
        self.path, self.trace_of, self.nulls = path, trace_of, nulls
        self.shape = (*trace_of.shape, n_samples)
        self.dtype, self.ndim = np.dtype(np.float32), 3

    def __getitem__(self, key) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        key = key + (slice(None),) * (3 - len(key))
        index = self.trace_of[key[0], key[1]]
        out = np.full((*index.shape, self.shape[2]), np.nan, dtype=np.float32)
        wanted = index[index >= 0]
        if wanted.size:
            with _open(self.path) as f:
                raw = np.stack([f.trace.raw[int(t)] for t in wanted]) if wanted.size < f.tracecount \
                    else np.asarray(f.trace.raw[:])[wanted]
            out[index >= 0] = undefined_to_nan(raw, self.nulls)
        return out[..., key[2]]


def undefined_to_nan(values: np.ndarray, nulls: tuple[float, ...] = ()) -> np.ndarray:
    """Non-finite values, |value| ≥ 1e30 and the ``nulls`` given become NaN (a float32 copy)."""
    out = np.array(values, dtype=np.float32)
    bad = ~np.isfinite(out) | (np.abs(out) >= UNDEFINED_ABS)
    for v in nulls:
        bad |= out == np.float32(v)
    out[bad] = np.nan
    return out


#: lines of our own a written SEG-Y's textual header may carry (C36–C39; C40 is left as it is)
TEXT_LINES = 4


def with_text_lines(header: bytes, lines: tuple[str, ...]) -> bytes:
    """The 40 × 80-character textual header ``header`` with ``lines`` (at most TEXT_LINES, each cut to
    76 characters, non-ASCII as ?) as its lines C36–C39, each in the usual ``Cnn `` form."""
    if len(lines) > TEXT_LINES:
        raise ValueError(f"at most {TEXT_LINES} lines of text, got {len(lines)}")
    out = bytearray(bytes(header)[:3200].ljust(3200))
    for k, line in enumerate(lines):
        row = 40 - TEXT_LINES - 1 + k  # 0-based: C36 … C39
        out[80 * row:80 * (row + 1)] = f"C{row + 1:2d} {line}"[:80].ljust(80).encode("ascii", "replace")
    return bytes(out)


class _InlineCache:
    """``cache[i]``: inline ``i`` of a 3-D array or lazy DataArray as float32, the last one kept (a
    file's traces come inline by inline, so each inline is read once and one is held at a time)."""

    def __init__(self, values):
        self.values, self.index, self.row = values, None, None

    def __getitem__(self, i: int) -> np.ndarray:
        if i != self.index:
            self.index, self.row = i, np.asarray(self.values[i], dtype=np.float32)
        return self.row


def write_segy_like(src: str | Path, out: str | Path, values: np.ndarray, inlines, crosslines,
                    layout: SegyLayout = SegyLayout(), text: tuple[str, ...] = ()) -> Path:
    """Write ``values`` (INLINE × CROSSLINE × samples, on ``src``'s sample axis; an array, or a lazy
    DataArray read one inline at a time) as a SEG-Y with ``src``'s textual, binary and trace
    headers, one trace per trace of ``src``, IEEE float, NaN written as 1e30 (read back as NaN). A
    trace of ``src`` outside ``inlines``/``crosslines`` is all 1e30. ``text``: up to TEXT_LINES lines (what the traces are, where they came from) written over
    the textual header's lines C36–C39, so C40 keeps the source's end marker. Atomic."""
    import segyio

    from geonet.atomic import atomic_path

    src, out = Path(src), Path(out)
    with _open(src) as f:
        n = len(f.samples)
        if values.shape[-1] != n:
            raise GridError(f"{values.shape[-1]} samples per trace to write, the source has {n}", path=src)
        il = np.asarray(f.attributes(layout.inline_byte)[:], dtype=np.int64)
        xl = np.asarray(f.attributes(layout.crossline_byte)[:], dtype=np.int64)
        i_of = {int(v): k for k, v in enumerate(np.asarray(inlines))}
        j_of = {int(v): k for k, v in enumerate(np.asarray(crosslines))}
        spec = segyio.spec()
        spec.format, spec.samples, spec.tracecount, spec.endian = 5, f.samples, f.tracecount, "big"
        empty = np.full(n, NAN_FILL, dtype=np.float32)
        inline = _InlineCache(values)
        with atomic_path(out) as tmp, segyio.create(str(tmp), spec) as g:
            g.text[0] = with_text_lines(f.text[0], text)
            g.bin = f.bin
            g.bin.update({segyio.BinField.Format: 5})
            for t in range(f.tracecount):
                g.header[t] = f.header[t]
                i, j = i_of.get(int(il[t])), j_of.get(int(xl[t]))
                trace = empty if i is None or j is None else inline[i][j]
                g.trace[t] = np.where(np.isfinite(trace), trace, NAN_FILL).astype(np.float32)
    return out
