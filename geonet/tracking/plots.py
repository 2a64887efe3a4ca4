"""Figures for runs: loss and gradient-norm curves, confusion matrix, well tracks.

Every function returns a matplotlib ``Figure`` made without pyplot (rendered by Agg, nothing
shown, no global backend switch); saving is the caller's, with :func:`save_figure` or
``RunTracker.log_figure``. matplotlib is imported inside the functions so that importing geonet
stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geonet.atomic import atomic_path
from geonet.features.derive import RESISTIVITY_CURVES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Curves drawn on a logarithmic axis (resistivities).
LOG_SCALE_CURVES = RESISTIVITY_CURVES  # resistivities are read on a log axis
# Preferred order of tracks; other curves follow in the order given.
TRACK_ORDER = ("GR", "RHOB", "NPHI", "DTC", "RDEP")


def _new_figure(**kwargs) -> Figure:
    """A Figure outside pyplot: rendered by Agg, never shown, never kept in pyplot's registry."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def save_figure(fig, path: Path | str, dpi: int = 120) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    return path


def loss_curves(history: Mapping[str, Sequence[float]]) -> Figure:
    """Loss per epoch, one line per series (e.g. ``{"train_loss": [...], "val_loss": [...]}``)."""
    fig = _new_figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for name, values in history.items():
        values = np.asarray([np.nan if v is None else v for v in values], dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3)
    if history:
        ax.legend()
    return fig


def grad_norm_curves(grad_norms: Mapping[str, Sequence[float]]) -> Figure:
    """‖∂C/∂θ‖ per epoch for each parameter array (``{"W1": [...], "b1": [...]}``), log y."""
    fig = _new_figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for name, values in grad_norms.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("gradient norm")
    ax.grid(True, which="both", alpha=0.3)
    if grad_norms:
        ax.legend(ncol=2, fontsize="small")
    return fig


def confusion_matrix_plot(cm, labels: Sequence) -> Figure:
    """Confusion matrix ``cm`` (k, k), rows = true; colours row-normalised, counts annotated."""
    cm = np.asarray(cm, dtype=float)
    k = cm.shape[0]
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)
    size = max(4.0, 0.6 * k + 2)
    fig = _new_figure(figsize=(size + 1, size))
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="fraction of true class")
    names = [str(label) for label in labels]
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                colour = "white" if share[i, j] > 0.5 else "black"
                ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=7, color=colour)
    return fig


def _ordered_curves(curves: Mapping[str, np.ndarray]) -> list[str]:
    first = [name for name in TRACK_ORDER if name in curves]
    return first + [name for name in curves if name not in first]


def _draw_curve_tracks(axes, depth_m: np.ndarray, curves: Mapping[str, np.ndarray]) -> None:
    for ax, name in zip(axes, _ordered_curves(curves)):
        values = np.asarray(curves[name], dtype=float)
        ax.plot(values, depth_m, linewidth=0.6, color="black")
        if name in LOG_SCALE_CURVES and np.any(values > 0):
            ax.set_xscale("log")
        ax.set_xlabel(name)
        ax.xaxis.set_label_position("top")
        ax.grid(True, alpha=0.3)


def _code_column(ax, depth_m: np.ndarray, codes, code_table: Mapping, title: str) -> None:
    """Colour a column by lithology code over depth (NaN / unknown codes left blank)."""
    from matplotlib.colors import ListedColormap

    known = list(code_table)
    index = {code: i for i, code in enumerate(known)}
    values = np.asarray(codes, dtype=float)
    rows = np.array([index.get(int(v), -1) if np.isfinite(v) else -1 for v in values], dtype=float)
    rows[rows < 0] = np.nan
    cmap = ListedColormap([code_table[c].colour for c in known])
    top, bottom = float(depth_m[0]), float(depth_m[-1])
    ax.imshow(
        rows[:, None],
        aspect="auto",
        cmap=cmap,
        vmin=-0.5,
        vmax=len(known) - 0.5,
        extent=(0, 1, bottom, top),
        interpolation="nearest",
    )
    ax.set_xticks([])
    ax.set_xlabel(title)
    ax.xaxis.set_label_position("top")


