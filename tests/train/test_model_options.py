"""Well-wise normalisation, ensembles and penalty-minimising decisions."""


import numpy as np
import pandas as pd
import pytest

from geonet.errors import ConfigError
from geonet.spec import TrainSpec
from geonet.train.decision import (
    class_penalty_matrix,
    min_penalty_decisions,
    penalty_class_weights,
)
from geonet.train.fitting import fit_model
from geonet.train.model import GeonetModel, load_model
from geonet.train.preprocess import Preprocessor


def _two_wells():
    """Well B's GR is well A's × 2 + 10 (a miscalibrated tool): normalisation should undo it."""
    gr_a = np.linspace(20.0, 120.0, 101)
    return pd.DataFrame({
        "WELL": ["A"] * 101 + ["B"] * 101,
        "DEPTH_M": np.r_[np.arange(101.0), np.arange(101.0)],
        "GR": np.r_[gr_a, gr_a * 2 + 10],
        "RHOB": np.r_[np.full(101, 2.3), np.full(101, 2.5)],
    })


def test_well_norm_maps_each_well_onto_the_reference_percentiles():
    df = _two_wells()
    pre = Preprocessor.fit(df, ["GR", "RHOB"], well_norm=["GR"], well_norm_percentiles=[10, 90])
    # well A: p10 = 30, p90 = 110; well B: 70, 230 → reference = medians (50, 170)
    assert pre.well_norm_reference["GR"] == pytest.approx([50.0, 170.0])
    values = pre._curves(df)
    gr_a, gr_b = values[:101, 0], values[101:, 0]
    np.testing.assert_allclose(gr_a, gr_b)  # the calibration offset is gone
    np.testing.assert_allclose(np.percentile(gr_a, [10, 90]), [50.0, 170.0])
    np.testing.assert_array_equal(values[:, 1], df["RHOB"])  # other curves untouched


def test_well_norm_round_trips_through_the_saved_preprocessor():
    df = _two_wells()
    pre = Preprocessor.fit(df, ["GR", "RHOB"], well_norm=["GR"], context=2)
    again = Preprocessor.from_dict(pre.to_dict())
    X1, m1 = pre.transform(df, dtype="float64")
    X2, m2 = again.transform(df, dtype="float64")
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(m1, m2)
    # a new well uses its own percentiles: a shifted copy of well A lands where well A does
    new = df[df.WELL == "A"].assign(WELL="C", GR=lambda d: d.GR + 25.0)
    np.testing.assert_allclose(again.transform(new, dtype="float64")[0], X1[:101])


def test_well_norm_rejects_unknown_curves():
    with pytest.raises(ConfigError, match="well_norm"):
        Preprocessor.fit(_two_wells(), ["GR"], well_norm=["NPHI"])


def test_min_penalty_decision_hand_worked_three_classes():
    # classes: sandstone 30000, sandstone/shale 65030, shale 65000; A (rows true) =
    #   [[0, 2, 3.5], [2, 0, 2.375], [3.5, 2.375, 0]]
    cost = class_penalty_matrix([30000, 65030, 65000])
    np.testing.assert_allclose(cost, [[0, 2, 3.5], [2, 0, 2.375], [3.5, 2.375, 0]])
    p = np.array([[0.45, 0.10, 0.45],   # E = [1.775, 1.96875, 1.8125] → sandstone (argmax ties)
                  [0.40, 0.25, 0.35],   # E = [1.725, 1.63125, 1.99375] → sand/shale, though least likely
                  [0.90, 0.05, 0.05]])  # E = [0.275, 1.91875, 3.26875] → sandstone
    np.testing.assert_array_equal(min_penalty_decisions(p, cost), [0, 1, 0])
    # with the 0/1 cost it is the argmax
    np.testing.assert_array_equal(min_penalty_decisions(p[1:], 1 - np.eye(3)), p[1:].argmax(axis=1))


def test_penalty_class_weights_have_mean_one_and_follow_the_matrix():
    w = penalty_class_weights([30000, 65030, 65000])
    # mean off-diagonal penalty per row: 2.75, 2.1875, 2.9375
    np.testing.assert_allclose(w, np.array([2.75, 2.1875, 2.9375]) / np.mean([2.75, 2.1875, 2.9375]))


