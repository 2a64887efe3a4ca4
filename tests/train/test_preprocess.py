import numpy as np
import pandas as pd
import pytest

from geonet.errors import ConfigError, MissingCurveError
from geonet.spec import TrainSpec
from geonet.train.preprocess import Preprocessor, _shift_within_wells
from geonet.train.split import split_wells


def _table():
    return pd.DataFrame({
        "WELL": ["A"] * 4 + ["B"] * 3,
        "DEPTH_M": [1.0, 2.0, 3.0, 4.0, 10.0, 11.0, 12.0],
        "GR": [10.0, np.nan, 30.0, 40.0, 50.0, 60.0, 70.0],
        "RDEP": [1.0, 10.0, 100.0, -5.0, 1000.0, 10.0, 1.0],
    })


def test_impute_uses_training_medians_and_adds_indicators():
    df = _table()
    pre = Preprocessor.fit(df, ["GR", "RDEP"], scaler="zscore")
    # RDEP is logged (auto: resistivity) and its non-positive reading becomes a gap
    assert pre.log10 == ["RDEP"]
    assert pre.medians["GR"] == pytest.approx(45.0, rel=1e-12)
    assert pre.medians["RDEP"] == pytest.approx(1.0, rel=1e-12)  # median of log10 [0,1,2,3,1,0]
    assert pre.indicators == ["GR", "RDEP"]
    X, mask = pre.transform(df, dtype="float64")
    assert mask.all()
    assert pre.columns == ["GR", "RDEP", "GR_MISSING", "RDEP_MISSING"]
    np.testing.assert_allclose(X[:, 2], [0, 1, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(X[:, :2].mean(axis=0), [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(X[:, :2].std(axis=0), [1.0, 1.0], rtol=1e-12)


def test_drop_policy_masks_rows_with_gaps():
    df = _table()
    pre = Preprocessor.fit(df, ["GR", "RDEP"], missing="drop", log10=[])
    X, mask = pre.transform(df, dtype="float64")
    assert mask.tolist() == [True, False, True, True, True, True, True]
    assert X.shape == (6, 2)


def test_context_window_stays_inside_each_well():
    values = np.arange(7, dtype=float)[:, None]
    wells = np.array([0, 0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(_shift_within_wells(values, wells, 1)[:, 0], [1, 2, 3, 3, 5, 6, 6])
    np.testing.assert_array_equal(_shift_within_wells(values, wells, -2)[:, 0], [0, 0, 0, 1, 4, 4, 4])


def test_context_columns_named_by_offset():
    df = _table()
    pre = Preprocessor.fit(df, ["GR"], context=2, context_stride=1)
    assert pre.columns == ["GR", "GR_M1", "GR_P1", "GR_M2", "GR_P2", "GR_MISSING"]


def test_round_trip_and_same_transform():
    df = _table()
    pre = Preprocessor.fit(df, ["GR", "RDEP"], scaler="robust", context=1)
    again = Preprocessor.from_dict(pre.to_dict())
    a, _ = pre.transform(df)
    b, _ = again.transform(df)
    np.testing.assert_array_equal(a, b)


def test_missing_curve_message_names_curves_present():
    pre = Preprocessor.fit(_table(), ["GR", "RDEP"], missing="drop")
    with pytest.raises(MissingCurveError, match=r"well\.las: missing curves \['RDEP'\]; it has \['GR'\]"):
        pre.transform(_table().drop(columns="RDEP"), source="well.las")


def test_whole_curve_absent_is_imputed_under_impute_policy():
    pre = Preprocessor.fit(_table(), ["GR", "RDEP"])
    X, mask = pre.transform(_table().drop(columns="RDEP"), dtype="float64")
    assert mask.all() and np.all(X[:, pre.columns.index("RDEP_MISSING")] == 1)


def test_split_by_named_wells_and_fraction():
    split = split_wells(["A", "B", "C"], val_wells=["B"])
    assert split.train_wells == ["A", "C"] and split.val_wells == ["B"]
    split = split_wells(["A", "B", "C", "D", "E"], val_fraction=0.4, rng=np.random.default_rng(3))
    assert len(split.val_wells) == 2 and not set(split.val_wells) & set(split.train_wells)
    with pytest.raises(ConfigError, match="not in the table"):
        split_wells(["A", "B"], val_wells=["Z"])
    assert split_wells(["A"]).val_wells == []


def test_config_from_dict_rejects_unknown_keys_and_parses_lists():
    config = TrainSpec.from_options({"hidden": "32,16", "val-wells": "A,B", "lr": 0.01})
    assert list(config.network.hidden) == [32, 16] and list(config.data.val_wells) == ["A", "B"]
    with pytest.raises(ConfigError, match="unknown option 'hiden'; did you mean 'hidden'"):
        TrainSpec.from_options({"hiden": [3]})
    with pytest.raises(ConfigError):
        TrainSpec.from_options({"task": "cluster"})
    assert list(TrainSpec.from_options({"hidden": 8}).network.hidden) == [8]
    merged = TrainSpec.from_options({"epochs": 3}, base=TrainSpec.from_options({"lr": 0.01}))
    assert merged.optimisation.epochs == 3 and merged.optimisation.lr == 0.01


# ---- depth windows (context_windows) and clipping (clip) -------------------------------------
from geonet.train.preprocess import _rolling_within_wells  # noqa: E402


def test_rolling_windows_stay_inside_each_well_and_skip_gaps():
    values = np.array([1.0, 2.0, np.nan, 4.0, 10.0, 20.0, 30.0])[:, None]
    wells = np.array([0, 0, 0, 0, 1, 1, 1])
    mean, std = _rolling_within_wells(values, wells, 3)  # rows i-1 … i+1, cut at well ends
    np.testing.assert_allclose(mean[:, 0], [1.5, 1.5, 3.0, 4.0, 15.0, 20.0, 25.0])
    np.testing.assert_allclose(std[:, 0], [0.5, 0.5, 1.0, 0.0, 5.0, np.sqrt(200 / 3), 5.0])
    mean, _ = _rolling_within_wells(values, wells, 2)  # rows i … i+1
    np.testing.assert_allclose(mean[:, 0], [1.5, 2.0, 4.0, 4.0, 15.0, 25.0, 30.0])
    mean, std = _rolling_within_wells(np.array([[np.nan], [np.nan], [5.0]]), np.zeros(3, int), 3)
    assert np.isnan(mean[0, 0]) and np.isnan(std[0, 0]) and mean[1, 0] == 5.0


def test_context_window_columns_values_and_round_trip():
    df = _table()
    pre = Preprocessor.fit(df, ["GR"], scaler="robust", context_windows=[3], context_window_std=True)
    assert pre.columns == ["GR", "GR_MEAN3", "GR_STD3", "GR_MISSING"]
    # unscaled: GR in well A is 10, nan, 30, 40 → window means 10, 20, 35, 35 (gap skipped)
    raw = np.asarray(pre.center) + pre.transform(df, dtype="float64")[0] * np.asarray(pre.scale)
    np.testing.assert_allclose(raw[:, 1], [10, 20, 35, 35, 55, 60, 65])
    np.testing.assert_allclose(raw[:, 2], [0, 10, 5, 5, 5, np.sqrt(200 / 3), 5])
    again = Preprocessor.from_dict(pre.to_dict())
    assert again.context_windows == [3] and again.context_window_std
    np.testing.assert_array_equal(pre.transform(df)[0], again.transform(df)[0])
    with pytest.raises(ConfigError, match="context_windows"):
        Preprocessor.fit(df, ["GR"], context_windows=[1])


def test_clip_limits_scaled_continuous_columns_only():
    df = pd.DataFrame({"WELL": ["A"] * 6, "DEPTH_M": np.arange(6.0),
                       "GR": [0.0, 0.0, 0.0, 0.0, 0.0, 100.0], "RHOB": [2.0, np.nan, 2.0, 2.0, 2.0, 2.0]})
    free = Preprocessor.fit(df, ["GR", "RHOB"])
    pre = Preprocessor.fit(df, ["GR", "RHOB"], clip=1.5)
    X_free, _ = free.transform(df, dtype="float64")
    X, _ = pre.transform(df, dtype="float64")
    assert X_free[5, 0] == pytest.approx(np.sqrt(5))  # (100 − 100/6) / std = √5 ≈ 2.24
    assert X[5, 0] == pytest.approx(1.5) and X[0, 0] == pytest.approx(X_free[0, 0])
    assert X[:, pre.columns.index("RHOB_MISSING")].tolist() == [0, 1, 0, 0, 0, 0]
    assert Preprocessor.from_dict(pre.to_dict()).clip == 1.5
    np.testing.assert_array_equal(Preprocessor.from_dict(pre.to_dict()).transform(df)[0], pre.transform(df)[0])
    with pytest.raises(ConfigError, match="clip"):
        Preprocessor.fit(df, ["GR"], clip=0)


def test_config_parses_new_options():
    config = TrainSpec.from_options({"context-windows": "7,33", "clip": 5, "context_window_std": True}).preprocess
    assert list(config.context_windows) == [7, 33] and config.clip == 5 and config.context_window_std


def test_depth_gradient_is_lower_minus_upper_half_window_inside_each_well():
    from geonet.train.preprocess import _gradient_within_wells

    values = np.array([1.0, 2.0, 4.0, 8.0, np.nan, 10.0, 20.0, 30.0])[:, None]
    wells = np.array([0, 0, 0, 0, 0, 1, 1, 1])
    grad = _gradient_within_wells(values, wells, 2)
    # row 1: mean(4, 8) − 1 = 5; row 2: 8 (gap skipped) − mean(1, 2) = 6.5; row 6: 30 − 10 = 20;
    # nothing above row 0 / below rows 3, 4 (cut at the well's end) and 7 → NaN
    np.testing.assert_allclose(grad[:, 0], [np.nan, 5.0, 6.5, np.nan, np.nan, np.nan, 20.0, np.nan])


def test_context_window_grad_columns_are_saved_and_filled_with_zero():
    df = _table()
    pre = Preprocessor.fit(df, ["GR"], scaler="robust", context_windows=[3], context_window_grad=True)
    assert pre.columns == ["GR", "GR_MEAN3", "GR_GRAD3", "GR_MISSING"]
    # GR in well A is 10, nan, 30, 40: gradients (half 1) nan→0, 30−10, 40−nan→0, nan→0
    raw = np.asarray(pre.center) + pre.transform(df, dtype="float64")[0] * np.asarray(pre.scale)
    np.testing.assert_allclose(raw[:4, 2], [0.0, 20.0, 0.0, 0.0])
    again = Preprocessor.from_dict(pre.to_dict())
    assert again.context_window_grad
    np.testing.assert_array_equal(pre.transform(df)[0], again.transform(df)[0])
    assert TrainSpec.from_options({"context_window_grad": True}).preprocess.context_window_grad
