import numpy as np
import pytest

from geonet.train.lithology import code_table, force_codes
from geonet.tracking import plots, well_plots


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


def _random_well(n_m=100.0, seed=0):
    rng = np.random.default_rng(seed)
    depth = np.arange(1000.0, 1000.0 + n_m, 0.152)
    n = depth.size
    curves = {
        "RDEP": np.exp(rng.normal(size=n)),
        "GR": rng.uniform(20, 150, n),
        "RHOB": rng.uniform(2.0, 2.7, n),
        "NPHI": rng.uniform(0.05, 0.5, n),
        "CALI": rng.uniform(8, 12, n),
    }
    return rng, depth, curves


def _header_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_well_track_plot(tmp_path):
    rng, depth, curves = _random_well()
    n = depth.size
    curves["GR"][5] = 300.0  # a spike: clipped to the edge, never rescales the track
    codes = np.array(force_codes(), dtype=float)
    true = codes[rng.integers(0, 4, n)]
    true[:10] = np.nan  # unlabelled
    pred = codes[rng.integers(0, 3, n)]
    probs = {int(c): np.full(n, 1 / 3) for c in codes[:3]}
    fig = well_plots.well_track_plot(depth, curves, true, pred, code_table(), "WELL 15/9-13", probabilities=probs)
    axes = fig.axes
    # tracks: GR+CALI, resistivity, density-neutron, then true, predicted, probability
    assert len(axes) == 6
    assert {"GR", "0", "150", "gAPI", "CALI", "in"} <= set(_header_texts(axes[0]))
    assert {"RDEP", "0.2", "2000", "ohm.m"} <= set(_header_texts(axes[1]))
    assert {"RHOB", "1.95", "2.95", "g/cm3", "NPHI", "0.45", "-0.15", "v/v"} <= set(_header_texts(axes[2]))
    def curve_lines(ax):
        return [line for line in ax.lines if len(line.get_xdata()) == n]

    gr, gr_backup = (line.get_xdata() for line in curve_lines(axes[0])[:2])
    assert np.nanmax(gr) == 1.0 and gr[5] == 1.0  # 300 gAPI clipped at the right edge (150)
    assert gr_backup[5] == 1.0 and np.isnan(gr_backup[6])  # and drawn on the backup trace
    assert gr[6] == pytest.approx(curves["GR"][6] / 150)
    nphi = next(line for line in curve_lines(axes[2]) if line.get_linestyle() == "--").get_xdata()
    np.testing.assert_allclose(nphi, np.clip((0.45 - curves["NPHI"]) / 0.6, 0, 1))  # reversed: 0.45 left, -0.15 right
    low, high = axes[0].get_ylim()
    assert low > high  # depth increases downwards
    assert "true" in _header_texts(axes[3]) and "predicted" in _header_texts(axes[4])
    assert "class probability" in _header_texts(axes[5])
    legend_names = {t.get_text() for t in fig.legends[0].get_texts()}
    assert legend_names == {"Sandstone", "Sandstone/Shale", "Shale", "Marl"}
    _assert_png(fig, tmp_path / "well.png")


def test_log_scale_positions():
    _, scales = well_plots.log_scales()
    np.testing.assert_allclose(scales["RDEP"].position([0.2, 2.0, 2000.0, 1e6, 0.0]), [0, 0.25, 1, 1, np.nan])
    np.testing.assert_allclose(scales["DTC"].position([140.0, 90.0, 40.0, 10.0]), [0, 0.5, 1, 1])
    np.testing.assert_allclose(scales["RHOB"].position([1.95, 2.45, 2.95, np.nan]), [0, 0.5, 1, np.nan])
    # backup trace: off-scale values one scale-width over, on-scale ones absent
    np.testing.assert_allclose(scales["GR"].backup_position([75.0, 225.0, 400.0, -30.0]), [np.nan, 0.5, 1, 0.8])
    np.testing.assert_allclose(scales["DTC"].backup_position([90.0, 190.0]), [np.nan, 0.5])  # 240 → 140 over the track


def test_force_colours_tell_classes_apart():
    from matplotlib.colors import to_rgb

    table = code_table()
    colour = {lith.name: np.array(to_rgb(lith.colour)) for lith in table.values()}
    assert np.linalg.norm(colour["Sandstone"] - colour["Sandstone/Shale"]) > 0.3
    assert np.linalg.norm(colour["Sandstone/Shale"] - colour["Shale"]) > 0.3
    same = [(a.name, b.name) for a in table.values() for b in table.values()
            if a.code < b.code and a.colour == b.colour and a.hatch == b.hatch]
    assert same == []  # classes sharing a colour differ by hatch


def test_prediction_track_plot(tmp_path):
    depth = np.linspace(2000, 2100, 300)
    curves = {"GR": np.linspace(20, 120, 300), "RHOB": np.full(300, 2.4)}
    dts = np.linspace(150, 200, 300)
    fig = well_plots.prediction_track_plot(depth, curves, dts, dts + 3, "DTS")
    texts = _header_texts(fig.axes[-1])
    assert {"DTS measured", "DTS predicted", "240", "40", "us/ft"} <= set(texts)
    assert len([line for line in fig.axes[-1].lines if len(line.get_xdata()) == 300]) == 2
    _assert_png(fig, tmp_path / "dts.png")
