"""Figures for runs: loss and gradient-norm curves, confusion matrix, cross-validation scores
(well tracks: :mod:`geonet.tracking.well_plots`).

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

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _new_figure(**kwargs) -> Figure:
    """A Figure outside pyplot: rendered by Agg, never shown, never kept in pyplot's registry.

    Constrained layout, so titles, axis labels, tick labels and legends stay inside the image
    (MLflow saves figures without ``bbox_inches="tight"``).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(layout="constrained", **kwargs)
    FigureCanvasAgg(fig)  # its own Agg canvas: fig.canvas.draw() renders (and lays out) the figure
    return fig


def _epoch_axis(ax, n_epochs: int) -> None:
    """Epochs 1 … n on x, ticks on whole epochs only."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.8, max(n_epochs, 1) + 0.2)
    ax.set_xlabel("epoch")


def save_figure(fig, path: Path | str, dpi: int = 120) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    return path


def loss_curves(history: Mapping[str, Sequence[float]], title: str = "Loss per epoch") -> Figure:
    """Loss per epoch, one line per series (e.g. ``{"train_loss": [...], "val_loss": [...]}``)."""
    fig = _new_figure(figsize=(6, 4))
    ax = fig.add_subplot()
    n = 0
    for name, values in history.items():
        values = np.asarray([np.nan if v is None else v for v in values], dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, marker="o" if values.size < 30 else None,
                markersize=3, label=name)
        n = max(n, values.size)
    _epoch_axis(ax, n)
    ax.set_ylabel("loss (cost function)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if history:
        ax.legend()
    return fig


def grad_norm_curves(grad_norms: Mapping[str, Sequence[float]],
                     title: str = "Gradient norm per layer\n‖∂C/∂W(l)‖, ‖∂C/∂b(l)‖, mean over the epoch's steps") -> Figure:
    """‖∂C/∂θ‖ per epoch for each parameter array (``{"W1": [...], "b1": [...]}``), log y."""
    fig = _new_figure(figsize=(7, 4))
    ax = fig.add_subplot()
    n = 0
    for name, values in grad_norms.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, label=name)
        n = max(n, values.size)
    ax.set_yscale("log")
    _epoch_axis(ax, n)
    ax.set_ylabel("gradient norm")
    ax.set_title(title, fontsize="medium")
    ax.grid(True, which="both", alpha=0.3)
    if grad_norms:
        fig.legend(fontsize="small", loc="outside right upper", title="parameters")
    return fig


def confusion_matrix_plot(cm, labels: Sequence, title: str = "Confusion matrix (validation wells)") -> Figure:
    """Confusion matrix ``cm`` (k, k), rows = true; colours row-normalised, counts annotated."""
    cm = np.asarray(cm, dtype=float)
    k = cm.shape[0]
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)
    size = max(4.0, 0.6 * k + 2)
    fig = _new_figure(figsize=(size + 2, size + 1))
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="fraction of the true class", shrink=0.8)
    names = [str(label) for label in labels]
    ax.set_xticks(range(k), names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                colour = "white" if share[i, j] > 0.5 else "black"
                ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=7, color=colour)
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
    ax.set_title(f"Cross-validation: {metric} per held-out well")
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
    if credit:  # below the axes: keep the bottom 4 % out of the constrained layout for it
        fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
        fig.text(0.01, 0.005, credit, fontsize=8, ha="left", va="bottom")
    return fig
