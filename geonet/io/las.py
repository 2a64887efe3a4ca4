"""Read one LAS file into a :class:`RawLas`: header items, curve list, and the data as float64.

Stages: read bytes → detect the text encoding → find the ``~A`` line → parse the header with lasio
(header text only) → parse the ``~A`` block with pandas' C parser (the fast path). Wrapped files,
LAS 3.0 and anything the fast path does not accept go through ``lasio.read`` in full.
Values equal lasio's: the file's NULL value becomes NaN, nothing else is changed here.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geonet.errors import LASError

_A_LINE = re.compile(rb"^[ \t]*~A[^\n]*(\n|$)", re.M | re.I)
_A_LINE_TEXT = re.compile(r"^[ \t]*~A[^\n]*(\n|$)", re.M | re.I)


@dataclass
class LasCurve:
    mnemonic: str  # as written in ~C (duplicates keep their original spelling)
    unit: str
    descr: str


@dataclass
class RawLas:
    """One LAS file as read. ``data`` is (n_rows, n_curves) float64, NULL → NaN; curve 0 is the index."""

    path: Path
    sha256: str
    version: str
    wrap: bool
    encoding: str
    well: dict[str, str]
    curves: list[LasCurve]
    data: np.ndarray
    null_value: float | None
    strt_unit: str
    reader: str  # "fast" or "lasio"
    first_data_line: int | None = None  # 1-based line number of the line after ~A (fast path)
    data_text: str | bytes | None = field(default=None, repr=False)  # the ~A block, for error messages

    def line_of_row(self, row: int) -> int | None:
        """1-based file line number of data row ``row`` (None when unknown, e.g. wrapped files)."""
        if self.data_text is None or self.first_data_line is None:
            return None
        n = -1
        text = self.data_text.decode(self.encoding) if isinstance(self.data_text, bytes) else self.data_text
        for i, line in enumerate(text.splitlines()):
            s = line.strip()
            if s and not s.startswith("#"):
                n += 1
                if n == row:
                    return self.first_data_line + i
        return None


def decode_las_bytes(raw: bytes, path: Path) -> tuple[str, str]:
    """Return ``(text, encoding)``; UTF-16 (with or without BOM), UTF-8 (±BOM), else cp1252/latin-1."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif b"\x00" in raw[:4096]:
        head = raw[:4096]
        if head[1::2].count(0) > len(head) // 4:
            enc = "utf-16-le"
        elif head[0::2].count(0) > len(head) // 4:
            enc = "utf-16-be"
        else:
            raise LASError("binary file, not a LAS text file", path=path)
    else:
        enc = "utf-8"
    for candidate in (enc, "cp1252", "latin-1") if enc == "utf-8" else (enc,):
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise LASError(f"cannot decode the file as {enc}", path=path)


def _check_looks_like_las(text: str, path: Path) -> None:
    for line in text[:65536].splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("~"):
            return
        raise LASError(f"not a LAS file: first line is {s[:40]!r}, expected a ~Version section", path=path)
    raise LASError("not a LAS file: no ~ sections (blank or comments only)", path=path)


def _quiet_lasio():
    logging.getLogger("lasio").setLevel(logging.ERROR)


def _lasio_read(text: str, path: Path, **kwargs):
    import lasio

    _quiet_lasio()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lasio.read(text, **kwargs)
    except LASError:
        raise
    except Exception as exc:  # lasio raises KeyError, IndexError, TypeError, ValueError, LASHeaderError...
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise LASError(f"lasio cannot read it ({type(exc).__name__}: {msg})", path=path) from exc


def _item(section, name: str) -> str:
    try:
        item = section[name]
    except (KeyError, IndexError):
        return ""
    value = str(item.value).strip() if item.value is not None else ""
    return value


def _unit(u) -> str:
    u = (u or "").strip()
    return "" if u in {"_", "-", "."} else u


def _header_fields(las) -> dict:
    version = _item(las.version, "VERS")
    wrap = _item(las.version, "WRAP").upper() in {"YES", "Y", "TRUE"}
    well = {}
    for item in las.well:
        value = str(item.value).strip() if item.value is not None else ""
        well[item.mnemonic.upper()] = value
    null = None
    try:
        null = float(las.well["NULL"].value)
    except (KeyError, IndexError, TypeError, ValueError):
        null = None
    try:
        strt_unit = _unit(las.well["STRT"].unit)
    except (KeyError, IndexError):
        strt_unit = ""
    curves = [LasCurve(c.original_mnemonic or c.mnemonic, _unit(c.unit), (c.descr or "").strip()) for c in las.curves]
    return dict(version=version, wrap=wrap, well=well, null_value=null, strt_unit=strt_unit, curves=curves)


