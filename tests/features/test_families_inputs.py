"""Curve families (data table) and the default input rule: logs only, curves most training wells have."""

import numpy as np
import pandas as pd
import pytest

from geonet.errors import ConfigError
from geonet.features.families import load_family_table
from geonet.features.inputs import select_inputs, wells_having


def test_families_from_the_table_and_unknown_names_are_logs():
    t = load_family_table()
    assert t.family("GR") == "logs" and t.family("gr") == "logs"
    assert t.family("ROP") == "drilling" and t.family("MUDWEIGHT") == "drilling" and t.family("BS") == "drilling"
    assert t.family("X_LOC") == "position" and t.family("DEPTH_M") == "position"
    assert t.family("LITHOLOGY_CONFIDENCE") == "label" and t.family("FOO_CONFIDENCE") == "label"
    assert t.family("DRHO") == "qc"
    assert t.family("SOME_NEW_LOG") == "logs"  # unknown names count as logs


def test_user_family_file_moves_names_and_rejects_unknown_families(tmp_path):
    user = tmp_path / "fam.toml"
    user.write_text('[families]\ndrilling = ["CALI"]\n[patterns]\nposition = ["*_XY"]\n')
    t = load_family_table(user)
    assert t.family("CALI") == "drilling" and t.family("A_XY") == "position" and t.family("GR") == "logs"
    bad = tmp_path / "bad.toml"
    bad.write_text('[families]\nmagic = ["GR"]\n')
    with pytest.raises(ConfigError, match="bad.toml.*magic|magic.*bad.toml"):
        load_family_table(bad)


def _table():
    """Four wells: GR everywhere, PEF in one well, SP in three of four but half-empty in one, ROP, X_LOC."""
    rows = []
    for i, well in enumerate("ABCD"):
        n = 10
        rows.append(pd.DataFrame({
            "WELL": well, "DEPTH_M": np.arange(n, dtype=float), "X_LOC": 1.0 * i,
            "GR": np.linspace(0, 1, n), "ROP": 5.0, "DRHO": 0.01,
            "PEF": 3.0 if well == "A" else np.nan,
            "SP": np.where(np.arange(n) < (3 if well == "B" else n), 1.0, np.nan) if well != "D" else np.nan,
            "NOTE": "x", "LITHOLOGY": 65000.0, "LITHOLOGY_CONFIDENCE": 1.0,
        }))
    return pd.concat(rows, ignore_index=True)


def test_default_inputs_are_logs_most_training_wells_have():
    choice = select_inputs(_table(), "LITHOLOGY")
    assert choice.chosen == ["GR"]
    assert "drilling" in choice.left_out["ROP"]
    assert "position" in choice.left_out["DEPTH_M"] and "position" in choice.left_out["X_LOC"]
    assert "quality-control" in choice.left_out["DRHO"]
    assert "label" in choice.left_out["LITHOLOGY_CONFIDENCE"]
    assert choice.left_out["NOTE"] == "not numeric"
    # SP: wells A, C have it (B only 30% of rows, D none) → 2 of 4 < 3 needed
    assert "logged in 2 of 4 training wells (needs 3" in choice.left_out["SP"]
    assert "logged in 1 of 4" in choice.left_out["PEF"]
    assert "LITHOLOGY" not in choice.left_out  # the target is not an input, and not a reason line


def test_threshold_and_training_wells_change_the_choice():
    df = _table()
    assert "SP" in select_inputs(df, "LITHOLOGY", min_curve_wells=0.5).chosen
    assert "SP" in select_inputs(df, "LITHOLOGY", min_well_rows=0.3).chosen  # B's 30% now counts
    # PEF: 1 of 2 training wells < 2 needed
    assert select_inputs(df, "LITHOLOGY", train_wells=["A", "C"]).chosen == ["GR", "SP"]
    assert select_inputs(df, "LITHOLOGY", train_wells=["A"]).chosen == ["GR", "PEF", "SP"]


def test_add_and_exclude():
    choice = select_inputs(_table(), "LITHOLOGY", add=["DEPTH_M"], exclude=["GR"])
    assert choice.chosen == ["DEPTH_M"]
    assert choice.left_out["GR"].startswith("excluded")


def test_unlabelled_rows_do_not_count_for_coverage():
    df = _table()
    df.loc[(df.WELL == "D"), "LITHOLOGY"] = np.nan  # D unlabelled: 3 training wells, SP in 2 of 3, 60% needs 2
    assert wells_having(df[df.LITHOLOGY.notna()], ["SP"]) == {"SP": 2}
    assert select_inputs(df, "LITHOLOGY", min_curve_wells=0.6).chosen == ["GR", "SP"]


def test_facies_style_table_gets_its_log_columns():
    n = 20
    df = pd.DataFrame({"WELL": ["W"] * n, "DEPTH_M": np.arange(n, dtype=float), "GR": 1.0, "ILD_LOG10": 0.5,
                       "DELTAPHI": 3.0, "PHIND": 12.0, "PEF": 3.0, "NM_M": 1.0, "RELPOS": 0.5,
                       "LITHOLOGY": np.arange(n) % 9 + 1.0})
    assert select_inputs(df, "LITHOLOGY").chosen == ["GR", "ILD_LOG10", "DELTAPHI", "PHIND", "PEF"]
