"""SEG-Y in: header bytes, coordinate scalar, delay, undefined values; through ``geonet ingest``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import h5netcdf
import pytest
import segyio

from segy_synthetic import write_segy

from geonet.errors import GridError
from geonet.io.segy import SegyLayout, read_segy, write_segy_like


def _cube(n_il=2, n_xl=3, n=5):
    return np.arange(n_il * n_xl * n, dtype=np.float32).reshape(n_il, n_xl, n) + 1.0


def test_cube_dims_coordinates_and_times(tmp_path):
    path = write_segy(tmp_path / "c.sgy", _cube(), ilines=[10, 11], xlines=[100, 102, 104], delay_ms=408, dt_ms=4)
    ds = read_segy(path)
    assert ds["AMPLITUDE"].dims == ("INLINE", "CROSSLINE", "TWT")
    assert ds["INLINE"].values.tolist() == [10, 11] and ds["CROSSLINE"].values.tolist() == [100, 102, 104]
    np.testing.assert_allclose(ds["TWT"].values, [408, 412, 416, 420, 424])
    np.testing.assert_allclose(ds["X"].values[1, 2], 600_000 + 25 * 104)  # scalar −100 applied
    np.testing.assert_allclose(ds["Y"].values[1, 2], 6_080_000 + 25 * 11)
    np.testing.assert_array_equal(ds["AMPLITUDE"].values, _cube())


def test_positive_scalar_multiplies_and_other_bytes(tmp_path):
    path = write_segy(tmp_path / "c.sgy", _cube(1, 4), ilines=[7], xlines=[1, 2, 3, 4], scalar=10,
                      bytes_=(9, 21, 73, 77))
    ds = read_segy(path, SegyLayout(inline_byte=9, crossline_byte=21, x_byte=73, y_byte=77, name="AI"))
    assert list(ds.data_vars) == ["AI"] and ds.sizes["INLINE"] == 1 and ds.sizes["CROSSLINE"] == 4
    np.testing.assert_allclose(ds["X"].values[0], 600_000 + 25 * np.arange(1, 5), atol=10)  # stored /10: 10 m steps


def test_undefined_values_are_nan(tmp_path):
    data = _cube(1, 2)
    data[0, 0, :2] = 1e30
    data[0, 1, 4] = -999.25
    path = write_segy(tmp_path / "u.sgy", data, ilines=[1], xlines=[1, 2])
    values = read_segy(path, SegyLayout(nulls=(-999.25,)))["AMPLITUDE"].values
    assert np.isnan(values[0, 0, :2]).all() and np.isnan(values[0, 1, 4])
    assert np.isfinite(values).sum() == data.size - 3


def test_missing_traces_of_an_irregular_cube_are_nan(tmp_path):
    path = write_segy(tmp_path / "c.sgy", _cube(2, 3), ilines=[1, 2], xlines=[10, 11, 12], skip={(2, 11)})
    ds = read_segy(path)
    assert ds.sizes["INLINE"] == 2 and ds.sizes["CROSSLINE"] == 3
    values = ds["AMPLITUDE"].values
    assert np.isnan(values[1, 1]).all() and np.isnan(ds["X"].values[1, 1])
    np.testing.assert_array_equal(values[1, 2], _cube(2, 3)[1, 2])  # the traces after the gap in place


def test_predict_on_segy_writes_netcdf_and_segy(tmp_path):
    from geonet.features.grids import predict_grid  # noqa: F401 - the path predict uses
    from geonet.spec import TrainSpec
    from geonet.train.fitting import fit_model
    from geonet.workflows.predict import predict

    rng = np.random.default_rng(0)
    amp = rng.normal(size=400)
    table = pd.DataFrame({"WELL": np.repeat(["A", "B"], 200), "DEPTH_M": np.tile(np.arange(200.0), 2),
                          "AMPLITUDE": amp, "TARGET": 2 * amp})
    spec = TrainSpec.from_options(dict(target="TARGET", features=["AMPLITUDE"], context=0, context_windows=[],
                                       hidden=[4], epochs=3, ensemble=1, val_wells=["B"]))
    fit_model(table, spec).model.save(tmp_path / "model")
    src = write_segy(tmp_path / "line.sgy", _cube(1, 3), ilines=[5], xlines=[1, 2, 3], delay_ms=100)
    result = predict(str(tmp_path / "model"), [src], tmp_path / "out")
    assert {p.name for p in result.outputs} == {"line_geonet.nc", "line_geonet.sgy"}
    back = read_segy(tmp_path / "out" / "line_geonet.sgy")
    np.testing.assert_allclose(back["TWT"].values, read_segy(src)["TWT"].values)
    assert np.isfinite(back["AMPLITUDE"].values).all()
    # where the outputs came from: NetCDF global attributes, SEG-Y textual header lines C36-C38
    with h5netcdf.File(tmp_path / "out" / "line_geonet.nc", "r") as f:
        attrs = dict(f.attrs)
    assert attrs["geonet_model"] == str(tmp_path / "model") and attrs["geonet_source"] == str(src)
    assert attrs["geonet_version"] and attrs["geonet_date"].endswith("Z") and attrs["geonet_run_id"] == ""
    with segyio.open(tmp_path / "out" / "line_geonet.sgy", ignore_geometry=True) as f, \
            segyio.open(src, ignore_geometry=True) as s:
        text, source_text = bytes(f.text[0]), bytes(s.text[0])
    lines = [text[80 * i:80 * (i + 1)].decode("latin-1").rstrip() for i in range(40)]
    assert lines[35].startswith("C36 GEONET PREDICTION TARGET_PRED") and lines[36] == f"C37 MODEL {tmp_path / 'model'}"[:80]
    assert lines[37] == "C38 MLFLOW RUN none (a local model directory)"
    assert text[:80 * 35] == source_text[:80 * 35] and text[80 * 39:] == source_text[80 * 39:]  # the rest kept


def test_text_lines_replace_c36_to_c39_only():
    from geonet.io.segy import with_text_lines

    header = b"".join(f"C{i + 1:2d} source line {i + 1}".ljust(80).encode() for i in range(40))
    out = with_text_lines(header, ("first", "é" + "x" * 100))
    assert len(out) == 3200 and out[:80 * 35] == header[:80 * 35] and out[80 * 37:] == header[80 * 37:]
    assert out[80 * 35:80 * 36].rstrip() == b"C36 first"
    assert out[80 * 36:80 * 37] == ("C37 ?" + "x" * 75).encode()  # cut to 80 characters, ASCII
    with pytest.raises(ValueError, match="at most 4"):
        with_text_lines(header, ("a",) * 5)


def test_duplicate_positions_refused(tmp_path):
    path = write_segy(tmp_path / "d.sgy", _cube(1, 2), ilines=[1], xlines=[5, 5])
    with pytest.raises(GridError, match="share an"):
        read_segy(path)


def test_not_segy_is_one_line(tmp_path):
    bad = tmp_path / "bad.sgy"
    bad.write_bytes(b"hello")
    with pytest.raises(GridError, match="bad.sgy"):
        read_segy(bad)


def test_write_like_copies_headers_and_nan_round_trips(tmp_path):
    src = write_segy(tmp_path / "s.sgy", _cube(), ilines=[10, 11], xlines=[100, 102, 104], delay_ms=100)
    values = _cube() * 2
    values[1, 1, 3] = np.nan
    out = write_segy_like(src, tmp_path / "o.sgy", values, [10, 11], [100, 102, 104])
    back = read_segy(out)
    a, b = read_segy(src), back
    np.testing.assert_allclose(b["X"].values, a["X"].values)
    np.testing.assert_allclose(b["TWT"].values, a["TWT"].values)
    assert np.isnan(b["AMPLITUDE"].values[1, 1, 3])
    np.testing.assert_allclose(np.nan_to_num(b["AMPLITUDE"].values), np.nan_to_num(values))


def test_ingest_segy_gives_rows_per_sample_with_xy(tmp_path):
    from geonet.features.ingest import ingest

    path = write_segy(tmp_path / "c.sgy", _cube(), ilines=[10, 11], xlines=[100, 102, 104], delay_ms=8)
    report = ingest([path], tmp_path / "t.parquet", segy_name="AI")
    df = pd.read_parquet(tmp_path / "t.parquet")
    assert report.rows == 2 * 3 * 5
    assert list(df.columns) == ["INLINE", "CROSSLINE", "TWT", "X", "Y", "AI"]
    row = df[(df.INLINE == 11) & (df.CROSSLINE == 102) & (df.TWT == 16)]
    assert len(row) == 1 and row["AI"].iloc[0] == pytest.approx(_cube()[1, 1, 2])
    assert row["X"].iloc[0] == pytest.approx(600_000 + 25 * 102)


def test_cli_ingest_segy_with_byte_options(tmp_path):
    from typer.testing import CliRunner

    from geonet.cli.app import app

    path = write_segy(tmp_path / "c.sgy", _cube(1, 2), ilines=[3], xlines=[1, 2], bytes_=(9, 21, 181, 185))
    out = tmp_path / "t.parquet"
    res = CliRunner().invoke(app, ["ingest", str(path), "--out", str(out), "--segy-inline-byte", "9",
                                   "--segy-crossline-byte", "21"])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(out)
    assert sorted(df["CROSSLINE"].unique()) == [1, 2] and (df["INLINE"] == 3).all()


def test_large_cubes_are_read_lazily_with_the_same_values(tmp_path):
    data = _cube(3, 4, 6)
    path = write_segy(tmp_path / "c.sgy", data, ilines=[1, 2, 3], xlines=[1, 2, 3, 4], skip={(2, 3)})
    eager = read_segy(path)["AMPLITUDE"].values
    lazy = read_segy(path, max_eager_mb=0)["AMPLITUDE"]
    assert lazy.chunks is not None  # dask-backed: nothing read yet
    np.testing.assert_array_equal(lazy.values, eager)
    np.testing.assert_array_equal(lazy.isel(INLINE=slice(1, 3), CROSSLINE=[0, 2], TWT=slice(2, 5)).values,
                                  eager[1:3][:, [0, 2], 2:5])
    assert np.isnan(eager[1, 2]).all()
