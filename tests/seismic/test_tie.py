"""The tie: positions, nearest trace, logs in time beside the grid; wells off the grid get a note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segy_synthetic import write_tie_fixture

from geonet.features.attributes import smooth
from geonet.features.tie import read_positions
from geonet.spec import TieSpec


@pytest.fixture
def tied(tmp_path):
    from geonet.features.ingest import ingest
    from geonet.features.tie_run import run_tie

    fx = write_tie_fixture(tmp_path / "f3ish")
    ingest([fx["las"]], tmp_path / "wells.parquet")
    spec = TieSpec.from_options(dict(segy_names=["AMPLITUDE", "AI"], time_depth=str(fx["time_depth"]), smooth_ms=12))
    result = run_tie([fx["amp"], fx["ai"]], tmp_path / "wells.parquet", tmp_path / "tie.parquet", spec,
                     grid_out=tmp_path / "grid.nc")
    return fx, result, pd.read_parquet(tmp_path / "tie.parquet")


def test_positions_from_las_loc_text_and_xy_mnemonics(tmp_path):
    fx = write_tie_fixture(tmp_path)
    pos = read_positions(fx["las"])
    assert pos["W-ON"] == pytest.approx((600_000 + 25 * 5 + 3, 6_080_000 + 25 * 7))
    assert pos["W-OFF"] == pytest.approx((605_000, 6_085_000))


def test_positions_from_track_and_table(tmp_path):
    (tmp_path / "A.track").write_text("606554\t6080126  -30  0\n606554\t6080126 1665 1695\n")
    (tmp_path / "pos.csv").write_text("Well,X,Y\nB,1.5,2.5\n")
    assert read_positions(tmp_path) == {"A": (606554.0, 6080126.0), "B": (1.5, 2.5)}


def test_well_on_the_grid_is_tied_at_its_trace(tied):
    fx, result, table = tied
    on = next(t for t in result.ties if t["well"] == "W-ON")
    assert on["tied"] and on["crossline"] == fx["well_xl"] and on["inline"] == 7 and on["distance_m"] == pytest.approx(3.0, abs=0.1)
    rows = table[table.WELL == "W-ON"].set_index("TWT")
    k = fx["twt"].searchsorted(80.0)
    assert rows.loc[80.0, "AMPLITUDE"] == pytest.approx(fx["amp_cube"][0, fx["well_xl"] - 1, k], rel=1e-5)
    assert rows.loc[80.0, "AI_GRID"] == pytest.approx(fx["ai_cube"][0, fx["well_xl"] - 1, k], rel=1e-5)
    assert rows.loc[80.0, "DEPTH_M"] == pytest.approx(80.0)  # TWT = MD in the fixture
    for c in ("ENVELOPE", "INST_PHASE", "INST_FREQ", "AI_SMOOTH", "AI_SMOOTH_GRID", "TIE_DISTANCE_M"):
        assert c in rows.columns


def test_well_attributes_come_from_the_same_function_as_the_grid(tied):
    _, _, table = tied
    rows = table[table.WELL == "W-ON"].sort_values("TWT")
    np.testing.assert_allclose(rows["AI_SMOOTH"], smooth(rows["AI"].to_numpy(), 4.0, 12.0), rtol=1e-9)
    inner = rows[(rows.TWT > 20) & (rows.TWT < 370)]  # away from the log's ends, log and grid agree
    np.testing.assert_allclose(inner["AI_SMOOTH"], inner["AI_SMOOTH_GRID"], rtol=0.02)


def test_well_off_the_grid_is_a_note_not_an_error(tied):
    _, result, table = tied
    assert any("W-OFF" in n and "beyond the tolerance" in n for n in result.notes)
    off = table[table.WELL == "W-OFF"]
    assert len(off) > 50 and off["AMPLITUDE"].isna().all() and off["AI_SMOOTH"].notna().any()


def test_grid_out_holds_the_attributes(tied, tmp_path):
    from geonet.io.grid import open_grid

    ds = open_grid(tmp_path / "grid.nc")
    assert {"AMPLITUDE", "AI", "ENVELOPE", "INST_PHASE", "INST_FREQ", "AI_SMOOTH"} <= set(ds.data_vars)
    assert ds["X"].dims == ("INLINE", "CROSSLINE")


def test_cli_tie_needs_time_depth(tmp_path):
    from typer.testing import CliRunner

    from geonet.cli.app import app

    res = CliRunner().invoke(app, ["tie", "a.sgy", "--wells", "w.parquet"])
    assert res.exit_code == 2 and "time_depth" in res.output
