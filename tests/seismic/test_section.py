"""Predict across the grid: NetCDF and SEG-Y (source headers) agree, the picture is written, and the
predicted trace at the tied well follows its log."""

from __future__ import annotations

import json

import numpy as np
import segyio
import pandas as pd
import pytest

from segy_synthetic import write_tie_fixture

from geonet.spec import TieSpec, TrainSpec

TRAIN = dict(target="PHIE", features=["AI_SMOOTH", "TWT"], context=0, context_windows=[], missing="drop",
             hidden=[8], epochs=400, patience=0, restore_best=False, ensemble=1, seed=0, val_wells=["W-OFF"])


@pytest.fixture
def tied(tmp_path):
    from geonet.features.ingest import ingest
    from geonet.features.tie_run import run_tie

    fx = write_tie_fixture(tmp_path / "data")
    ingest([fx["las"]], tmp_path / "wells.parquet")
    spec = TieSpec.from_options(dict(segy_names=["AMPLITUDE", "AI"], time_depth=str(fx["time_depth"]), smooth_ms=12))
    run_tie([fx["amp"], fx["ai"]], tmp_path / "wells.parquet", tmp_path / "tie.parquet", spec, grid_out=tmp_path / "grid.nc")
    return fx


def test_section_outputs_agree_and_score_the_tied_well(tied, tmp_path):
    from geonet.features.table import read_feature_table
    from geonet.io.grid import open_grid
    from geonet.io.segy import read_segy
    from geonet.train.fitting import fit_model
    from geonet.workflows.section import predict_section

    model = fit_model(read_feature_table(tmp_path / "tie.parquet"), TrainSpec.from_options(TRAIN)).model
    model.save(tmp_path / "model")
    result = predict_section(str(tmp_path / "model"), tmp_path / "grid.nc", tmp_path / "out",
                             tie_table=tmp_path / "tie.parquet", credit="test data, CC0")
    names = {p.name for p in result.outputs}
    assert names == {"grid_geonet.nc", "grid_geonet.sgy", "grid_geonet.png", "section_scores.json"}
    nc = open_grid(tmp_path / "out" / "grid_geonet.nc")["PHIE_PRED"].transpose("INLINE", "CROSSLINE", "TWT").values
    sgy = read_segy(tmp_path / "out" / "grid_geonet.sgy")
    np.testing.assert_allclose(sgy["AMPLITUDE"].values, nc, rtol=1e-6, equal_nan=True)  # float32 in SEG-Y
    src = read_segy(tied["amp"])
    np.testing.assert_allclose(sgy["X"].values, src["X"].values)  # the source's headers
    assert open_grid(tmp_path / "out" / "grid_geonet.nc").attrs["geonet_source"] == str(tmp_path / "grid.nc")
    with segyio.open(tmp_path / "out" / "grid_geonet.sgy", ignore_geometry=True) as f:
        assert bytes(f.text[0])[80 * 35:80 * 36].startswith(b"C36 GEONET PREDICTION PHIE_PRED")
    scores = json.loads((tmp_path / "out" / "section_scores.json").read_text())["wells"]
    assert set(scores) == {"W-ON"} and scores["W-ON"]["corr"] > 0.8 and scores["W-ON"]["n"] > 50


def test_section_plot_draws_wells_and_credit():
    from geonet.tracking.plots import section_plot

    values = np.random.default_rng(0).normal(size=(30, 50))
    fig = section_plot(values, np.arange(100, 130), np.arange(50) * 4.0, credit="credit line here",
                       wells=[dict(name="W", crossline=110.0, twt=np.arange(10, 30) * 4.0, values=np.linspace(-3, 3, 20))])
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for t in fig.axes[0].texts]
    assert "credit line here" in texts and "W" in texts
    assert len(fig.axes[0].images) == 2  # the section and the well's strip


@pytest.mark.slow
def test_pipeline_with_tie_cv_train_section(tied, tmp_path, tracking_uri):
    from typer.testing import CliRunner

    from geonet.cli.app import app

    steps = f'''
[pipeline]
name = "seis"
experiment = "seis"

[[steps]]
kind = "ingest"
name = "wells"
inputs = ["{tied['las']}"]
out = "wells2.parquet"

[[steps]]
kind = "tie"
name = "tie"
seismic = ["{tied['amp']}", "{tied['ai']}"]
segy_names = ["AMPLITUDE", "AI"]
wells = "@wells.out_path"
time_depth = "{tied['time_depth']}"
smooth_ms = 12.0
out = "tie2.parquet"
grid_out = "grid2.nc"

[[steps]]
kind = "cv"
name = "lowo"
table = "@tie.out_path"
folds = 0
{chr(10).join(f"{k} = {json.dumps(v)}" for k, v in TRAIN.items() if k != "val_wells")}

[[steps]]
kind = "train"
name = "train"
table = "@tie.out_path"
{chr(10).join(f"{k} = {json.dumps(v)}" for k, v in TRAIN.items())}

[[steps]]
kind = "section"
name = "section"
model = "@train.model_uri"
grid = "@tie.grid_path"
tie_table = "@tie.out_path"
out_dir = "section"
'''
    pipe = tmp_path / "seis.toml"
    pipe.write_text(steps)
    res = CliRunner().invoke(app, ["run", str(pipe)])
    assert res.exit_code == 0, res.output
    assert "cv over 2 folds" in res.output and "W-ON: correlation" in res.output
    assert (tmp_path / "section" / "grid2_geonet.sgy").exists()