def well_track_plot(
    depth_m,
    curves: Mapping[str, np.ndarray],
    true_codes,
    pred_codes,
    code_table: Mapping,
    title: str = "",
) -> Figure:
    """Log tracks and true vs predicted lithology columns against depth (increasing downwards).

    ``depth_m``: shape (n,), sorted ascending. ``curves``: name → values (n,), drawn in the order
    GR, RHOB, NPHI, DTC, RDEP (resistivities on a log axis), then any others. ``true_codes``
    (may be None) and ``pred_codes``: lithology codes (n,). ``code_table``: code → object with
    ``name`` and ``colour`` (:func:`geonet.train.lithology.code_table`). The lithology columns
    assume regular depth sampling, as in a geonet feature table.
    """
    from matplotlib.patches import Patch

    depth_m = np.asarray(depth_m, dtype=float)
    columns = [("true", true_codes), ("predicted", pred_codes)]
    columns = [(name, codes) for name, codes in columns if codes is not None]
    n_tracks = len(curves) + len(columns)
    widths = [2.0] * len(curves) + [0.7] * len(columns)
    fig = _new_figure(figsize=(1.6 * len(curves) + 1.2 * len(columns) + 2.5, 9))
    axes = fig.subplots(1, n_tracks, sharey=True, gridspec_kw={"width_ratios": widths}, squeeze=False)[0]
    _draw_curve_tracks(axes[: len(curves)], depth_m, curves)
    for ax, (name, codes) in zip(axes[len(curves):], columns):
        _code_column(ax, depth_m, codes, code_table, name)
    axes[0].set_ylabel("depth (m)")
    axes[0].set_ylim(depth_m.max(), depth_m.min())  # depth increases downwards
    present = set()
    for _, codes in columns:
        present.update(int(c) for c in np.asarray(codes, dtype=float) if np.isfinite(c))
    handles = [
        Patch(facecolor=lith.colour, edgecolor="black", label=lith.name)
        for code, lith in code_table.items()
        if code in present
    ]
    if handles:
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.8, 0.5), fontsize="small",
                   title="lithology")
    fig.subplots_adjust(right=0.78 if handles else 0.95, wspace=0.08)
    if title:
        fig.suptitle(title)
    return fig


def prediction_track_plot(depth_m, curves: Mapping[str, np.ndarray], true, pred, name: str) -> Figure:
    """Input log tracks, then measured vs predicted ``name`` (e.g. DTS) against depth."""
    depth_m = np.asarray(depth_m, dtype=float)
    fig = _new_figure(figsize=(1.6 * len(curves) + 3.5, 9))
    widths = [2.0] * len(curves) + [3.0]
    axes = fig.subplots(1, len(curves) + 1, sharey=True, gridspec_kw={"width_ratios": widths}, squeeze=False)[0]
    _draw_curve_tracks(axes[: len(curves)], depth_m, curves)
    ax = axes[-1]
    if true is not None:
        ax.plot(np.asarray(true, dtype=float), depth_m, linewidth=0.7, color="black", label=f"{name} measured")
    ax.plot(np.asarray(pred, dtype=float), depth_m, linewidth=0.7, color="tab:red", label=f"{name} predicted")
    if name in LOG_SCALE_CURVES:
        ax.set_xscale("log")
    ax.set_xlabel(name)
    ax.xaxis.set_label_position("top")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    axes[0].set_ylabel("depth (m)")
    axes[0].set_ylim(depth_m.max(), depth_m.min())
    return fig


def cv_well_scores(rows: Sequence[Mapping], metric: str, *, better: str = "max") -> Figure:
    """Cross-validation score of each held-out well (one bar each, coloured by fold), best on top.

    ``rows``: per-well dicts with ``well``, ``fold`` and ``metric``; ``better``: "max" or "min".
    """
    rows = [r for r in rows if metric in r]
    rows.sort(key=lambda r: r[metric], reverse=(better == "max"))
    fig = _new_figure(figsize=(6, 1.2 + 0.28 * max(1, len(rows))))
    ax = fig.add_subplot()
    folds = sorted({int(r["fold"]) for r in rows})
    colours = {f: f"C{i % 10}" for i, f in enumerate(folds)}
    y = np.arange(len(rows))[::-1]
    ax.barh(y, [r[metric] for r in rows], color=[colours[int(r["fold"])] for r in rows])
    ax.set_yticks(y, [str(r["well"]) for r in rows])
    ax.set_xlabel(f"{metric} on the held-out well")
    for f in folds:
        ax.bar(0, 0, color=colours[f], label=f"fold {f}")
    if folds:
        ax.legend(loc="best", fontsize="small")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def _range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    return tuple(np.percentile(finite, [1, 99])) if finite.size else (np.inf, -np.inf)


