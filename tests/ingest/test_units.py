"""Curve units converted to canonical units on ingest, original units kept (issue 9)."""

import numpy as np
import pandas as pd
import pytest

from geonet.features.loaders import load_well
from geonet.features.reconcile import guess_unit
from geonet.features.table import read_feature_table
from geonet.features.units import normalise_unit

from .lasgen import las, write

F3_LIKE = (("DEPTH", "M"), ("RHOB", "kg/m3"), ("DT", "us/m"), ("AI", "(m/s)*(kg/m3)"), ("PHIE", "%"),
           ("CALI", "mm"), ("ILD", "ohmm"))


def test_f3_like_units_converted_and_originals_kept(tmp_path):
    df = load_well(write(tmp_path, "f3.las", las("100 2100 500 4200000 25 254 12\n100.5 2400 400 6000000 10 203.2 3\n", F3_LIKE)))
    assert df["RHOB"].tolist() == pytest.approx([2.1, 2.4])
    assert df["DTC"].tolist() == pytest.approx([152.4, 121.92])
    assert df["PHIE"].tolist() == pytest.approx([0.25, 0.10])
    assert df["CALI"].tolist() == pytest.approx([10.0, 8.0])
    assert df["RDEP"].tolist() == [12.0, 3.0] and df["AI"].tolist() == [4200000.0, 6000000.0]
    prov = df.attrs["geonet"]
    assert prov["units"]["RHOB"] == "kg/m3" and prov["units"]["DTC"] == "us/m"
    assert prov["units"]["AI"] == "(m/s)*(kg/m3)" and prov["units_out"]["AI"] == "(m/s)*(kg/m3)"
    assert prov["units_out"]["RHOB"] == "g/cm3" and prov["units_out"]["DTC"] == "us/ft"
    assert "RHOB converted from kg/m3 to g/cm3" in prov["notes"]


def test_missing_unit_density_in_kg_per_m3_is_converted_with_a_note(tmp_path):
    curves = (("DEPT", "M"), ("GR", ""), ("RHOB", ""))
    df = load_well(write(tmp_path, "n.las", las("1000 50 2300\n1000.5 60 2500\n1001 70 2650\n", curves)))
    assert df["RHOB"].tolist() == pytest.approx([2.3, 2.5, 2.65]) and df["GR"].tolist() == [50.0, 60.0, 70.0]
    assert any("RHOB has no unit; its values look like kg/m3: converted to g/cm3" in n for n in df.attrs["geonet"]["notes"])


def test_unknown_unit_out_of_every_range_is_kept_with_a_warning(tmp_path):
    curves = (("DEPT", "M"), ("GR", "gAPI"), ("RHOB", "furlongs"))
    df = load_well(write(tmp_path, "u.las", las("1000 50 99\n1000.5 60 120\n", curves)))
    assert df["RHOB"].tolist() == [99.0, 120.0]
    assert df.attrs["geonet"]["units_out"]["RHOB"] == "furlongs"
    assert any("fit no density unit: kept as they are" in n for n in df.attrs["geonet"]["notes"])


def test_unit_spellings_normalise():
    assert normalise_unit("G/CM³") == "g/cm3" and normalise_unit("µs/ft") == "us/ft" and normalise_unit("g/cm**3") == "g/cm3"
    assert guess_unit(np.array([2.1, 2.4, np.nan]), "density") == "g/cm3"
    assert guess_unit(np.array([180.0, 200, 240]), "slowness") == "us/ft"  # ambiguous with µs/m: the canonical unit wins
    assert guess_unit(np.array([300.0, 500, 700]), "slowness") == "us/m"


def test_evaluate_reads_tables_in_canonical_units(tmp_path):
    """read_feature_table (what evaluate and train read) converts by the table's units metadata."""
    df = pd.DataFrame({"WELL": ["A", "A"], "DEPTH_M": [1.0, 2.0], "RHOB": [2100.0, 2500.0], "DTC": [500.0, 400.0]})
    df.to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "t.csv.meta.json").write_text('{"units": {"RHOB": "kg/m3", "DTC": "us/m"}}')
    out = read_feature_table(tmp_path / "t.csv")
    assert out["RHOB"].tolist() == pytest.approx([2.1, 2.5]) and out["DTC"].tolist() == pytest.approx([152.4, 121.92])
    assert out.attrs["geonet"]["units"]["RHOB"] == "g/cm3"
