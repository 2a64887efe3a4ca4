"""Wells in time: checkshot tables → a time–depth relation per well → logs averaged to seismic samples.

A checkshot table holds measured depth (MD) and two-way time (TWT) pairs: a file per well (the
well's name is the file name without a ``_TD``/``_checkshot`` ending), or one table with a well
column. Columns are found by name (``MD``/``DEPTH``, ``TWT``/``TIME``) or, without a header, are
the first two (MD, TWT). Units come from the column names (``TWT (ms)``, ``TWT_S``, ``MD [ft]``),
else TWT is in seconds when its largest value is below 20 (a note says so), else milliseconds;
depth in metres. Pairs are sorted by depth; repeated depths and pairs whose time runs backwards
are dropped (one note per well). Between pairs the time is interpolated linearly (monotonic by
construction); above the first and below the last pair the end interval's velocity continues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geonet.errors import InputError
from geonet.features.units import depth_factor

TD_SUFFIXES = {".txt", ".csv", ".tsv", ".dat", ".asc"}
_WELL_ENDINGS = re.compile(r"([_\- ]?(td|t-d|checkshots?|time[_\-]?depth|tdr))+$", re.I)
_DEPTH_NAMES = ("MD", "DEPTH", "DEPT", "DEPTH_M", "MD_M", "Z")
_TIME_NAMES = ("TWT", "TIME", "TWT_MS", "TWT_S", "T")
#: TWT values all below this are taken as seconds when no unit is stated
SECONDS_BELOW = 20.0


@dataclass(frozen=True)
class TimeDepth:
    """One well's time–depth pairs: ``md_m`` strictly increasing (metres), ``twt_ms`` increasing (ms)."""

    well: str
    md_m: np.ndarray
    twt_ms: np.ndarray
    notes: tuple[str, ...] = field(default=())

    def twt_at(self, md_m: np.ndarray) -> np.ndarray:
        """TWT (ms) at measured depths (m): linear between pairs, end velocities beyond them."""
        md = np.asarray(md_m, dtype=np.float64)
        t = np.interp(md, self.md_m, self.twt_ms)
        if len(self.md_m) >= 2:
            lo = (self.twt_ms[1] - self.twt_ms[0]) / (self.md_m[1] - self.md_m[0])
            hi = (self.twt_ms[-1] - self.twt_ms[-2]) / (self.md_m[-1] - self.md_m[-2])
            t = np.where(md < self.md_m[0], self.twt_ms[0] + (md - self.md_m[0]) * lo, t)
            t = np.where(md > self.md_m[-1], self.twt_ms[-1] + (md - self.md_m[-1]) * hi, t)
        return t


def read_time_depth(source: str | Path, *, twt_unit: str | None = None) -> dict[str, TimeDepth]:
    """Every well's :class:`TimeDepth` from a file or a folder of files. ``twt_unit`` ("s"/"ms")
    overrides what the column names or values say. Raises :class:`InputError` naming the file."""
    source = Path(source)
    if not source.exists():
        raise InputError("time-depth file or folder not found", path=source)
    files = sorted(p for p in source.iterdir() if p.suffix.lower() in TD_SUFFIXES) if source.is_dir() else [source]
    if not files:
        raise InputError(f"no time-depth tables ({', '.join(sorted(TD_SUFFIXES))}) in the folder", path=source)
    out: dict[str, TimeDepth] = {}
    for path in files:
        out.update(_read_file(path, twt_unit))
    return out


def _read_file(path: Path, twt_unit: str | None) -> dict[str, TimeDepth]:
    table = _read_table(path)
    well_col = next((c for c in table.columns if _key(c) in {"WELL", "WELLNAME", "UWI"}), None)
    md_col, md_f = _depth_column(table, path)
    t_col, t_f, t_note = _time_column(table, path, twt_unit)
    groups = table.groupby(well_col, sort=False) if well_col else [(_WELL_ENDINGS.sub("", path.stem), table)]
    out = {}
    for well, part in groups:
        md = pd.to_numeric(part[md_col], errors="coerce").to_numpy(np.float64) * md_f
        twt = pd.to_numeric(part[t_col], errors="coerce").to_numpy(np.float64) * t_f
        out[str(well)] = _clean(str(well), md, twt, path, [f"well {well}: {t_note}"] if t_note else [])
    return out


def _read_table(path: Path) -> pd.DataFrame:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=path) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError("empty time-depth table", path=path)
    sep = "," if "," in lines[0] else (";" if ";" in lines[0] else r"\s+")
    first = re.split(sep if sep != r"\s+" else r"\s+", lines[0].strip())
    has_header = any(re.search(r"[A-Za-z]", tok) for tok in first)
    from io import StringIO

    table = pd.read_csv(StringIO("\n".join(lines)), sep=sep, header=0 if has_header else None, engine="python")
    if not has_header:
        if table.shape[1] < 2:
            raise InputError("a time-depth table needs two columns (MD, TWT)", path=path)
        table.columns = ["MD", "TWT", *[f"COL{i}" for i in range(2, table.shape[1])]]
    return table