def test_penalty_needs_force_codes():
    with pytest.raises(ConfigError, match="FORCE"):
        class_penalty_matrix([1, 2])


def _toy_lithology(n=240, seed=0):
    rng = np.random.default_rng(seed)
    gr = rng.uniform(20, 140, n)
    lith = np.where(gr < 60, 30000.0, np.where(gr < 100, 65030.0, 65000.0))
    return pd.DataFrame({
        "WELL": np.repeat(["A", "B", "C"], n // 3), "DEPTH_M": np.tile(np.arange(n // 3, dtype=float), 3),
        "GR": gr, "RHOB": 2.65 - gr / 1000 + rng.normal(0, 0.01, n), "LITHOLOGY": lith,
    })


def test_ensemble_save_load_gives_bit_identical_predictions(tmp_path):
    df = _toy_lithology()
    config = TrainSpec.from_options(dict(features=["GR", "RHOB"], val_wells=["C"], hidden=[8], epochs=3, ensemble=3,
                         decision="min_penalty", well_norm=["GR"], dtype="float64", patience=None))
    model = fit_model(df, config).model
    assert len(model.networks) == 3
    assert not np.array_equal(model.networks[0].params, model.networks[1].params)  # different seeds
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "member_2" / "network.npz").is_file()
    loaded = load_model(tmp_path / "m")
    assert loaded.decision == "min_penalty" and len(loaded.networks) == 3
    pd.testing.assert_frame_equal(model.predict_frame(df), loaded.predict_frame(df), check_exact=True)


def test_ensemble_averages_member_probabilities():
    df = _toy_lithology()
    config = TrainSpec.from_options(dict(features=["GR", "RHOB"], val_wells=["C"], hidden=[8], epochs=2, ensemble=2,
                         dtype="float64", patience=None))
    model = fit_model(df, config).model
    X, _ = model.preprocessor.transform(df, dtype="float64")
    mean = (model.networks[0].predict_output(X) + model.networks[1].predict_output(X)) / 2
    np.testing.assert_allclose(model.predict_output(X), mean, rtol=1e-12)
    single = GeonetModel(network=model.network, preprocessor=model.preprocessor, task=model.task,
                         target=model.target, classes=model.classes)
    np.testing.assert_allclose(single.predict_output(X), model.networks[0].predict_output(X))


def test_new_options_are_checked():
    with pytest.raises(ConfigError, match="decision"):
        TrainSpec.from_options({"decision": "bayes"})
    with pytest.raises(ConfigError, match="ensemble"):
        TrainSpec.from_options({"ensemble": 0})
    assert list(TrainSpec.from_options({"well_norm": "GR, NPHI"}).preprocess.well_norm) == ["GR", "NPHI"]


def test_windows_and_clip_are_saved_with_the_model_and_applied_at_predict(tmp_path):
    df = _toy_lithology()
    config = TrainSpec.from_options(dict(features=["GR", "RHOB"], val_wells=["C"], hidden=[8], epochs=2, dtype="float64",
                         patience=None, context_windows=[5, 9], context_window_std=True, clip=2.0))
    model = fit_model(df, config).model
    assert "GR_MEAN9" in model.preprocessor.columns and "RHOB_STD5" in model.preprocessor.columns
    X, _ = model.preprocessor.transform(df, dtype="float64")
    assert np.abs(X).max() <= 2.0
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.preprocessor.context_windows == [5, 9] and loaded.preprocessor.clip == 2.0
    pd.testing.assert_frame_equal(model.predict_frame(df), loaded.predict_frame(df), check_exact=True)