def test_a_grid_too_big_to_read_at_once_gives_the_same_tie_grid_and_section(tmp_path, monkeypatch):
    """SEG-Y files over EAGER_MB are read lazily (dask blocks of whole inlines): the attributes are
    derived block by block, the tie reads only the wells' traces, and section writes the SEG-Y one
    inline at a time; every output equals the one made with the files read at once."""
    import xarray as xr

    from geonet.features.ingest import ingest
    from geonet.features.table import read_feature_table
    from geonet.features.tie_run import run_tie
    from geonet.features import seismic
    from geonet.io import segy
    from geonet.io.segy import read_segy
    from geonet.train.fitting import fit_model
    from geonet.workflows.section import predict_section

    tied = write_tie_fixture(tmp_path / "data", n_il=3)
    ingest([tied["las"]], tmp_path / "wells.parquet")
    spec = TieSpec.from_options(dict(segy_names=["AMPLITUDE", "AI"], time_depth=str(tied["time_depth"]), smooth_ms=12))
    run_tie([tied["amp"], tied["ai"]], tmp_path / "wells.parquet", tmp_path / "tie.parquet", spec, grid_out=tmp_path / "grid.nc")
    monkeypatch.setattr(segy, "EAGER_MB", 0.0)
    monkeypatch.setattr(segy, "BLOCK_MB", 0.001)  # one inline a block read
    monkeypatch.setattr(seismic, "ATTRIBUTE_BLOCK_MB", 0.003)  # attributes on blocks of 7 traces
    run_tie([tied["amp"], tied["ai"]], tmp_path / "wells.parquet", tmp_path / "tie_lazy.parquet", spec,
            grid_out=tmp_path / "grid_lazy.nc")
    lazy = read_segy(tied["amp"])["AMPLITUDE"]
    assert lazy.chunks is not None and len(lazy.chunks[0]) == 3  # three blocks of one inline
    pd.testing.assert_frame_equal(read_feature_table(tmp_path / "tie_lazy.parquet"),
                                  read_feature_table(tmp_path / "tie.parquet"), check_exact=False, rtol=1e-6)
    with xr.open_dataset(tmp_path / "grid_lazy.nc", engine="h5netcdf") as a, \
            xr.open_dataset(tmp_path / "grid.nc", engine="h5netcdf") as b:
        assert sorted(a.data_vars) == sorted(b.data_vars) and len(a.data_vars) >= 5
        for v in b.data_vars:
            np.testing.assert_allclose(a[v].values, b[v].values, rtol=1e-6, atol=1e-6, equal_nan=True)

    model = fit_model(read_feature_table(tmp_path / "tie.parquet"), TrainSpec.from_options(TRAIN)).model
    model.save(tmp_path / "model")
    eager = predict_section(str(tmp_path / "model"), tmp_path / "grid.nc", tmp_path / "out_eager",
                            tie_table=tmp_path / "tie.parquet", plots=False)
    again = predict_section(str(tmp_path / "model"), tmp_path / "grid_lazy.nc", tmp_path / "out_lazy",
                            tie_table=tmp_path / "tie_lazy.parquet", plots=False)
    assert again.scores.keys() == eager.scores.keys() and again.scores
    for well in eager.scores:
        assert again.scores[well]["corr"] == pytest.approx(eager.scores[well]["corr"], rel=1e-6)
    a = read_segy(tmp_path / "out_lazy" / "grid_lazy_geonet.sgy")["AMPLITUDE"].values
    b = read_segy(tmp_path / "out_eager" / "grid_geonet.sgy")["AMPLITUDE"].values
    np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("block_mb", [0.0005, 0.003, 0.05, 8.0])  # 1 trace, 7 traces, 2 inlines, all
@pytest.mark.parametrize("lazy", [False, True])
def test_block_attributes_equal_the_attributes_of_the_whole_grid(block_mb, lazy, monkeypatch):
    import dask.array as da

    from geonet.features import seismic
    from geonet.features.seismic import AttributeRecipe, block_attributes

    rng = np.random.default_rng(1)
    amp, ai = rng.normal(size=(5, 13, 64)), 4e6 + rng.normal(0, 1e5, size=(5, 13, 64))
    amp[1, 2, 10:20] = np.nan
    recipe = AttributeRecipe(smooth_ms=12)
    whole = recipe.apply({"AMPLITUDE": amp, "AI": ai}, 4.0)
    monkeypatch.setattr(seismic, "ATTRIBUTE_BLOCK_MB", block_mb)
    values = {"AMPLITUDE": amp, "AI": ai}
    if lazy:
        values = {k: da.from_array(v, chunks=(2, -1, -1)) for k, v in values.items()}
    blocks = block_attributes(values, 4.0, recipe)
    assert set(blocks) == set(whole) == {"ENVELOPE", "INST_PHASE", "INST_FREQ", "AI_SMOOTH"}
    for k in whole:
        got = np.asarray(blocks[k])
        assert got.dtype == np.float32 and got.shape == amp.shape
        np.testing.assert_allclose(got, whole[k].astype(np.float32), rtol=1e-6, atol=1e-6, equal_nan=True)
