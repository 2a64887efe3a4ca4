import numpy as np
import pytest

from geonet.train.lithology import code_table, force_codes
from geonet.tracking import plots


def _assert_png(fig, path):
    out = plots.save_figure(fig, path)
    assert out == path and path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(path.parent.glob(".*"))  # no temporary file left behind


def test_loss_and_grad_norm_curves(tmp_path):
    fig = plots.loss_curves({"train_loss": [1.0, 0.5, 0.3], "val_loss": [None, 0.6, 0.4]})
    assert len(fig.axes[0].lines) == 2
    _assert_png(fig, tmp_path / "loss.png")
    fig = plots.grad_norm_curves({"W1": [1.0, 0.1, 0.01], "b1": [0.5, 0.05, 0.005]})
    assert fig.axes[0].get_yscale() == "log"
    _assert_png(fig, tmp_path / "sub" / "grad.png")


def test_confusion_matrix_plot(tmp_path):
    cm = [[5, 1, 0], [0, 3, 0], [0, 0, 0]]
    fig = plots.confusion_matrix_plot(cm, ["Sandstone", "Shale", "Coal"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(texts) == ["1", "3", "5"]
    image = fig.axes[0].images[0].get_array()
    assert image[0, 0] == pytest.approx(5 / 6) and image[2, 2] == 0  # empty row stays 0
    _assert_png(fig, tmp_path / "cm.png")


def test_well_track_plot(tmp_path):
    rng = np.random.default_rng(0)
    depth = np.arange(1000.0, 1100.0, 0.152)
    n = depth.size
    curves = {
        "RDEP": np.exp(rng.normal(size=n)),
        "GR": rng.uniform(20, 150, n),
        "RHOB": rng.uniform(2.0, 2.7, n),
        "CALI": rng.uniform(8, 12, n),
    }
    codes = np.array(force_codes(), dtype=float)
    true = codes[rng.integers(0, 4, n)]
    true[:10] = np.nan  # unlabelled
    pred = codes[rng.integers(0, 3, n)]
    fig = plots.well_track_plot(depth, curves, true, pred, code_table(), "WELL 15/9-13")
    axes = fig.axes
    assert [a.get_xlabel() for a in axes] == ["GR", "RHOB", "RDEP", "CALI", "true", "predicted"]
    assert axes[2].get_xscale() == "log"
    low, high = axes[0].get_ylim()
    assert low > high  # depth increases downwards
    legend_names = {t.get_text() for t in fig.legends[0].get_texts()}
    assert legend_names == {"Sandstone", "Sandstone/Shale", "Shale", "Marl"}
    _assert_png(fig, tmp_path / "well.png")


def test_prediction_track_plot(tmp_path):
    depth = np.linspace(2000, 2100, 300)
    curves = {"GR": np.linspace(20, 120, 300), "RHOB": np.full(300, 2.4)}
    dts = np.linspace(150, 200, 300)
    fig = plots.prediction_track_plot(depth, curves, dts, dts + 3, "DTS")
    assert fig.axes[-1].get_xlabel() == "DTS" and len(fig.axes[-1].lines) == 2
    _assert_png(fig, tmp_path / "dts.png")
