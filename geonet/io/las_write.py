"""Write a copy of a LAS file with extra curves appended (e.g. predictions), atomically.

A plain LAS 1.2/2.0 file (one line per depth, values separated by spaces) is copied line by line:
its header — comments, mnemonics as written, items such as ``DATE. 2020-08-09 20:01:42 : …`` that
lasio would split at the wrong colon — and its data lines stay exactly as they were; the new curves
go at the end of ``~Curve``, new well items (provenance) at the end of ``~Well``, the new
parameters at the end of ``~Parameter`` (created if absent), and each data line gets the new values appended. Anything else (wrapped, LAS 3.0, a delimiter,
ragged rows) is rewritten by lasio, with the header comments kept and values written with ten
significant digits.

New values are written with the fewest digits that read back to the same value: float64 values in
float64's shortest form, float32 values (also float32 results held as float64) in float32's
(``0.95362049``, not ``0.9536204934120178``); integral values as integers; NaN as the file's NULL.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from geonet.atomic import atomic_path
from geonet.errors import InputError
from geonet.io.las import _lasio_read, decode_las_bytes

DEFAULT_NULL = "-999.25"
#: significant digits of every value when lasio rewrites the whole file (round-trips float32)
LASIO_FORMAT = "%.10g"
_NULL_LINE = re.compile(r"^\s*NULL\s*\.\S*\s+(?P<value>[^\s:]+)", re.IGNORECASE)
_ITEM_VALUE = re.compile(r"^\s*(?P<mnem>[^.\s]+)\s*\.\S*\s+(?P<value>[^:]*?)\s*:", re.IGNORECASE)


def write_las_with_curves(
    src_path,
    out_path,
    curves: dict[str, tuple[np.ndarray, str, str]],
    params: dict[str, tuple[object, str]] | None = None,
    well: dict[str, tuple[object, str]] | None = None,
) -> Path:
    """Copy ``src_path`` to ``out_path`` with ``curves`` appended (module docstring: how).

    ``curves``: name → (values, one per data row of the file, unit, description). NaN values are
    written as the file's NULL value (-999.25 when the file has none). ``params``: name →
    (value, description) added to the ~Parameter section (e.g. a class-code lookup); ``well``:
    the same, added to ~Well (provenance: lasio reads values holding colons, a URI or a time,
    correctly there, while in ~Parameter it cuts ``runs:/…`` at its colon).
    Colons in descriptions become " -" (LAS ends a value at the last colon of its line).
    The write is atomic.
    """
    src_path, out_path = Path(src_path), Path(out_path)
    try:
        raw = src_path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the source LAS ({exc.strerror})", path=src_path) from None
    text, _ = decode_las_bytes(raw, src_path)
    curves = {str(k): (np.asarray(v).reshape(-1), unit or "", _descr(d)) for k, (v, unit, d) in curves.items()}
    params = {str(k): (v, _descr(d)) for k, (v, d) in (params or {}).items()}
    well = {str(k): (v, _descr(d)) for k, (v, d) in (well or {}).items()}
    out_text = _copy_plain(text, curves, params, well)
    if out_text is None:
        out_text = _rewrite_with_lasio(text, src_path, curves, params, well)
    with atomic_path(out_path) as tmp:
        tmp.write_text(out_text, encoding="utf-8", newline="\n")
    return out_path


def format_values(values: np.ndarray, null: str) -> list[str]:
    """Each value as the shortest text that reads back to the same value of its dtype (NaN → ``null``)."""
    values = np.asarray(values)
    if values.dtype.kind in "iub":
        return [str(int(v)) for v in values.tolist()]
    as32 = values.dtype == np.float32 or _all_float32(values)
    values = values.astype(np.float64)
    out = np.full(values.shape, null, dtype=object)
    finite = np.isfinite(values)
    whole = finite & (values == np.trunc(values)) & (np.abs(values) < 1e15)
    out[whole] = ["%d" % v for v in values[whole].tolist()]
    rest = np.flatnonzero(finite & ~whole)
    if as32:
        out[rest] = _shortest_float32(values[rest])
    else:
        out[rest] = [repr(v) for v in values[rest].tolist()]  # Python's shortest round-trip repr
    return out.tolist()


def _shortest_float32(values: np.ndarray) -> list[str]:
    """Fewest significant digits (6 … 9) that read back to the same float32, value by value."""
    target = values.astype(np.float32)
    numbers = values.tolist()
    out: list[str] = [""] * len(numbers)
    todo = np.arange(len(numbers))
    for digits in (6, 7, 8, 9):  # 9 always round-trips a float32
        texts = [f"%.{digits}g" % numbers[i] for i in todo.tolist()]
        ok = np.array(texts, dtype=np.float64).astype(np.float32) == target[todo] if texts else np.zeros(0, bool)
        for i, text, good in zip(todo.tolist(), texts, ok.tolist()):
            if good or digits == 9:
                out[i] = text
        todo = todo[~ok]
        if not todo.size:
            break
    return out


def _all_float32(values: np.ndarray) -> bool:
    """True when every value is exactly a float32 (a float32 model's output held as float64)."""
    with np.errstate(over="ignore", invalid="ignore"):
        as32 = values.astype(np.float32).astype(values.dtype)
    return bool(np.all((as32 == values) | np.isnan(values)))


def _descr(text) -> str:
    return " ".join(str(text or "").replace(":", " -").split())


# -- plain LAS 1.2/2.0: line by line -------------------------------------------------------------
def _sections(lines: list[str]) -> list[tuple[str, int]] | None:
    """(letter, line index) of each ``~`` line; None for LAS 3.0 names or repeated sections."""
    found = []
    for i, line in enumerate(lines):
        s = line.lstrip()
        if s.startswith("~"):
            letter = s[1:2].upper()
            if letter not in "VWCPOA" or any(letter == f for f, _ in found) or "_" in s.split()[0]:
                return None
            found.append((letter, i))
    letters = [f for f, _ in found]
    if "V" not in letters or "C" not in letters or letters[-1:] != ["A"]:
        return None
    return found


def _section_lines(lines, sections, letter) -> tuple[int, int] | None:
    """[first, end) line indices of section ``letter``'s body, or None."""
    for k, (f, i) in enumerate(sections):
        if f == letter:
            end = sections[k + 1][1] if k + 1 < len(sections) else len(lines)
            return i + 1, end
    return None


def _items(lines, span) -> list[int]:
    """Indices of the item lines (not blank, not comments) in ``span``."""
    if span is None:
        return []
    return [i for i in range(*span) if lines[i].strip() and not lines[i].lstrip().startswith("#")]


def _item_value(lines, span, mnemonic: str) -> str | None:
    for i in _items(lines, span):
        m = _ITEM_VALUE.match(lines[i])
        if m and m.group("mnem").upper() == mnemonic:
            return m.group("value").strip()
    return None


def _copy_plain(text: str, curves, params, well_items) -> str | None:
    """The copy, or None when the file is not plain enough to be copied line by line."""
    lines = text.splitlines()
    sections = _sections(lines)
    if sections is None:
        return None
    version, well = _section_lines(lines, sections, "V"), _section_lines(lines, sections, "W")
    if well is None or (_item_value(lines, version, "VERS") or "2")[:1] not in "12":
        return None
    if (_item_value(lines, version, "WRAP") or "NO").upper() != "NO" or _item_value(lines, version, "DLM"):
        return None
    n_curves = len(_items(lines, _section_lines(lines, sections, "C")))
    data = _items(lines, _section_lines(lines, sections, "A"))
    if n_curves == 0 or any(len(curve[0]) != len(data) for curve in curves.values()):
        return None
    if any(len(lines[i].split()) != n_curves for i in data):
        return None
    null_line = next((m for i in _items(lines, well) if (m := _NULL_LINE.match(lines[i]))), None)
    null = null_line.group("value") if null_line else DEFAULT_NULL

    columns = [format_values(values, null) for values, _, _ in curves.values()]
    widths = [max(10, *(len(s) + 1 for s in col)) if col else 10 for col in columns]
    for row, i in enumerate(data):
        lines[i] = lines[i].rstrip() + "".join(col[row].rjust(w + 1) for col, w in zip(columns, widths))
    a_line = sections[-1][1]
    header = lines[a_line].split()
    if len(header) == n_curves + 1:  # "~A DEPT GR ...": the column names are listed too
        lines[a_line] = lines[a_line].rstrip() + "".join(f" {name}" for name in curves)

    inserts: dict[int, list[str]] = {}  # line index → lines inserted after it
    def after(letter: str, new: list[str]) -> None:
        span = _section_lines(lines, sections, letter)
        items = _items(lines, span)
        at = items[-1] if items else span[0] - 1
        inserts.setdefault(at, []).extend(new)

    after("C", [_curve_line(name, unit, descr) for name, (_, unit, descr) in curves.items()])
    new_well = [_param_line("NULL", DEFAULT_NULL, "NULL VALUE")] if null_line is None else []
    after("W", new_well + [_param_line(name, value, descr) for name, (value, descr) in well_items.items()])
    param_lines = [_param_line(name, value, descr) for name, (value, descr) in params.items()]
    if param_lines and _section_lines(lines, sections, "P") is not None:
        after("P", param_lines)
    elif param_lines:
        inserts.setdefault(a_line - 1, []).extend(["~Parameter information", *param_lines])
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    if -1 in inserts:
        out[:0] = inserts[-1]
    return "\n".join(out) + "\n"


def _curve_line(name: str, unit: str, descr: str) -> str:
    return f"{name:<24}.{unit.replace(' ', '_'):<8} : {descr}"


def _param_line(name: str, value, descr: str) -> str:
    return f"{name:<24}.{'':<8} {value} : {descr}"


# -- anything else: lasio ------------------------------------------------------------------------
def _rewrite_with_lasio(text: str, src_path: Path, curves, params, well_items) -> str:
    import io

    import lasio

    las = _lasio_read(text, src_path)
    n_rows = las.data.shape[0] if las.data.ndim == 2 else len(las.index)
    for name, (values, unit, descr) in curves.items():
        if values.shape[0] != n_rows:
            raise InputError(f"curve {name!r} has {values.shape[0]} values but the LAS has {n_rows} rows", path=src_path)
        las.append_curve(name, values.astype(np.float64), unit=unit, descr=descr)
    for name, (value, descr) in params.items():
        las.params[name] = lasio.HeaderItem(name, unit="", value=value, descr=descr)
    for name, (value, descr) in well_items.items():
        las.well[name] = lasio.HeaderItem(name, unit="", value=value, descr=descr)
    null = las.well["NULL"].value if "NULL" in las.well else None
    if null in (None, ""):
        las.well["NULL"] = lasio.HeaderItem("NULL", unit="", value=float(DEFAULT_NULL), descr="NULL VALUE")
    buffer = io.StringIO()
    version = 2.0 if str(las.version["VERS"].value).startswith(("1", "2")) else None
    las.write(buffer, version=version, wrap=False, fmt=LASIO_FORMAT)
    comments = []
    for line in text.splitlines():  # the comment lines above the first section
        if line.lstrip().startswith("~"):
            break
        if line.lstrip().startswith("#"):
            comments.append(line)
    return "\n".join([*comments, buffer.getvalue()]).rstrip("\n") + "\n"
