"""Checkshot tables → time–depth relations → logs averaged to seismic samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geonet.errors import InputError
from geonet.features.timedepth import TimeDepth, logs_in_time, read_time_depth


def test_headerless_seconds_detected_and_named_from_file(tmp_path):
    (tmp_path / "W-1_TD.txt").write_text("30 0\n530 0.5\n1030 0.9\n")
    td = read_time_depth(tmp_path)["W-1"]
    np.testing.assert_allclose(td.twt_ms, [0, 500, 900])
    assert any("read as seconds" in n for n in td.notes)
    np.testing.assert_allclose(td.twt_at(np.array([280.0, 780.0])), [250.0, 700.0])


def test_stated_units_ms_and_feet(tmp_path):
    f = tmp_path / "checkshots.csv"
    f.write_text("WELL,MD (ft),TWT (ms)\nA,0,0\nA,1000,200\nB,0,0\nB,3280.84,1000\n")
    rel = read_time_depth(f)
    assert set(rel) == {"A", "B"}
    np.testing.assert_allclose(rel["A"].md_m, [0, 304.8])
    np.testing.assert_allclose(rel["B"].twt_at(np.array([500.0])), [500.0], rtol=1e-6)
    assert not rel["A"].notes


def test_unsorted_repeated_and_backwards_pairs_cleaned(tmp_path):
    f = tmp_path / "X_checkshot.txt"
    f.write_text("MD TWT_S\n0 0\n500 0.5\n500 0.5\n1500 1.3\n1000 0.9\n1200 0.85\n")
    td = read_time_depth(f)["X"]
    np.testing.assert_allclose(td.md_m, [0, 500, 1000, 1500])
    assert np.all(np.diff(td.twt_ms) > 0)
    assert "1 repeated" in td.notes[0] and "1 pair(s) whose time runs backwards" in td.notes[0]


def test_extrapolates_with_end_velocities():
    td = TimeDepth("W", np.array([100.0, 200.0, 300.0]), np.array([100.0, 200.0, 400.0]))
    np.testing.assert_allclose(td.twt_at(np.array([50.0, 350.0])), [50.0, 500.0])


def test_one_pair_is_refused(tmp_path):
    f = tmp_path / "W_TD.txt"
    f.write_text("0 0\n")
    with pytest.raises(InputError, match="W_TD.txt"):
        read_time_depth(f)


def test_logs_are_averaged_over_each_sample_not_point_sampled():
    # 1 ms per metre: samples every 4 ms hold 4 log samples of 1 m each
    td = TimeDepth("W", np.array([0.0, 1000.0]), np.array([0.0, 1000.0]))
    depth = np.arange(0.0, 40.0, 1.0) + 0.5
    gr = np.where(np.arange(40) % 2 == 0, 10.0, 30.0)  # alternating: a point sample would give 10 or 30
    gr[5] = np.nan
    wells = pd.DataFrame({"WELL": "W", "DEPTH_M": depth, "GR": gr})
    table, notes = logs_in_time(wells, {"W": td}, dt_ms=4.0)
    row = table.set_index("TWT").loc[8.0]  # samples at 6.5 … 9.5 ms
    assert row["GR"] == pytest.approx(20.0)
    assert table.set_index("TWT").loc[4.0, "GR"] == pytest.approx((10 + 10 + 30) / 3)  # NaN at 5.5 m skipped
    assert np.all(np.diff(table["TWT"]) == 4.0) and not notes


def test_a_well_without_relation_gets_a_note():
    td = TimeDepth("A", np.array([0.0, 1000.0]), np.array([0.0, 1000.0]))
    wells = pd.DataFrame({"WELL": ["A", "B"], "DEPTH_M": [10.0, 10.0], "GR": [1.0, 2.0]})
    table, notes = logs_in_time(wells, {"A": td}, dt_ms=4.0)
    assert set(table["WELL"]) == {"A"} and notes == ["well B: no time-depth relation; left out"]
