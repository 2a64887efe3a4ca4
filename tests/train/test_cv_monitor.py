"""Leave-wells-out folds (stratified by well size, groups) and the monitored score (direction, tie-break)."""

import numpy as np
import pytest

from geonet.errors import ConfigError
from geonet.train.cv import summarize, well_folds
from geonet.train.monitor import Monitor, ScoreStopper, choose_monitor, score


def test_every_well_held_out_once_and_folds_balanced_by_size():
    rows = {f"W{i:02d}": 1000 * (i + 1) for i in range(10)}
    folds = well_folds(rows, 5, rng=np.random.default_rng(3))
    held = [w for f in folds for w in f.held_out]
    assert sorted(held) == sorted(rows) and len(held) == len(set(held))
    for f in folds:
        assert set(f.train).isdisjoint(f.held_out) and sorted(f.train + f.held_out) == sorted(rows)
        assert len(f.held_out) == 2
    # stratified: each fold gets one of the 5 largest and one of the 5 smallest wells
    big = {f"W{i:02d}" for i in range(5, 10)}
    assert all(len(set(f.held_out) & big) == 1 for f in folds)


def test_folds_are_seeded():
    rows = {f"W{i}": i + 1 for i in range(7)}
    a = well_folds(rows, 3, rng=np.random.default_rng(1))
    b = well_folds(rows, 3, rng=np.random.default_rng(1))
    assert [f.held_out for f in a] == [f.held_out for f in b]


def test_groups_stay_together():
    rows = {"A1": 10, "A2": 10, "B1": 10, "C1": 5, "C2": 5, "D1": 30}
    groups = {"A1": "A", "A2": "A", "B1": "B", "C1": "C", "C2": "C", "D1": "D"}
    folds = well_folds(rows, 2, groups=groups, rng=np.random.default_rng(0))
    for f in folds:
        fields = {groups[w] for w in f.held_out}
        assert fields.isdisjoint({groups[w] for w in f.train})
    with pytest.raises(ConfigError, match="4 groups cannot make 5 folds"):
        well_folds(rows, 5, groups=groups)
    with pytest.raises(ConfigError, match="no group"):
        well_folds(rows, 2, groups={"A1": "A"})


def test_too_few_wells_or_folds():
    with pytest.raises(ConfigError, match="3 wells cannot make 4 folds"):
        well_folds({"a": 1, "b": 1, "c": 1}, 4)
    with pytest.raises(ConfigError, match="at least 2 folds"):
        well_folds({"a": 1, "b": 1}, 1)


def test_summarize():
    s = summarize([1.0, 2.0, 3.0, float("nan")])
    assert s["mean"] == pytest.approx(2.0) and s["std"] == pytest.approx(1.0)
    assert s["min"] == 1.0 and s["max"] == 3.0


def test_monitor_is_the_tasks_own_score():
    assert choose_monitor("classify", [1.0, 2.0, 9.0]) == Monitor("macro_f1", "max")
    assert choose_monitor("classify", [30000.0, 65000.0]) == Monitor("penalty", "max")
    assert choose_monitor("regress") == Monitor("rmse", "min")
    assert choose_monitor("classify", [1.0, 2.0], "loss") == Monitor("loss", "min")
    with pytest.raises(ConfigError, match="rmse.*regress"):
        choose_monitor("classify", [1.0], "rmse")
    with pytest.raises(ConfigError, match="FORCE"):
        choose_monitor("classify", [1.0, 2.0], "penalty")
    with pytest.raises(ConfigError, match="not one of"):
        choose_monitor("classify", [1.0], "f2")


def test_direction_and_loss_tie_break():
    up, down = Monitor("macro_f1", "max"), Monitor("rmse", "min")
    assert up.improved(0.5, 1.0, None, None)
    assert up.improved(0.6, 9.0, 0.5, 1.0) and not up.improved(0.4, 0.1, 0.5, 1.0)
    assert down.improved(0.4, 9.0, 0.5, 1.0) and not down.improved(0.6, 0.1, 0.5, 1.0)
    assert up.improved(0.5, 0.9, 0.5, 1.0) and not up.improved(0.5, 1.1, 0.5, 1.0)  # tie → lower loss
    assert not up.improved(float("nan"), 0.1, 0.5, 1.0)