def _key(name) -> str:
    return re.sub(r"[^A-Z]", "", str(name).upper())


def _unit_in(name: str) -> str | None:
    m = re.search(r"[\(\[]\s*([^\)\]]+?)\s*[\)\]]\s*$", str(name)) or re.search(r"[_\.]([A-Za-z]+)$", str(name))
    return m.group(1).strip().lower() if m else None


def _depth_column(table: pd.DataFrame, path: Path) -> tuple[str, float]:
    col = next((c for c in table.columns if any(_key(c).startswith(n) for n in _DEPTH_NAMES)), None)
    if col is None:
        raise InputError(f"no depth column (MD, DEPTH ...) among {list(table.columns)[:6]}", path=path)
    unit = _unit_in(col)
    factor = depth_factor(unit) if unit and unit not in {"m", "md"} else 1.0
    if factor is None:
        raise InputError(f"depth column {col!r}: unit {unit!r} is not a length", path=path)
    return col, factor


def _time_column(table: pd.DataFrame, path: Path, twt_unit: str | None) -> tuple[str, float, str | None]:
    col = next((c for c in table.columns if any(_key(c).startswith(n) for n in _TIME_NAMES)), None)
    if col is None:
        raise InputError(f"no time column (TWT, TIME ...) among {list(table.columns)[:6]}", path=path)
    unit = twt_unit or _unit_in(col) or ({"TWTMS": "ms", "TWTS": "s"}.get(_key(col)))
    if unit in {"ms", "msec", "millisecond", "milliseconds"}:
        return col, 1.0, None
    if unit in {"s", "sec", "second", "seconds"}:
        return col, 1000.0, None
    values = pd.to_numeric(table[col], errors="coerce")
    if np.nanmax(values.to_numpy(np.float64)) < SECONDS_BELOW:
        return col, 1000.0, f"TWT unit not stated; values below {SECONDS_BELOW:g}: read as seconds"
    return col, 1.0, "TWT unit not stated; read as milliseconds"


def _clean(well: str, md: np.ndarray, twt: np.ndarray, path: Path, notes: list[str]) -> TimeDepth:
    ok = np.isfinite(md) & np.isfinite(twt)
    md, twt = md[ok], twt[ok]
    order = np.argsort(md, kind="stable")
    md, twt = md[order], twt[order]
    keep = np.r_[True, np.diff(md) > 0]
    dropped = int((~keep).sum())
    md, twt = md[keep], twt[keep]
    forward = twt >= np.maximum.accumulate(twt)  # a time earlier than one above it runs backwards
    backwards = int((~forward).sum())
    md, twt = md[forward], twt[forward]
    if len(md) < 2:
        raise InputError(f"well {well}: fewer than two usable time-depth pairs", path=path)
    if dropped or backwards:
        notes.append(f"well {well}: dropped {dropped} repeated depth(s) and {backwards} pair(s) whose time runs backwards")
    return TimeDepth(well, md, twt, tuple(notes))


def logs_in_time(wells: pd.DataFrame, relations: dict[str, TimeDepth], *, dt_ms: float, t0_ms: float = 0.0,
                 ) -> tuple[pd.DataFrame, list[str]]:
    """Each well's numeric logs averaged over seismic samples: one row per sample time ``t0 + k·dt``
    holding the mean of every log sample whose TWT falls in ``[t − dt/2, t + dt/2)`` (NaNs ignored).

    ``wells``: a feature table (WELL, DEPTH_M = MD in metres, curves). Returns (table with WELL,
    TWT (ms), DEPTH_M (mean MD in the sample), the curves; notes: wells without a relation).
    """
    notes, frames = [], []
    curves = [c for c in wells.columns if c not in ("WELL", "DEPTH_M") and wells[c].dtype.kind in "iuf"]
    for well, part in wells.groupby("WELL", sort=False, observed=True):
        td = relations.get(str(well))
        if td is None:
            notes.append(f"well {well}: no time-depth relation; left out")
            continue
        notes += [n for n in td.notes]
        twt = td.twt_at(part["DEPTH_M"].to_numpy(np.float64))
        k = np.floor((twt - t0_ms) / dt_ms + 0.5).astype(np.int64)
        frame = part[["DEPTH_M", *curves]].astype(np.float64).assign(_K=k)
        means = frame.groupby("_K", sort=True).mean()  # pandas' mean skips NaN
        out = pd.DataFrame({"WELL": str(well), "TWT": t0_ms + means.index.to_numpy(np.float64) * dt_ms})
        out = pd.concat([out, means.reset_index(drop=True)], axis=1)
        frames.append(out)
    if not frames:
        raise InputError("no well has a time-depth relation (check the well names of the checkshot files)")
    return pd.concat(frames, ignore_index=True), notes
