"""Read one LAS file into a :class:`RawLas`: header items, curve list, and the data as float64.

Stages: read bytes → bounds checks (:mod:`geonet.io.las_limits`, before lasio sees anything) →
detect the text encoding → find the data section (``~A``, ``~ASCII``, LAS 3.0 ``~Log_Data``) →
parse the header with lasio (header text only) → parse the data block (:mod:`geonet.io.las_data`:
pandas' C parser when clean, else a tolerant row-by-row parse that notes each repair). Only wrapped
files go through ``lasio.read`` in full. Values equal lasio's: the file's NULL value becomes NaN.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geonet.errors import LASError
from geonet.paths import sha256_bytes
from geonet.io.las_data import Block, parse_fast, parse_tolerant
from geonet.io.las_header import quick_header
from geonet.io.las_limits import DEFAULT_LIMITS, LasLimits, check_file_size, check_header, check_tokens

_DATA = r"^[ \t]*~(?:A|LOG_DATA)[^\n]*(?:\n|$)"
_A_LINE = re.compile(_DATA.encode(), re.M | re.I)
_A_LINE_TEXT = re.compile(_DATA, re.M | re.I)
_NEXT_SECTION = re.compile(r"^[ \t]*~", re.M)
_CURVE_SECTION = re.compile(r"^[ \t]*~(?:C|LOG_DEFINITION)[^\n]*\n(.*?)(?=^[ \t]*~|\Z)", re.M | re.I | re.S)
_CURVE_LINE = re.compile(r"^\s*([^.#\s][^.]*?)\s*\.(\S*)")
_DECIMAL_KEYS = {"DECI", "DECIMAL", "DECIMAL_MARK", "DECIMAL_SEPARATOR"}


@dataclass
class LasCurve:
    mnemonic: str  # as written in ~C (duplicates keep their original spelling)
    unit: str
    descr: str


@dataclass
class RawLas:
    """One LAS file as read. ``data`` is (n_rows, n_curves) float64, NULL → NaN; curve 0 is the index.

    ``text``: curve index → strings, for curves kept as text; ``notes``: one line per repair made.
    """

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
    reader: str  # "fast", "tolerant" or "lasio"
    first_data_line: int | None = None  # 1-based line number of the line after ~A
    data_text: str | bytes | None = field(default=None, repr=False)  # the ~A block, for error messages
    text: dict[int, np.ndarray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    row_lines: np.ndarray | None = field(default=None, repr=False)

    def line_of_row(self, row: int) -> int | None:
        """1-based file line number of data row ``row`` (None when unknown, e.g. wrapped files)."""
        if self.row_lines is not None:
            return int(self.row_lines[row]) if 0 <= row < len(self.row_lines) else None
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
        raise LASError(f"not a LAS file: the first line starts with {s.split()[0][:20]!r}, expected a ~Version section", path=path)
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



def _raw_units(header_text: str) -> list[str] | None:
    """Units as written in the ~Curve section (lasio cuts e.g. "(m/s)*(kg/m3)"), one per curve line."""
    m = _CURVE_SECTION.search(header_text)
    if m is None:
        return None
    units = []
    for line in m.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        hit = _CURVE_LINE.match(line)
        units.append(_unit(hit.group(2)) if hit else "")
    return units


def _curves(las, header_text: str) -> list[LasCurve]:
    raw = _raw_units(header_text)
    curves = []
    for i, c in enumerate(las.curves):
        unit = _unit(c.unit)
        if raw is not None and len(raw) == len(las.curves) and raw[i] != unit and unit in raw[i]:
            unit = raw[i]
        curves.append(LasCurve(c.original_mnemonic or c.mnemonic, unit, (c.descr or "").strip()))
    return curves


def _header_fields(las, header_text: str = "") -> dict:
    version = _item(las.version, "VERS")
    wrap = _item(las.version, "WRAP").upper() in {"YES", "Y", "TRUE"}
    well = {}
    for item in las.well:
        value = str(item.value).strip() if item.value is not None else ""
        well[item.mnemonic.upper()] = value
    try:
        null = float(las.well["NULL"].value)
    except (KeyError, IndexError, TypeError, ValueError):
        null = None
    try:
        strt_unit = _unit(las.well["STRT"].unit)
    except (KeyError, IndexError):
        strt_unit = ""
    return dict(version=version, wrap=wrap, well=well, null_value=null, strt_unit=strt_unit,
                curves=_curves(las, header_text))


def _layout(las) -> tuple[str | None, bool]:
    """(delimiter for str.split — None means blanks —, comma decimal mark declared?)."""
    dlm = _item(las.version, "DLM").upper()
    delimiter = {"COMMA": ",", "TAB": "\t"}.get(dlm)
    declared = False
    for section in (las.version, las.well, las.params):
        for item in section:
            if item.mnemonic.upper() in _DECIMAL_KEYS and str(item.value).strip().upper() in {",", "COMMA"}:
                declared = True
    return delimiter, declared


def _read_bytes(path: Path, limits: LasLimits) -> bytes:
    try:
        check_file_size(path.stat().st_size, path, limits)
        return path.read_bytes()
    except FileNotFoundError:
        raise LASError("file not found", path=path) from None
    except IsADirectoryError:
        raise LASError("is a directory, not a LAS file", path=path) from None
    except OSError as exc:
        raise LASError(f"cannot read the file ({exc.strerror})", path=path) from None


def _split(raw: bytes, path: Path, limits: LasLimits):
    """(header text, data block as bytes or str, encoding, line number of the data-section line)."""
    if raw.isascii() and b"\x00" not in raw[:4096]:  # plain ASCII (not BOM-less UTF-16): no decoding
        text, enc = None, "utf-8"
        _check_looks_like_las(raw[:65536].decode("ascii"), path)
    else:
        text, enc = decode_las_bytes(raw, path)
        _check_looks_like_las(text, path)
    eight_bit = enc in {"utf-8", "cp1252", "latin-1"}
    m = _A_LINE.search(raw) if eight_bit else _A_LINE_TEXT.search(text)
    if m is None:
        full = raw.decode("ascii") if text is None else text
        check_header(full, path, limits)
        if not re.search(r"^[ \t]*~(C|LOG_DEFINITION)", full, re.M | re.I):
            raise LASError("no ~Curve section and no ~A (data) section", path=path)
        raise LASError("no ~A (data) section", path=path)
    if eight_bit:
        check_header(raw[: m.end()], path, limits)
        header = raw[: m.start()].decode(enc)
        block = raw[m.end():]
    else:
        header, block = text[: m.start()], text[m.end():]
        check_header(text[: m.end()], path, limits)
    return header, block, enc, header.count("\n") + 1, m.group(0)


def read_las(path: str | Path, raw: bytes | None = None, *, sha256: str | None = None,
             limits: LasLimits = DEFAULT_LIMITS, null_tokens: frozenset[str] = frozenset()) -> RawLas:
    """Read a LAS file (fast path when possible). Raises :class:`LASError` naming the file and line.

    ``null_tokens``: lower-case cell texts read as nulls by the tolerant parser.
    """
    path = Path(path)
    raw = _read_bytes(path, limits) if raw is None else raw
    check_file_size(len(raw), path, limits)
    if not raw or raw.isspace():
        raise LASError("empty file", path=path)
    header, block, enc, a_line, a_text = _split(raw, path, limits)
    head = quick_header(header)
    if head is None:
        try:
            las = _lasio_read(header + _text(a_text, enc), path)  # an empty data section: header only
        except LASError:  # lasio may need the data to make sense of the header: read it all (bounded)
            check_tokens(block, a_line + 1, path, limits)
            base = dict(path=path, sha256=sha256 or sha256_bytes(raw), encoding=enc, curves=[])
            return _read_with_lasio(raw.decode(enc), base, path)
        head = {**_header_fields(las, header), **dict(zip(("delimiter", "comma_decimal"), _layout(las)))}
    else:
        head["curves"] = [LasCurve(*c) for c in head["curves"]]
    delimiter, comma = head.pop("delimiter"), head.pop("comma_decimal")
    if head["wrap"]:
        check_tokens(block, a_line + 1, path, limits)
        base = dict(path=path, sha256=sha256 or sha256_bytes(raw), encoding=enc, **head)
        return _read_with_lasio(raw.decode(enc), base, path)
    block = _cut_at_next_section(block)
    n = len(head["curves"]) or None
    hashing = None if sha256 else _Sha256(raw)  # beside the parse: hashlib lets go of the GIL
    try:
        data = parse_fast(block, n) if delimiter is None and not comma else None
    finally:
        sha256 = sha256 or hashing.result()
    base = dict(path=path, sha256=sha256, encoding=enc, **head)
    if data is not None:
        out = RawLas(**base, data=data, reader="fast", first_data_line=a_line + 1, data_text=block)
    else:
        check_tokens(block, a_line + 1, path, limits)
        text = block.decode(enc) if isinstance(block, bytes) else block
        names = [c.mnemonic for c in head["curves"]]
        parsed = parse_tolerant(text, n, a_line + 1, names=names, null_tokens=null_tokens,
                                comma_decimal=comma, delimiter=delimiter)
        out = _from_block(base, parsed, a_line)
    if out.data.shape[0] == 0:
        raise LASError("the ~A section holds no data rows", path=path)
    if not out.curves:
        _name_missing_curves(out, a_text)
    if out.null_value is not None:
        out.data[out.data == out.null_value] = np.nan
    return out


class _Sha256(threading.Thread):
    """The hex SHA-256 of ``data``, computed on a thread of its own while this one parses."""

    def __init__(self, data: bytes) -> None:
        super().__init__(name="geonet-sha256", daemon=True)
        self.data, self.digest = data, None
        self.start()

    def run(self) -> None:
        self.digest = sha256_bytes(self.data)

    def result(self) -> str:
        self.join()
        return self.digest


def _text(chunk: bytes | str, enc: str) -> str:
    return chunk.decode(enc) if isinstance(chunk, bytes) else chunk


def _cut_at_next_section(block):
    """The data block up to a following ``~`` section (LAS 3.0 files may have more after it)."""
    tilde = b"~" if isinstance(block, bytes) else "~"
    if tilde not in block:
        return block
    pattern = _NEXT_SECTION.pattern
    m = re.search(pattern.encode() if isinstance(block, bytes) else pattern, block, re.M)
    return block if m is None else block[: m.start()]


def _from_block(base: dict, parsed: Block, a_line: int) -> RawLas:
    return RawLas(**base, data=parsed.data, reader="tolerant", first_data_line=a_line + 1,
                  text=parsed.text, notes=list(parsed.notes), row_lines=parsed.lines)


def _name_missing_curves(out: RawLas, a_text: bytes | str) -> None:
    """A file without ~Curve: curves named from the ~A line (``~A DEPT GR``) or CURVE_1, CURVE_2 ..."""
    n = out.data.shape[1]
    line = a_text.decode("latin-1") if isinstance(a_text, bytes) else a_text
    named = line.split()[1:]
    names = named if len(named) == n else [f"CURVE_{i + 1}" for i in range(n)]
    out.curves = [LasCurve(m, out.strt_unit if i == 0 else "", "") for i, m in enumerate(names)]
    out.notes.insert(0, f"no ~Curve section: {n} curves named {', '.join(names[:6])}{' ...' if n > 6 else ''} "
                        "from the data (the first taken as depth)")


def _read_with_lasio(text: str, base: dict, path: Path) -> RawLas:
    las = _lasio_read(text, path)
    head = _header_fields(las)
    head["curves"] = base["curves"] or head["curves"]
    base.update(head)
    try:
        data = np.array(las.data, dtype=np.float64)  # a copy: lasio's array may be read-only
    except (TypeError, ValueError):
        raise LASError("the ~A section holds non-numeric values", path=path) from None
    if data.ndim != 2 or data.shape[0] == 0:
        raise LASError("the ~A section holds no data rows", path=path)
    if data.shape[1] != len(base["curves"]):
        raise LASError(f"~A has {data.shape[1]} columns but ~Curve lists {len(base['curves'])} curves", path=path)
    return RawLas(**base, data=data, reader="lasio")
