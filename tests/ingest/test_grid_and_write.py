import warnings

import numpy as np
import pandas as pd
import pytest

from geonet.features.ingest import ingest, predict_grid
from geonet.features.table import read_feature_table
from geonet.io.las_write import write_las_with_curves

from .conftest import FIXTURES


def make_grid(seed=0):
    import xarray as xr

    rng = np.random.default_rng(seed)
    x, y, depth = np.arange(4.0), np.arange(10.0, 13.0), np.arange(0.0, 50.0, 10.0)
    gr = rng.normal(60, 10, (4, 3, 5)).astype(np.float32)
    gr[0, 0, 0] = np.nan
    ds = xr.Dataset(
        {"gr": (("x", "y", "depth"), gr, {"units": "gAPI"}),
         "den": (("x", "y", "depth"), rng.normal(2.4, 0.1, (4, 3, 5)), {"units": "g/cm3"})},
        coords={"x": x, "y": y, "depth": ("depth", depth, {"units": "ft"})},
    )
    return ds


def expected_table(ds):
    df = ds.to_dataframe().reset_index()
    return pd.DataFrame({"X": df["x"], "Y": df["y"], "DEPTH_M": df["depth"] * 0.3048,
                         "GR": df["gr"].astype(np.float64), "RHOB": df["den"]})


@pytest.mark.parametrize("store", ["g.nc", "g.zarr"])
def test_grid_to_table_streamed_equals_one_shot(tmp_path, store):
    ds = make_grid()
    path = tmp_path / store
    if store.endswith(".nc"):
        ds.to_netcdf(path, engine="h5netcdf")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds.to_zarr(path)
    one = ingest([path], tmp_path / "one.parquet")
    many = ingest([path], tmp_path / "many.parquet", grid_block_cells=7)  # many small blocks
    want = expected_table(ds)
    for r in (one, many):
        got = read_feature_table(r.out_path)
        assert list(got.columns[:3]) == ["X", "Y", "DEPTH_M"] and set(got.columns) == set(want.columns)
        pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
        assert got.attrs["geonet"]["units"]["DEPTH_M"] == "m"
        assert got.attrs["geonet"]["sources"][0]["mnemonics"]["RHOB"] == "den"
    import pyarrow.parquet as pq

    assert pq.ParquetFile(many.out_path).num_row_groups > 1
    assert one.rows == 60 and sorted(one.curves) == ["GR", "RHOB"]


def test_predict_grid_round_trip(tmp_path):
    import xarray as xr

    ds = make_grid()
    ds.to_netcdf(tmp_path / "g.nc", engine="h5netcdf")

    def predict(df):
        return {"GR2": df["GR"].to_numpy() * 2, "D": df["DEPTH_M"].to_numpy()}

    out = predict_grid(tmp_path / "g.nc", tmp_path / "p.nc", predict, max_cells=7)
    got = xr.open_dataset(out, engine="h5netcdf")
    np.testing.assert_allclose(got["GR2"].values, ds["gr"].values * 2, equal_nan=True)
    np.testing.assert_allclose(got["D"].values[1, 2], ds["depth"].values * 0.3048)
    assert got["GR2"].dims == ("x", "y", "depth") and list(got["y"].values) == [10.0, 11.0, 12.0]
    got.close()


def test_write_las_with_curves_round_trip(tmp_path):
    import lasio

    src = FIXTURES / "las20.las"
    pred = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    out = write_las_with_curves(src, tmp_path / "o.las", {"LITH_PRED": (pred, "code", "predicted lithology")})
    las = lasio.read(str(out))
    np.testing.assert_array_equal(las["LITH_PRED"], pred)
    assert las.curves["LITH_PRED"].unit == "code"
    np.testing.assert_array_equal(las["GR"], lasio.read(str(src))["GR"])
    assert "-999.25" in out.read_text().split("~A")[1]
    assert [p.name for p in tmp_path.iterdir()] == ["o.las"]


def test_write_las_with_curves_wrong_length(tmp_path):
    from geonet.errors import InputError

    with pytest.raises(InputError, match="has 2 values"):
        write_las_with_curves(FIXTURES / "las20.las", tmp_path / "o.las", {"X": (np.ones(2), "", "")})
    assert not (tmp_path / "o.las").exists()