def section_plot(values: np.ndarray, crosslines: np.ndarray, twt_ms: np.ndarray, *, wells: Sequence[Mapping] = (),
                 label: str = "", credit: str = "", cmap: str = "viridis") -> Figure:
    """A colour section (``values``: crosslines × samples) with wells drawn at their crosslines as
    strips coloured by their own log values on the same colour scale, and a credit line below."""
    from matplotlib.colors import Normalize

    fig = _new_figure(figsize=(12, 6))
    ax = fig.add_subplot(1, 1, 1)
    lo, hi = _range(values)
    for w in wells:  # one colour scale spanning the section and the wells' logs
        w_lo, w_hi = _range(np.asarray(w["values"], dtype=np.float64))
        lo, hi = min(lo, w_lo), max(hi, w_hi)
    lo, hi = (lo, hi) if np.isfinite(lo) and np.isfinite(hi) else (0.0, 1.0)
    norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1)
    dx = float(np.median(np.diff(crosslines))) if len(crosslines) > 1 else 1.0
    dt = float(np.median(np.diff(twt_ms))) if len(twt_ms) > 1 else 1.0
    extent = (crosslines[0] - dx / 2, crosslines[-1] + dx / 2, twt_ms[-1] + dt / 2, twt_ms[0] - dt / 2)
    image = ax.imshow(np.ma.masked_invalid(values.T), aspect="auto", extent=extent, cmap=cmap, norm=norm,
                      interpolation="nearest")
    half = max(3.0, 0.008 * (crosslines[-1] - crosslines[0]))  # strip half-width in crosslines
    for w in wells:  # regular times (one row per sample, as the tie table has them)
        t, v = np.asarray(w["twt"], dtype=np.float64), np.asarray(w["values"], dtype=np.float64)
        ok = np.flatnonzero(np.isfinite(v))
        if not ok.size:
            continue
        t, v = t[ok[0]: ok[-1] + 1], v[ok[0]: ok[-1] + 1]
        x0, x1 = w["crossline"] - half, w["crossline"] + half
        ax.imshow(np.ma.masked_invalid(v[:, None]), aspect="auto", extent=(x0, x1, t[-1] + dt / 2, t[0] - dt / 2),
                  cmap=cmap, norm=norm, interpolation="nearest", zorder=3)
        ax.plot([x0, x1, x1, x0, x0], [t[0], t[0], t[-1], t[-1], t[0]], color="k", lw=0.8, zorder=4)
        ax.annotate(w["name"], (w["crossline"], t[0]), xytext=(0, 4), textcoords="offset points", ha="center",
                    va="bottom", fontsize=9, weight="bold", zorder=5)
    rows = np.flatnonzero(np.isfinite(values).any(axis=0))  # times holding values, with the wells'
    t_lo = min([twt_ms[rows[0]]] if rows.size else [twt_ms[0]]) - 10 * dt
    t_hi = max([twt_ms[rows[-1]]] if rows.size else [twt_ms[-1]]) + 10 * dt
    for w in wells:
        t = np.asarray(w["twt"])[np.isfinite(np.asarray(w["values"], dtype=np.float64))]
        if t.size:
            t_lo, t_hi = min(t_lo, t.min() - 10 * dt), max(t_hi, t.max() + 10 * dt)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(min(t_hi, extent[2]), max(t_lo, extent[3]))
    ax.set_xlabel("crossline")
    ax.set_ylabel("TWT (ms)")
    fig.colorbar(image, ax=ax, label=label, fraction=0.03, pad=0.01)
    ax.set_title(f"{label}; wells in their own log values" if wells else label)
    if credit:
        fig.text(0.01, 0.005, credit, fontsize=8, ha="left", va="bottom")
    return fig
