"""Users' log tables: well/depth columns by name, units from names, row order repaired (issue 9)."""

import numpy as np
import pandas as pd
import pytest

from geonet.errors import ConfigError, InputError
from geonet.features.ingest import ingest
from geonet.features.loaders import LoadOptions, load_well
from geonet.features.table import read_feature_table
from geonet.features.tabular import find_depth_column, find_well_column, split_unit


@pytest.mark.parametrize("name", ["Well Name", "well_name", "WellName", "UWI", "Well", "WELL"])
def test_well_column_names(name):
    assert find_well_column(["Depth", name, "GR"], "t.csv") == name


@pytest.mark.parametrize("name, unit", [("Depth", ""), ("DEPT", ""), ("MD", ""), ("Depth.ft", "ft"), ("DEPTH_FT", "FT"),
                                        ("MD (ft)", "ft"), ("Depth [m]", "m"), ("DEPTH_M", "M")])
def test_depth_column_names_and_units(name, unit):
    assert find_depth_column(["Well", name, "GR"], "t.csv") == (name, unit)


def test_split_unit_keeps_names_without_units():
    assert split_unit("GR_API") == ("GR_API", "") and split_unit("Depth [m]") == ("Depth", "m")


def facies_table(tmp_path):
    """Like the public facies table: Well Name, Depth in feet (no unit), a text Formation, one well in
    three segments out of order, one exact duplicate row and one repeated depth."""
    rows = [("A1 SH", "SHRIMPLIN", 2793.0, 77.45), ("A1 SH", "SHRIMPLIN", 2793.5, 78.26),
            ("A1 SH", "SHRIMPLIN", 2793.5, 78.26), ("B1 LM", "SHRIMPLIN", 2790.0, 66.0),
            ("B1 LM", "SHRIMPLIN", 2790.5, 70.0), ("B1 LM", "SHRIMPLIN", 2790.5, 72.0),
            ("A1 SH", "NEWBY", 2800.0, 50.0)]
    df = pd.DataFrame(rows, columns=["Formation", "Well Name", "Depth", "GR"])
    df.insert(0, "Facies", [3, 3, 3, 2, 2, 2, 1])
    df.to_csv(tmp_path / "facies.csv", index=False)
    return tmp_path / "facies.csv"


def test_facies_like_table_is_ingested_with_notes(tmp_path):
    df = load_well(facies_table(tmp_path), options=LoadOptions(depth_unit="ft"))
    sh = df[df["WELL"] == "SHRIMPLIN"]
    assert sh["DEPTH_M"].tolist() == pytest.approx([2790.0 * 0.3048, 2790.5 * 0.3048, 2793.0 * 0.3048, 2793.5 * 0.3048])
    assert sh["GR"].tolist() == [66.0, 70.0, 77.45, 78.26]  # sorted; exact duplicate dropped; repeated depth: first kept
    assert isinstance(df["FORMATION"].dtype, pd.CategoricalDtype) and sh["FORMATION"].tolist()[0] == "B1 LM"
    text = " | ".join(df.attrs["geonet"]["notes"])
    assert "well SHRIMPLIN: line 5: depth 850.392 m after 851.459 m is out of order: rows sorted by depth" in text
    assert "well SHRIMPLIN: 1 exact duplicate row(s) dropped" in text and "text columns kept as categories: Formation" in text
    assert "repeating a depth with other values dropped, the first kept (rule: first)" in text


def test_depth_without_unit_assumed_metres_with_a_note(tmp_path):
    df = load_well(facies_table(tmp_path))
    assert df["DEPTH_M"].max() == 2800.0
    assert any("has no unit" in n and "assumed metres" in n for n in df.attrs["geonet"]["notes"])


def test_given_columns_and_mean_rule(tmp_path):
    pd.DataFrame({"hole": ["X", "X", "X"], "z": [10.0, 10.0, 11.0], "GR": [1.0, 3.0, 5.0]}).to_csv(tmp_path / "g.csv", index=False)
    opts = LoadOptions(well_col="hole", depth_col="z", depth_unit="m", duplicates="mean")
    df = load_well(tmp_path / "g.csv", options=opts)
    assert df["DEPTH_M"].tolist() == [10.0, 11.0] and df["GR"].tolist() == [2.0, 5.0]
    with pytest.raises(InputError, match="--well-col 'nope' is not a column"):
        load_well(tmp_path / "g.csv", options=LoadOptions(well_col="nope", depth_col="z"))


def test_ingest_table_with_flags_writes_categories_and_feet(tmp_path):
    r = ingest([facies_table(tmp_path)], tmp_path / "o.parquet", well_col="Well Name", depth_col="Depth", depth_unit="ft")
    df = read_feature_table(r.out_path)
    assert sorted(r.wells) == ["NEWBY", "SHRIMPLIN"] and r.rows == 5
    assert df["DEPTH_M"].min() == pytest.approx(2790.0 * 0.3048)
    assert isinstance(df["FORMATION"].dtype, pd.CategoricalDtype) and df["LITHOLOGY"].dtype == np.float64  # "Facies" is a LITHOLOGY alias


def test_bad_ingest_options_are_refused_before_reading(tmp_path):
    for kwargs, words in [({"depth_unit": "parsec"}, "--depth-unit"), ({"duplicates": "last"}, "--duplicates"),
                          ({"step_m": float("inf")}, "--step-m"), ({"step_m": -1.0}, "--step-m"),
                          ({"max_line_chars": 0}, "--max-line-chars"), ({"format": "xlsx"}, "--format")]:
        with pytest.raises(ConfigError, match=words):
            ingest([tmp_path / "none.csv"], tmp_path / "o.parquet", **kwargs)


def test_null_words_in_a_numeric_column_and_ragged_rows(tmp_path):
    (tmp_path / "m.csv").write_text("WELL,DEPTH_M,GR\nA,1,2\nA,2,ERR\nA,3,oops\nA,4,5,99\n,5,6\n")
    df = load_well(tmp_path / "m.csv")
    assert df["DEPTH_M"].tolist() == [1.0, 2.0, 3.0, 4.0] and df["GR"].dtype == np.float64
    assert df["GR"].tolist()[0] == 2.0 and np.isnan(df["GR"].iloc[1]) and np.isnan(df["GR"].iloc[2]) and df["GR"].iloc[3] == 5.0
    text = " | ".join(df.attrs["geonet"]["notes"])
    assert "column GR: 1 null word(s) and 1 other non-numeric value(s) read as nulls" in text
    assert "1 row(s) without a well name (WELL) dropped" in text


def test_column_text_in_one_file_numbers_in_another(tmp_path):
    (tmp_path / "a.csv").write_text("WELL,DEPTH_M,GR\nA,1,10\nA,2,20\n")
    (tmp_path / "b.csv").write_text("WELL,DEPTH_M,GR\nB,1,x\nB,2,y\nB,3,30\n")
    r = ingest([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "o.parquet", jobs=1)
    df = read_feature_table(r.out_path)
    assert df["GR"].dtype == np.float64 and df["GR"].tolist()[:2] == [10.0, 20.0]
    assert np.isnan(df["GR"].iloc[2]) and df["GR"].iloc[4] == 30.0
    assert any("GR: text in this well, numbers in others" in w for _, w in r.warnings)
