"""Every LAS quirk that lasio reads is ingested, with one note per repair (issue 9); one fixture each."""

import numpy as np
import pandas as pd
import pytest

from geonet.errors import LASError
from geonet.features.loaders import load_well

from .lasgen import las, write


def notes(df):
    return df.attrs["geonet"]["notes"]


def test_las30_log_definition_and_log_data_sections(tmp_path):
    text = """~Version
VERS.  3.0 : CWLS LOG ASCII STANDARD - VERSION 3.0
WRAP.  NO  : One Line per depth step
DLM .  SPACE : delimiter
~Well
STRT.M  1500.0 :
STOP.M  1500.5 :
NULL.   -999.25 :
WELL.   L3 : WELL
~Log_Parameter
BS .MM 200 : bit size
~Log_Definition
DEPT.M   : Depth
GR  .gAPI : Gamma ray
~Log_Data | Log_Definition
1500.00  45.0
1500.25  50.0
1500.50  -999.25
~Other_Information
free text
"""
    df = load_well(write(tmp_path, "l3.las", text))
    assert df["DEPTH_M"].tolist() == [1500.0, 1500.25, 1500.5]
    assert df["GR"].tolist()[:2] == [45.0, 50.0] and np.isnan(df["GR"].iloc[2])


def test_las30_comma_delimited(tmp_path):
    text = las("1000.0, 45.0, 2.1\n1000.5, 46.0, 2.2\n", vers="3.0", extra_header="").replace(
        " WRAP.   NO  : one line per depth step\n", " WRAP.   NO  : one line\n DLM .  COMMA : delimiter\n")
    df = load_well(write(tmp_path, "c.las", text))
    assert df["GR"].tolist() == [45.0, 46.0] and df["RHOB"].tolist() == [2.1, 2.2]


def test_short_rows_padded_and_long_rows_cut(tmp_path):
    df = load_well(write(tmp_path, "r.las", las("1000.0 45 2.1\n1000.5 46\n1001.0 47 2.3 99 98\n")))
    assert df["GR"].tolist() == [45.0, 46.0, 47.0]
    assert np.isnan(df["RHOB"].iloc[1]) and df["RHOB"].iloc[2] == 2.3
    assert any("padded with nulls (first: line 16)" in n for n in notes(df))
    assert any("cut to 3 (first: line 17)" in n for n in notes(df))


def test_spliced_runs_sorted_duplicates_dropped_first_kept(tmp_path):
    rows = "1000.0 10 2.0\n1000.5 11 2.1\n1000.5 11 2.1\n1000.25 12 2.2\n1000.5 13 2.3\n"
    df = load_well(write(tmp_path, "s.las", las(rows)))
    assert df["DEPTH_M"].tolist() == [1000.0, 1000.25, 1000.5]
    assert df["GR"].tolist() == [10.0, 12.0, 11.0]  # 1000.5: the first in the file is kept
    text = " | ".join(notes(df))
    assert "line 18: depth 1000.25 m after 1000.5 m is out of order: rows sorted by depth" in text
    assert "1 exact duplicate row(s) dropped" in text and "1 row(s) repeating a depth" in text


def test_repeated_depth_mean_rule(tmp_path):
    from geonet.features.loaders import LoadOptions

    df = load_well(write(tmp_path, "m.las", las("1000.0 10 2.0\n1000.0 20 2.2\n1000.5 30 2.4\n")),
                   options=LoadOptions(duplicates="mean"))
    assert df["GR"].tolist() == [15.0, 30.0] and df["RHOB"].iloc[0] == pytest.approx(2.1)


def test_index_going_negative_is_sorted(tmp_path):
    df = load_well(write(tmp_path, "n.las", las("1.0 10 2.0\n0.0 11 2.1\n-1.0 12 2.2\n2.0 13 2.3\n")))
    assert df["DEPTH_M"].tolist() == [-1.0, 0.0, 1.0, 2.0] and df["GR"].tolist() == [12.0, 11.0, 10.0, 13.0]


def test_decreasing_depth_is_kept_as_it_is(tmp_path):
    df = load_well(write(tmp_path, "d.las", las("1001.0 10 2.0\n1000.5 11 2.1\n1000.0 12 2.2\n")))
    assert df["DEPTH_M"].tolist() == [1001.0, 1000.5, 1000.0] and notes(df) == []


def test_null_words_become_nan_with_a_note(tmp_path):
    rows = "1000.0 (null) 2.0\n1000.5 ERR 2.1\n1001.0 - 2.2\n1001.5 40 #N/A\n1002.0 41 2.4\n"
    df = load_well(write(tmp_path, "w.las", las(rows)))
    assert df["GR"].isna().tolist() == [True, True, True, False, False]
    assert np.isnan(df["RHOB"].iloc[3]) and df["RHOB"].iloc[4] == 2.4
    assert any("curve GR: 3 null word(s)" in n for n in notes(df))


