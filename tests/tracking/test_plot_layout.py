"""No label falls off a figure: after drawing, every visible text lies inside the figure.

MLflow saves figures as they are (no ``bbox_inches="tight"``), so the figure itself must fit.
"""

import numpy as np
import pytest

from geonet.train.lithology import code_table, force_codes
from geonet.tracking import plots, well_plots

TOLERANCE_PX = 2.0


def _undrawn_tick_labels(fig) -> set[int]:
    """Tick labels matplotlib keeps but does not draw: their tick lies outside the view limits."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * max(abs(lo), abs(hi), 1.0)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - slack <= tick.get_loc() <= hi + slack:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return hidden


def texts_outside(fig) -> list[str]:
    """Every drawn, non-empty Text whose window extent leaves the figure (beyond a 2-pixel slack)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    hidden = _undrawn_tick_labels(fig)
    outside = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or id(text) in hidden:
            continue
        e = text.get_window_extent(renderer)
        if (e.x0 < box.x0 - TOLERANCE_PX or e.y0 < box.y0 - TOLERANCE_PX
                or e.x1 > box.x1 + TOLERANCE_PX or e.y1 > box.y1 + TOLERANCE_PX):
            outside.append(f"{text.get_text()!r} at {e.bounds}")
    return outside


def _names():
    return [lith.name for lith in code_table().values()]


def _well(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    depth = 1500.0 + 0.152 * np.arange(n)
    curves = {"GR": rng.uniform(0, 200, n), "CALI": rng.uniform(8, 17, n), "RDEP": np.exp(rng.normal(size=n)),
              "RMED": np.exp(rng.normal(size=n)), "RSHA": np.exp(rng.normal(size=n)),
              "RHOB": rng.uniform(1.8, 3.0, n), "NPHI": rng.uniform(0, 0.6, n), "DTC": rng.uniform(40, 180, n),
              "DTS": rng.uniform(80, 300, n), "PEF": rng.uniform(1, 8, n)}
    codes = np.array(force_codes(), dtype=float)
    return rng, depth, curves, codes[rng.integers(0, 12, n)], codes[rng.integers(0, 12, n)]


FIGURES = {
    "loss_3": lambda: plots.loss_curves({"train_loss": [1.0, 0.5, 0.3], "val_loss": [None, 0.6, 0.4]}),
    "loss_120": lambda: plots.loss_curves({"train_loss": list(np.linspace(2, 0.1, 120)),
                                           "val_loss": list(np.linspace(2.1, 0.3, 120))}),
    "grad_norms": lambda: plots.grad_norm_curves({f"{p}{l}": list(np.geomspace(1, 1e-3, 15))
                                                  for l in range(1, 5) for p in "Wb"}),
    "confusion_12": lambda: plots.confusion_matrix_plot(np.arange(144).reshape(12, 12) * 37, _names()),
    "confusion_2": lambda: plots.confusion_matrix_plot([[5, 1], [2, 7]], ["Sandstone/Shale", "Shale"]),
    "cv_wells": lambda: plots.cv_well_scores([{"well": f"35/11-1{i} S", "fold": i % 3, "penalty": -0.5 - i / 10}
                                              for i in range(9)], "penalty"),
    "well_track": lambda: well_plots.well_track_plot(
        *(lambda r, d, c, t, p: (d, c, t, p))(*_well()), code_table(), title="35/11-10 S",
        probabilities={int(c): np.full(2000, 1 / 12) for c in force_codes()}),
    "well_track_few_curves": lambda: well_plots.well_track_plot(
        np.arange(100.0), {"GR": np.linspace(0, 200, 100)}, None, np.full(100, 65000.0), code_table()),
    "prediction_track": lambda: well_plots.prediction_track_plot(
        *(lambda r, d, c, t, p: (d, c))(*_well()), np.linspace(80, 300, 2000), np.linspace(90, 290, 2000), "DTS",
        title="35/11-10 S"),
    "section": lambda: plots.section_plot(
        np.random.default_rng(0).normal(size=(30, 50)), np.arange(100, 130), np.arange(50) * 4.0,
        credit="Data: a credit line below the section", label="porosity (v/v)",
        wells=[dict(name="F02-1", crossline=110.0, twt=np.arange(10, 30) * 4.0, values=np.linspace(-3, 3, 20))]),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_text_inside_the_figure(name):
    fig = FIGURES[name]()
    assert texts_outside(fig) == []


@pytest.mark.parametrize("name", ["loss_3", "grad_norms"])
def test_epoch_ticks_are_whole_epochs_and_plots_have_titles(name):
    fig = FIGURES[name]()
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert ax.get_title()


def test_section_credit_clear_of_the_axis_label():
    fig = FIGURES["section"]()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    credit = next(t for t in fig.texts if t.get_text().startswith("Data:")).get_window_extent(renderer)
    label = fig.axes[0].xaxis.label.get_window_extent(renderer)
    assert credit.y1 <= label.y0 + 1


def test_confusion_matrix_has_title_and_axis_names():
    ax = FIGURES["confusion_2"]().axes[0]
    assert ax.get_title() and ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
