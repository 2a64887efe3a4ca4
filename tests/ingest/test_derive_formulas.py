"""geonet.features.derive against hand-computed values."""

import math

import numpy as np
import pandas as pd
import pytest

from geonet.errors import ConfigError, MissingCurveError
from geonet.features.derive import FORMULAS, derive, describe


def test_density_porosity_hand_values():
    df = pd.DataFrame({"RHOB": [2.65, 2.3, 1.0, 2.8, np.nan]})
    out = derive(df, ["density_porosity"])
    # (2.65 − 2.3)/(2.65 − 1.0) = 0.35/1.65 = 0.212121…; 1.0 → 1.0 clipped to 0.6; 2.8 → −0.09 → 0
    assert out["PHID"].iloc[0] == pytest.approx(0.0)
    assert out["PHID"].iloc[1] == pytest.approx(0.35 / 1.65)
    assert out["PHID"].iloc[2] == pytest.approx(0.6)
    assert out["PHID"].iloc[3] == pytest.approx(0.0)
    assert math.isnan(out["PHID"].iloc[4])
    assert "PHID" not in df.columns  # the input is not modified
    assert out.attrs["geonet"]["units"]["PHID"] == "v/v"


def test_density_porosity_parameters_and_output_name():
    df = pd.DataFrame({"RHOB": [2.4]})
    out = derive(df, [{"name": "density_porosity", "rho_ma": 2.71, "rho-f": 1.1, "output": "PHID_LS"}])
    assert out["PHID_LS"].iloc[0] == pytest.approx((2.71 - 2.4) / (2.71 - 1.1))


def test_gamma_ray_index_given_bounds():
    df = pd.DataFrame({"GR": [20.0, 50.0, 80.0, 140.0, 10.0]})
    out = derive(df, [{"name": "gamma_ray_index", "gr_min": 20, "gr_max": 120}])
    assert out["IGR"].tolist() == pytest.approx([0.0, 0.3, 0.6, 1.0, 0.0])


def test_gamma_ray_index_default_percentiles_per_well():
    gr_a = np.arange(0.0, 101.0)  # percentiles 5 → 5.0, 95 → 95.0
    gr_b = np.arange(0.0, 201.0, 2.0)  # 5 → 10.0, 95 → 190.0
    df = pd.DataFrame({"WELL": ["A"] * 101 + ["B"] * 101, "GR": np.concatenate([gr_a, gr_b])})
    igr = derive(df, ["gamma_ray_index"])["IGR"].to_numpy()
    assert igr[50] == pytest.approx((50 - 5) / 90)  # well A, GR 50
    assert igr[101 + 50] == pytest.approx((100 - 10) / 180)  # well B, GR 100
    assert igr[0] == 0.0 and igr[100] == 1.0


def test_larionov_tertiary_and_older():
    df = pd.DataFrame({"GR": [0.0, 50.0, 100.0]})
    bounds = {"gr_min": 0, "gr_max": 100}
    tertiary = derive(df, [{"name": "vsh_larionov", **bounds}])["VSH"].to_numpy()
    older = derive(df, [{"name": "vsh_larionov", "rocks": "older", **bounds}])["VSH"].to_numpy()
    # IGR = 0.5: 0.083·(2^1.85 − 1) = 0.083·(3.6050 − 1) = 0.21622; 0.33·(2^1 − 1) = 0.33
    assert tertiary == pytest.approx([0.0, 0.083 * (2 ** 1.85 - 1), 0.083 * (2 ** 3.7 - 1)])
    assert tertiary[1] == pytest.approx(0.21622, abs=1e-4)
    assert older == pytest.approx([0.0, 0.33, 0.99])
    linear = derive(df, [{"name": "vsh_linear", **bounds}])["VSH"].to_numpy()
    assert linear == pytest.approx([0.0, 0.5, 1.0])


def test_larionov_bad_rocks():
    with pytest.raises(ConfigError, match="rocks"):
        derive(pd.DataFrame({"GR": [1.0]}), [{"name": "vsh_larionov", "rocks": "jurassic"}])


def test_log10_non_positive_is_nan():
    df = pd.DataFrame({"RDEP": [10.0, 1.0, 0.0, -5.0, 1000.0], "RMED": [100.0] * 5})
    out = derive(df, ["log10_rdep"])
    assert out["RDEP_LOG10"].iloc[[0, 1, 4]].tolist() == pytest.approx([1.0, 0.0, 3.0])
    assert out["RDEP_LOG10"].iloc[[2, 3]].isna().all()
    group = derive(df, ["log10_resistivities"])
    assert {"RDEP_LOG10", "RMED_LOG10"} <= set(group.columns)
    assert "RXO_LOG10" not in group.columns
    assert group.attrs["geonet"]["units"]["RMED_LOG10"] == "log10(ohm.m)"


def test_missing_curve_names_formula_curve_and_available():
    df = pd.DataFrame({"WELL": ["A"], "GR": [50.0]})
    with pytest.raises(MissingCurveError) as err:
        derive(df, ["density_porosity"])
    message = str(err.value)
    assert "density_porosity" in message and "RHOB" in message and "GR" in message


def test_unknown_formula_and_parameter():
    df = pd.DataFrame({"RHOB": [2.3]})
    with pytest.raises(ConfigError, match="unknown formula 'porosity'"):
        derive(df, ["porosity"])
    with pytest.raises(ConfigError, match="unknown parameter"):
        derive(df, [{"name": "density_porosity", "rho_matrix": 2.7}])


def test_formulas_chain_and_record_provenance():
    df = pd.DataFrame({"RHOB": [2.3]})
    df.attrs["geonet"] = {"units": {"RHOB": "g/cm3"}}
    out = derive(df, ["density_porosity"])
    assert out.attrs["geonet"]["units"] == {"RHOB": "g/cm3", "PHID": "v/v"}
    assert out.attrs["geonet"]["derived"][0]["params"]["rho_ma"] == 2.65
    assert "derived" not in df.attrs["geonet"]


def test_formula_table_is_described():
    text = describe()
    for name in FORMULAS:
        assert name in text
