"""Well-track figures drawn like a log print.

Depth increases downwards; each track carries, on top, one header line per curve
(``left  NAME (unit)  right`` in the curve's colour and line style); scales are the fixed standard
ones of ``log_scales.toml`` (GR 0–150 gAPI, resistivities 0.2–2000 ohm.m on a log scale, RHOB
1.95–2.95 g/cm³ with NPHI 0.45 → −0.15 on the same track, DTC 140 → 40 µs/ft …), and values
beyond a scale are clipped to the track's edge; a curve marked ``backup`` (GR, DTC) also has its
off-scale stretches drawn faintly one scale-width over (GR 150–300 gAPI, DTC 240 → 140 µs/ft), as a
log print's backup trace. Lithology columns use the FORCE colours and hatches
(``geonet/train/lithology.toml``); a stacked class-probability track follows when probabilities
are given. Figures are made without pyplot, with matplotlib's constrained layout so no label
falls off the image.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from geonet.tracking.plots import _new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

HEADER_ROW_PT = 22.0  # height of one curve's header line above a track, in points
HEADER_FONT = 7.0
TRACK_WIDTH_IN = 1.45
CODE_WIDTH_IN = 0.55


@dataclass(frozen=True)
class Scale:
    """A curve's log-print scale: the values at the track's left and right edges (``left > right``: reversed)."""

    curve: str
    left: float
    right: float
    unit: str = ""
    colour: str = "black"
    style: str = "-"
    log: bool = False
    backup: bool = False  # values beyond the scale also drawn faintly one scale-width over

    def unclipped(self, values) -> np.ndarray:
        """Position across the track, 0 at the left edge, 1 at the right, not clipped; NaN stays NaN."""
        v = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
            left, right = np.log10(self.left), np.log10(self.right)
        else:
            left, right = self.left, self.right
        return (v - left) / (right - left)

    def position(self, values) -> np.ndarray:
        """Position across the track, clipped to its edges (0 … 1)."""
        return np.clip(self.unclipped(values), 0.0, 1.0)

    def backup_position(self, values) -> np.ndarray:
        """The backup trace: values past an edge shifted one scale-width back into the track (clipped
        there too); NaN where the value is on scale."""
        u = self.unclipped(values)
        shifted = np.where(u > 1, u - 1, np.where(u < 0, u + 1, np.nan))
        return np.clip(shifted, 0.0, 1.0)


@dataclass(frozen=True)
class Track:
    name: str
    curves: tuple[str, ...]
    log: bool = False


@functools.cache
def log_scales() -> tuple[tuple[Track, ...], dict[str, Scale]]:
    """The tracks (in drawing order) and the curve scales of ``log_scales.toml``."""
    text = resources.files("geonet.tracking").joinpath("log_scales.toml").read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    tracks = tuple(Track(t["name"], tuple(t["curves"]), bool(t.get("log", False))) for t in doc["track"])
    log_curves = {c for t in tracks if t.log for c in t.curves}
    scales = {name: Scale(curve=name, left=float(s["left"]), right=float(s["right"]), unit=s.get("unit", ""),
                          colour=s.get("colour", "black"), style=s.get("style", "-"), log=name in log_curves,
                          backup=bool(s.get("backup", False)))
              for name, s in doc["scale"].items()}
    return tracks, scales


def track_curves() -> tuple[str, ...]:
    """Every curve a well-track plot can draw, in track order."""
    return tuple(c for t in log_scales()[0] for c in t.curves)


def scale_for(name: str, values=None) -> Scale:
    """The table's scale of ``name``, else one from the 1st–99th percentiles of ``values``."""
    scales = log_scales()[1]
    if name in scales:
        return scales[name]
    v = np.asarray(values if values is not None else [], dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (np.percentile(v, [1, 99]) if v.size else (0.0, 1.0))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return Scale(curve=name, left=float(lo), right=float(hi), colour="black")


# -- drawing -----------------------------------------------------------------------------------
def _header(ax: Axes, row: int, name: str, *, left: str = "", right: str = "", unit: str = "",
            colour="black", style=None) -> None:
    """One curve's header above ``ax`` (row 0 nearest the track), as on a log print: a line in the
    curve's colour and style with the scale's ends and unit on it, and the curve's name above."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import offset_copy

    base = offset_copy(ax.transAxes, fig=ax.figure, y=HEADER_ROW_PT * row + 2, units="points")
    if style is not None:
        ax.add_line(Line2D([0, 1], [1, 1], transform=base, color=colour, linestyle=style, linewidth=1.2,
                           clip_on=False))
    numbers = offset_copy(base, fig=ax.figure, y=1.5, units="points")
    kw = dict(transform=numbers, fontsize=HEADER_FONT - 1, color=colour, clip_on=False, va="bottom")
    for x, text, ha in ((0.0, left, "left"), (0.5, unit, "center"), (1.0, right, "right")):
        if text:
            ax.text(x, 1.0, text, ha=ha, **kw)
    title = offset_copy(base, fig=ax.figure, y=HEADER_ROW_PT * 0.45 if (left or right or unit) else 1.5,
                        units="points")
    ax.text(0.5, 1.0, name, ha="center", va="bottom", transform=title, fontsize=HEADER_FONT,
            fontweight="bold", color=colour, clip_on=False)


def _number(x: float) -> str:
    return f"{x:g}"


def _grid(ax: Axes, log_scale: Scale | None) -> None:
    """Vertical grid lines: tenths of a linear track; decades (and 2–9 faintly) of a log track."""
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    if log_scale is None:
        for x in np.linspace(0, 1, 11)[1:-1]:
            ax.axvline(x, color="0.85", linewidth=0.5, zorder=0)
        return
    lo, hi = sorted((log_scale.left, log_scale.right))
    for decade in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        for m in range(1, 10):
            x = log_scale.position(m * 10.0**decade)
            if 0 < x < 1 and lo < m * 10.0**decade < hi:
                ax.axvline(x, color="0.75" if m == 1 else "0.9", linewidth=0.5, zorder=0)


def _curve_track(ax: Axes, depth_m: np.ndarray, names: list[str], curves: Mapping[str, np.ndarray]) -> int:
    """Draw ``names`` (present in ``curves``) on one track; returns the number of header rows used."""
    scales = [scale_for(name, curves[name]) for name in names]
    _grid(ax, next((s for s in scales if s.log), None))
    for row, scale in enumerate(scales):
        ax.plot(scale.position(curves[scale.curve]), depth_m, color=scale.colour, linestyle=scale.style,
                linewidth=0.6)
        if scale.backup:
            ax.plot(scale.backup_position(curves[scale.curve]), depth_m, color=scale.colour, linestyle=scale.style,
                    linewidth=0.4, alpha=0.45)
        _header(ax, row, scale.curve, left=_number(scale.left), right=_number(scale.right), unit=scale.unit,
                colour=scale.colour, style=scale.style)
    return len(scales)


def _layout_tracks(curves: Mapping[str, np.ndarray]) -> list[list[str]]:
    """Curves grouped into tracks (table order), only those present and with at least one value."""
    present = {n for n, v in curves.items() if np.isfinite(np.asarray(v, dtype=float)).any()}
    groups = [[c for c in t.curves if c in present] for t in log_scales()[0]]
    return [g for g in groups if g]


def _runs(codes: np.ndarray) -> list[tuple[int, int, float]]:
    """(start, stop, code) of each run of equal finite codes."""
    finite = np.isfinite(codes)
    change = np.flatnonzero((codes[1:] != codes[:-1]) | (finite[1:] != finite[:-1])) + 1
    bounds = np.r_[0, change, codes.size]
    return [(int(a), int(b), float(codes[a])) for a, b in zip(bounds[:-1], bounds[1:]) if finite[a]]


def _cell_edges(depth_m: np.ndarray) -> np.ndarray:
    """Depth of each sample's top and bottom edge (halfway to its neighbours), shape (n + 1,)."""
    if depth_m.size == 1:
        return np.array([depth_m[0] - 0.5, depth_m[0] + 0.5])
    mid = (depth_m[1:] + depth_m[:-1]) / 2
    return np.r_[2 * depth_m[0] - mid[0], mid, 2 * depth_m[-1] - mid[-1]]


def _code_column(ax: Axes, depth_m: np.ndarray, codes, code_table: Mapping) -> set[int]:
    """Colour (and hatch) a column by lithology code over depth; returns the codes drawn."""
    from matplotlib.collections import PolyCollection

    codes = np.asarray(codes, dtype=float)
    edges = _cell_edges(depth_m)
    boxes: dict[int, list] = {}
    for start, stop, code in _runs(codes):
        if int(code) in code_table:
            top, bottom = edges[start], edges[stop]
            boxes.setdefault(int(code), []).append([(0, top), (1, top), (1, bottom), (0, bottom)])
    for code, verts in boxes.items():
        lith = code_table[code]
        ax.add_collection(PolyCollection(verts, facecolors=lith.colour, edgecolors="none",
                                         hatch=lith.hatch or None, linewidths=0))
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    return set(boxes)


def _probability_track(ax: Axes, depth_m: np.ndarray, probabilities: Mapping, code_table: Mapping) -> None:
    """Class probabilities stacked left to right in the classes' colours (the widest is the prediction)."""
    total = np.zeros(depth_m.size)
    for code, p in probabilities.items():
        p = np.nan_to_num(np.asarray(p, dtype=float), nan=0.0)
        colour = code_table[code].colour if code in code_table else "0.5"
        ax.fill_betweenx(depth_m, total, total + p, color=colour, linewidth=0)
        total = total + p
    top = np.max(np.column_stack([np.nan_to_num(np.asarray(p, float)) for p in probabilities.values()]), axis=1)
    ax.plot(top, depth_m, color="black", linewidth=0.5)
    _grid(ax, None)


def well_track_plot(
    depth_m,
    curves: Mapping[str, np.ndarray],
    true_codes,
    pred_codes,
    code_table: Mapping,
    title: str = "",
    probabilities: Mapping | None = None,
) -> Figure:
    """Log tracks, true and predicted lithology columns and class probabilities against depth.

    ``depth_m``: shape (n,), ascending, metres. ``curves``: name → values (n,); those in
    ``log_scales.toml`` are drawn on its tracks and scales. ``true_codes`` (may be None) and
    ``pred_codes``: lithology codes (n,). ``code_table``: code → object with ``name``, ``colour``,
    ``hatch`` (:func:`geonet.train.lithology.code_table`). ``probabilities``: code → (n,)
    probabilities (may be None): a stacked probability track, its black line the top probability
    (the prediction's confidence).
    """
    from matplotlib.patches import Patch

    depth_m = np.asarray(depth_m, dtype=float)
    groups = _layout_tracks(curves)
    columns = [(name, codes) for name, codes in (("true", true_codes), ("predicted", pred_codes)) if codes is not None]
    widths = [TRACK_WIDTH_IN] * len(groups) + [CODE_WIDTH_IN] * len(columns) + ([TRACK_WIDTH_IN] if probabilities else [])
    header_rows = max([len(g) for g in groups] + [1])
    fig = _new_figure(figsize=(sum(widths) + 2.6, 10.5 + 0.3 * header_rows))
    axes = fig.subplots(1, len(widths), sharey=True, gridspec_kw={"width_ratios": widths}, squeeze=False)[0]
    for ax, names in zip(axes, groups):
        _curve_track(ax, depth_m, names, curves)
    drawn: set[int] = set()
    for ax, (name, codes) in zip(axes[len(groups):], columns):
        drawn |= _code_column(ax, depth_m, codes, code_table)
        _header(ax, 0, name)
    if probabilities:
        ax = axes[-1]
        _probability_track(ax, depth_m, probabilities, code_table)
        _header(ax, 0, "class probability", left="0", right="1", unit="v/v", style="-")
        _header(ax, 1, "line: top probability")
    _depth_axis(axes, depth_m)
    handles = [Patch(facecolor=lith.colour, edgecolor="black", hatch=lith.hatch or None, label=lith.name)
               for code, lith in code_table.items() if code in drawn]
    if handles:
        fig.legend(handles=handles, loc="outside right center", fontsize="small", title="lithology")
    if title:
        fig.suptitle(title)
    return fig


def prediction_track_plot(depth_m, curves: Mapping[str, np.ndarray], true, pred, name: str,
                          title: str = "") -> Figure:
    """Log tracks, then measured (black) and predicted (red) ``name`` (e.g. DTS) on one track."""
    depth_m = np.asarray(depth_m, dtype=float)
    groups = _layout_tracks(curves)
    widths = [TRACK_WIDTH_IN] * len(groups) + [TRACK_WIDTH_IN * 1.4]
    header_rows = max([len(g) for g in groups] + [2])
    fig = _new_figure(figsize=(sum(widths) + 1.2, 10.5 + 0.3 * header_rows))
    axes = fig.subplots(1, len(widths), sharey=True, gridspec_kw={"width_ratios": widths}, squeeze=False)[0]
    for ax, names in zip(axes, groups):
        _curve_track(ax, depth_m, names, curves)
    ax = axes[-1]
    both = np.r_[np.asarray(pred, dtype=float), np.asarray(true if true is not None else [], dtype=float)]
    scale = scale_for(name, both)
    _grid(ax, scale if scale.log else None)
    left, right = _number(scale.left), _number(scale.right)
    ax.plot(scale.position(pred), depth_m, color="#d00000", linewidth=0.7)
    _header(ax, 0, f"{name} predicted", left=left, right=right, unit=scale.unit, colour="#d00000", style="-")
    if true is not None:  # on top of the prediction, thinner, so both stay visible
        ax.plot(scale.position(true), depth_m, color="black", linewidth=0.5)
        _header(ax, 1, f"{name} measured", left=left, right=right, unit=scale.unit, colour="black", style="-")
    _depth_axis(axes, depth_m)
    if title:
        fig.suptitle(title)
    return fig


def _depth_axis(axes, depth_m: np.ndarray) -> None:
    axes[0].set_ylabel("depth (m)")
    if depth_m.size:
        axes[0].set_ylim(np.nanmax(depth_m), np.nanmin(depth_m))  # depth increases downwards
    for ax in axes:
        ax.grid(True, axis="y", color="0.85", linewidth=0.5)