def test_scores():
    y = np.array([1, 1, 2, 2])
    assert score(Monitor("accuracy", "max"), y, np.array([1, 1, 2, 1])) == pytest.approx(0.75)
    assert score(Monitor("rmse", "min"), np.array([0.0, 0.0]), np.array([3.0, 4.0])) == pytest.approx(12.5 ** 0.5)
    assert score(Monitor("penalty", "max"), np.array([65000.0]), np.array([65000.0])) == pytest.approx(0.0)
    assert score(Monitor("loss", "min"), y, y, loss=0.3) == pytest.approx(0.3)


class _Net:
    def __init__(self):
        self.params = np.zeros(2)


class _Event:
    def __init__(self, epoch, val_loss):
        self.epoch, self.val_loss = epoch, val_loss


def test_stopper_keeps_the_best_scoring_epoch_not_the_lowest_loss():
    # epoch 1: lowest loss but poor F1; epoch 2: best F1; epochs 3, 4 worse → stop after patience 2
    net = _Net()
    preds = iter([np.array([1, 1, 1, 1]), np.array([1, 1, 2, 2]), np.array([1, 2, 1, 2]), np.array([2, 2, 2, 2])])
    stopper = ScoreStopper(Monitor("macro_f1", "max"), net, np.array([1, 1, 2, 2]), lambda n: next(preds), patience=2)
    stops = []
    for epoch, loss in enumerate([0.5, 0.7, 0.8, 0.9], start=1):
        net.params[:] = epoch
        stops.append(stopper(_Event(epoch, loss)))
    assert stops == [False, False, False, True]
    assert stopper.best_epoch == 2
    stopper.restore()
    assert net.params.tolist() == [2.0, 2.0]


def _toy_wells(n_wells=4, n=90, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_wells):
        gr = rng.uniform(20, 140, n)
        lith = np.where(gr < 60, 30000.0, np.where(gr < 100, 65030.0, 65000.0))
        lith[::7] = np.nan  # some unlabelled rows
        frames.append(pd.DataFrame({"WELL": f"W{i}", "DEPTH_M": np.arange(n, dtype=float), "GR": gr,
                                    "RHOB": 2.65 - gr / 1000, "LITHOLOGY": lith}))
    return pd.concat(frames, ignore_index=True)


def test_cross_validate_scores_each_held_out_well_on_all_its_labels_and_trains_without_it():
    from geonet.spec import TrainSpec
    from geonet.train.cv import Fold, cross_validate

    df = _toy_wells()
    spec = TrainSpec.from_options(dict(hidden=[8], epochs=2, ensemble=1, dtype="float64", val_wells=["W0"]))
    plan = [Fold(0, ["W0", "W1"], ["W2", "W3"]), Fold(1, ["W2", "W3"], ["W0", "W1"])]
    seen = []
    result = cross_validate(df, spec, plan=plan, on_fold=lambda f: seen.append(f))
    assert [f.fold.index for f in seen] == [0, 1]
    assert result.monitor == "penalty" and result.mode == "max"  # FORCE codes
    wells = result.per_well()
    assert sorted(w["well"] for w in wells) == ["W0", "W1", "W2", "W3"]
    labelled = df[df.LITHOLOGY.notna()].groupby("WELL").size()
    assert all(w["rows"] == labelled[w["well"]] for w in wells)
    for f in result.folds:  # validation wells are cleared: the spec trained only on the fold's wells
        assert f.spec.data.val_wells is None and set(f.predictions["WELL"]) == set(f.fold.held_out)
    s = result.summary()
    assert s["penalty"]["mean"] == pytest.approx(np.mean([f.metrics["penalty"] for f in result.folds]))
    assert {"accuracy", "macro_f1", "penalty"} <= set(s)