def test_missing_augment_copies_wells_with_whole_curves_removed():
    from geonet.train.fitting import augment_missing_curves

    df = _two_wells()
    out, sources = augment_missing_curves(df, ["DEPTH_M", "GR", "RHOB"], copies=2, rate=0.5,
                                          rng=np.random.default_rng(0))
    assert list(sources) == list(df["WELL"]) * 3  # each copied row keeps its source well as data
    assert len(out) == 3 * len(df)
    pd.testing.assert_frame_equal(out.iloc[:len(df)], df)
    copies = out.iloc[len(df):]
    assert list(pd.unique(copies["WELL"])) == ["A~aug1", "B~aug1", "A~aug2", "B~aug2"]
    for _, rows in copies.groupby("WELL"):
        assert rows["DEPTH_M"].notna().all()  # depth is never removed
        removed = [c for c in ("GR", "RHOB") if rows[c].isna().all()]
        kept = [c for c in ("GR", "RHOB") if c not in removed]
        assert removed and all(rows[c].notna().all() for c in kept)  # whole curves, at least one


def test_missing_augment_in_training_adds_indicators():
    df = _toy_lithology()
    config = TrainSpec.from_options(dict(features=["GR", "RHOB"], val_wells=["C"], hidden=[8], epochs=1, dtype="float64",
                         patience=None, missing_augment=2, missing_augment_rate=1.0))
    outcome = fit_model(df, config)
    assert outcome.prepared.preprocessor.indicators == ["GR", "RHOB"]
    assert outcome.prepared.counts["train_rows"] == 3 * outcome.prepared.counts["val_rows"] * 2
    with pytest.raises(ConfigError, match="missing_augment"):
        TrainSpec.from_options({"missing_augment": 1, "missing": "drop"})


def test_bag_wells_draws_whole_wells():
    from geonet.train.fitting import bag_wells

    row_wells = np.array(["A", "A", "B", "C", "C", "C", "D"])
    for seed in range(5):
        keep = bag_wells(row_wells, 0.5, np.random.default_rng(seed))
        chosen = set(row_wells[keep])
        assert len(chosen) == 2  # round(0.5 · 4) wells, all of their rows, none of the others
        np.testing.assert_array_equal(keep, np.isin(row_wells, sorted(chosen)))
    assert bag_wells(row_wells, 0.01, np.random.default_rng(0)).sum() >= 1  # at least one well
    assert bag_wells(row_wells, 1.0, np.random.default_rng(0)).all()


def test_bag_wells_members_train_on_their_own_wells():
    df = _toy_lithology(n=360)
    df = pd.concat([df, df.assign(WELL=df.WELL + "2")], ignore_index=True)  # wells A B C A2 B2 C2
    config = TrainSpec.from_options(dict(features=["GR", "RHOB"], val_wells=["C", "C2"], hidden=[8], epochs=1, ensemble=3,
                         dtype="float64", patience=None, bag_wells=0.5))
    from geonet.train.fitting import _member_rows, prepare

    prepared = prepare(df, config)
    assert sorted(pd.unique(prepared.train.wells)) == ["A", "A2", "B", "B2"]
    members = [_member_rows(prepared.train, prepared.val, config, m) for m in range(3)]
    bags = [bag for bag, _ in members]
    for bag, stop in members:
        assert len(pd.unique(bag.wells)) == 2 and len(bag.X) == 240 == len(bag.Y)
        # each member is stopped on its out-of-bag training wells, never on the validation wells
        assert sorted(pd.unique(stop.wells)) == sorted(set(prepared.train.wells) - set(bag.wells))
    assert len({tuple(sorted(pd.unique(b.wells))) for b in bags}) > 1  # members differ
    off, stop = _member_rows(prepared.train, prepared.val, config.replace(bag_wells=0.0), 0)
    assert off is prepared.train and stop is prepared.val
    model = fit_model(df, config).model
    assert len(model.networks) == 3
    with pytest.raises(ConfigError, match="bag_wells"):
        TrainSpec.from_options({"bag_wells": 1.5})


def test_min_penalty_decision_is_refused_for_regression():
    from geonet.errors import OptionError

    df = _toy_lithology().assign(PHIT=lambda f: f["GR"] / 1000.0)
    spec = TrainSpec.from_options(dict(target="PHIT", task="regress", features=["GR", "RHOB"], decision="min_penalty"))
    with pytest.raises(OptionError, match="classification only"):
        fit_model(df, spec)