def find_bad_data_line(block: str, n_curves: int, first_line: int) -> tuple[int, str] | None:
    """Scan the ~A block; return (line number, reason) of the first row that is not n_curves numbers."""
    for i, line in enumerate(block.splitlines()):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        if len(tokens) != n_curves:
            return first_line + i, f"has {len(tokens)} values but ~Curve lists {n_curves} curves"
        for t in tokens:
            try:
                float(t)
            except ValueError:
                return first_line + i, f"holds a non-numeric value {t[:20]!r}"
    return None


def read_las(path: str | Path, raw: bytes | None = None, *, sha256: str | None = None) -> RawLas:
    """Read a LAS file (fast path when possible). Raises :class:`LASError` naming the file and line."""
    import hashlib

    path = Path(path)
    if raw is None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise LASError("file not found", path=path) from None
        except IsADirectoryError:
            raise LASError("is a directory, not a LAS file", path=path) from None
        except OSError as exc:
            raise LASError(f"cannot read the file ({exc.strerror})", path=path) from None
    if not raw or raw.isspace():
        raise LASError("empty file", path=path)
    sha = sha256 or hashlib.sha256(raw).hexdigest()
    if raw.isascii() and b"\x00" not in raw[:4096]:  # plain ASCII (not BOM-less UTF-16): no decoding
        text, enc = None, "utf-8"
        _check_looks_like_las(raw[:65536].decode("ascii"), path)
    else:
        text, enc = decode_las_bytes(raw, path)
        _check_looks_like_las(text, path)
    eight_bit = enc in {"utf-8", "cp1252", "latin-1"}
    m = _A_LINE.search(raw) if eight_bit else _A_LINE_TEXT.search(text)
    if text is None and m is None:
        text = raw.decode("ascii")
    if m is None:
        if not re.search(r"^[ \t]*~C", text, re.M | re.I):
            raise LASError("no ~Curve section and no ~A (data) section", path=path)
        raise LASError("no ~A (data) section", path=path)
    if eight_bit:
        header_text = raw[: m.start()].decode(enc)
        a_line = raw[: m.start()].count(b"\n") + 1
    else:
        header_text = text[: m.start()]
        a_line = header_text.count("\n") + 1
    head = _header_fields(_lasio_read(header_text, path, ignore_data=True))
    if not head["curves"]:
        raise LASError("the ~Curve section lists no curves", path=path)
    base = dict(path=path, sha256=sha, encoding=enc, **head)
    fast_ok = head["version"].startswith(("1", "2")) and not head["wrap"]
    if fast_ok:
        block = raw[m.end():] if eight_bit else text[m.end():]
        tilde, hash_ = (b"~", b"#") if eight_bit else ("~", "#")
        if tilde not in block and hash_ not in block:
            data = _parse_block_fast(block, enc, len(head["curves"]), a_line + 1, path)
            if head["null_value"] is not None:
                data[data == head["null_value"]] = np.nan
            return RawLas(**base, data=data, reader="fast", first_data_line=a_line + 1, data_text=block)
    return _read_with_lasio(raw.decode("ascii") if text is None else text, base, path)


def _parse_block_fast(block: bytes | str, enc: str, n_curves: int, first_line: int, path: Path) -> np.ndarray:
    import pandas as pd

    source = io.BytesIO(block) if isinstance(block, bytes) else io.StringIO(block)
    try:
        df = pd.read_csv(source, sep=r"\s+", header=None, engine="c", dtype=np.float64)
    except pd.errors.EmptyDataError:
        raise LASError("the ~A section holds no data rows", path=path) from None
    except (ValueError, pd.errors.ParserError):
        df = None
    data = None if df is None else df.to_numpy(dtype=np.float64)
    if data is None or data.shape[1] != n_curves or np.isnan(data).any():
        block_text = block.decode(enc) if isinstance(block, bytes) else block
        bad = find_bad_data_line(block_text, n_curves, first_line)
        if bad is not None:
            raise LASError(f"line {bad[0]}: data row {bad[1]}", path=path)
        if data is None or data.shape[1] != n_curves:
            raise LASError(f"cannot parse the ~A section as {n_curves} numeric columns", path=path)
    if data.shape[0] == 0:
        raise LASError("the ~A section holds no data rows", path=path)
    return np.ascontiguousarray(data)


def _read_with_lasio(text: str, base: dict, path: Path) -> RawLas:
    las = _lasio_read(text, path)
    head = _header_fields(las)
    base.update(head)
    try:
        data = np.asarray(las.data, dtype=np.float64)
    except (TypeError, ValueError):
        raise LASError("the ~A section holds non-numeric values", path=path) from None
    if data.ndim != 2 or data.shape[0] == 0:
        raise LASError("the ~A section holds no data rows", path=path)
    if data.shape[1] != len(head["curves"]):
        raise LASError(f"~A has {data.shape[1]} columns but ~Curve lists {len(head['curves'])} curves", path=path)
    return RawLas(**base, data=data, reader="lasio")
