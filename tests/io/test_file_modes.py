"""Every output file gets ``0o666 & ~umask`` (0644 under umask 022), like ``open(path, "w")``,
not the 0600 of the temporary file it was written to; new directories ``0o777 & ~umask``."""

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FIXTURE_LAS = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "las20.las"


@pytest.fixture(params=[0o022, 0o027, 0o077])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_current_umask_reads_without_changing(umask):
    from geonet.atomic import current_umask, file_mode

    assert current_umask() == umask
    assert file_mode() == 0o666 & ~umask
    assert current_umask() == umask  # unchanged by reading it


def test_text_and_directories(tmp_path, umask):
    from geonet.atomic import write_text_atomic

    out = tmp_path / "new" / "deeper" / "a.txt"
    write_text_atomic(out, "x")
    assert mode(out) == 0o666 & ~umask
    assert mode(out.parent) == 0o777 & ~umask
    assert [p.name for p in out.parent.iterdir()] == ["a.txt"]  # no temporary file left


def test_las_png_tables_model_grid_segy(tmp_path, umask):
    from geonet.features.table import write_feature_table
    from geonet.io.grid import predict_grid
    from geonet.io.las_write import write_las_with_curves
    from geonet.nn.network import Network
    from geonet.nn.serialize import save_network
    from geonet.tracking.plots import loss_curves, save_figure

    outputs = [
        write_las_with_curves(FIXTURE_LAS, tmp_path / "o.las", {"X": (np.arange(5.0), "v/v", "x")}),
        save_figure(loss_curves({"train_loss": [1.0, 0.5]}), tmp_path / "loss.png"),
    ]
    df = pd.DataFrame({"WELL": ["A", "A"], "DEPTH_M": [1.0, 2.0], "GR": [50.0, 60.0]})
    outputs.append(write_feature_table(df, tmp_path / "t.parquet", {"k": 1}))
    outputs.append(write_feature_table(df, tmp_path / "t.csv", {"k": 1}, fmt="csv"))
    outputs.append(tmp_path / "t.csv.meta.json")
    model_dir = save_network(Network([2, 3, 2], rng=np.random.default_rng(0)), tmp_path / "model")
    outputs += [model_dir / "network.npz", model_dir / "network.json"]

    import xarray as xr

    grid = xr.Dataset({"gr": (("x", "depth"), np.ones((2, 3)))}, coords={"x": [0.0, 1.0], "depth": [1.0, 2.0, 3.0]})
    grid.to_netcdf(tmp_path / "g.nc", engine="h5netcdf")
    outputs.append(predict_grid(tmp_path / "g.nc", tmp_path / "p.nc", lambda b: {"P": b["GR"].to_numpy()}))

    from segy_synthetic import write_segy

    from geonet.io.segy import write_segy_like

    cube = np.ones((2, 3, 5), dtype=np.float32)
    src = write_segy(tmp_path / "src.sgy", cube, ilines=[1, 2], xlines=[10, 11, 12])
    outputs.append(write_segy_like(src, tmp_path / "out.sgy", cube * 2, [1, 2], [10, 11, 12]))

    for path in outputs:
        assert Path(path).exists(), path
        assert mode(path) == 0o666 & ~umask, f"{Path(path).name}: {oct(mode(path))}"
    assert mode(model_dir) == 0o777 & ~umask