def test_stray_text_cell_nulled_and_text_column_kept(tmp_path):
    curves = (("DEPT", "M"), ("GR", "gAPI"), ("TIME", ""), ("FM", ""))
    rows = "1000.0 45 12:34:56 Brent\n1000.5 oops 12:35:00 Brent\n1001.0 47 12:35:10 Ness\n1001.5 48 12:35:20 Ness\n"
    df = load_well(write(tmp_path, "t.las", las(rows, curves)))
    assert np.isnan(df["GR"].iloc[1]) and df["GR"].iloc[2] == 47.0
    assert isinstance(df["FM"].dtype, pd.CategoricalDtype) and df["FM"].tolist() == ["Brent", "Brent", "Ness", "Ness"]
    assert df["TIME"].tolist()[0] == "12:34:56"
    assert any("curve GR: 1 non-numeric value(s) read as nulls (first: line 17, 'oops')" in n for n in notes(df))


def test_comma_decimal_marks(tmp_path):
    df = load_well(write(tmp_path, "k.las", las("1000,0 45,5 2,1\n1000,5 46,25 2,2\n")))
    assert df["DEPTH_M"].tolist() == [1000.0, 1000.5] and df["GR"].tolist() == [45.5, 46.25]
    assert any("comma decimal" in n for n in notes(df))


def test_comma_decimal_declared_in_header(tmp_path):
    text = las("1000.0 45,5 2.1\n1000.5 46,25 2.2\n", extra_header=" DECI.   , : decimal mark\n")
    df = load_well(write(tmp_path, "k2.las", text))
    assert df["GR"].tolist() == [45.5, 46.25] and df["RHOB"].tolist() == [2.1, 2.2]


def test_no_curve_section_curves_recovered(tmp_path):
    text = las("1000.0 45 2.1\n1000.5 46 2.2\n").split("~Curve")[0] + "~A DEPT GR RHOB\n1000.0 45 2.1\n1000.5 46 2.2\n"
    df = load_well(write(tmp_path, "nc.las", text))
    assert list(df.columns) == ["WELL", "DEPTH_M", "GR", "RHOB"] and df["RHOB"].tolist() == [2.1, 2.2]
    text = las("").split("~Curve")[0] + "~A\n1000.0 45 2.1\n1000.5 46 2.2\n"
    df = load_well(write(tmp_path, "nc2.las", text))
    assert df["CURVE_2"].tolist() == [45.0, 46.0] and any("no ~Curve section" in n for n in notes(df))


@pytest.mark.parametrize("bad_depth", ["-999.25", "-inf", "nan", "inf"])
def test_null_or_infinite_depth_rows_dropped(tmp_path, bad_depth):
    df = load_well(write(tmp_path, "z.las", las(f"1000.0 45 2.1\n{bad_depth} 46 2.2\n1000.5 47 2.3\n")))
    assert df["DEPTH_M"].tolist() == [1000.0, 1000.5] and df["GR"].tolist() == [45.0, 47.0]
    assert any("non-finite depth dropped (first: line 16)" in n for n in notes(df))


def test_depth_only_file_is_refused_in_one_line(tmp_path):
    with pytest.raises(LASError, match=r"d\.las: holds only the depth curve DEPT"):
        load_well(write(tmp_path, "d.las", las("1000.0\n1000.5\n", (("DEPT", "M"),))))


def test_time_indexed_log_is_refused(tmp_path):
    with pytest.raises(LASError, match="time-indexed log"):
        load_well(write(tmp_path, "t.las", las("0 45 2.1\n1 46 2.2\n", (("TIME", "S"), ("GR", "gAPI"), ("RHOB", "g/cm3")), du="S")))


def test_unknown_depth_unit_refused_and_russian_metre_known(tmp_path):
    with pytest.raises(LASError, match="depth unit 'furlong'"):
        load_well(write(tmp_path, "u.las", las("0 45 2.1\n", (("DEPT", "furlong"), ("GR", "gAPI"), ("RHOB", "g/cm3")), du="")))
    df = load_well(write(tmp_path, "r.las", las("10 45 2.1\n", (("DEPT", "метер"), ("GR", "gAPI"), ("RHOB", "g/cm3")), du="")))
    assert df["DEPTH_M"].tolist() == [10.0]


def test_header_only_file_is_refused(tmp_path):
    with pytest.raises(LASError, match="no data rows"):
        load_well(write(tmp_path, "h.las", las("")))
