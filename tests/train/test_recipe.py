"""The default recipe's auto values: windows in metres, bagging by well count, ensemble by a budget."""

import numpy as np
import pandas as pd

from geonet.spec import TrainSpec
from geonet.train import recipe


def test_windows_are_metres_at_the_wells_depth_step():
    frame = pd.DataFrame({"WELL": ["A"] * 5 + ["B"] * 5,
                          "DEPTH_M": np.r_[np.arange(5) * 0.1524, 100 + np.arange(5) * 0.1524]})
    assert abs(recipe.depth_step_m(frame) - 0.1524) < 1e-9  # the jump between wells does not count
    assert recipe.auto_windows(0.1524) == [7, 33, 131, 394]
    assert recipe.auto_windows(1.0) == [2, 5, 20, 60]  # at least 2 samples
    assert recipe.auto_windows(float("nan")) == []


def test_bagging_needs_enough_wells_and_the_ensemble_fits_the_budget():
    assert recipe.auto_bag(4) == 0.0 and recipe.auto_bag(5) == 0.6
    assert recipe.auto_ensemble(1000, 10, 0.6) == recipe.MAX_MEMBERS  # small data: the cap
    assert recipe.auto_ensemble(10_000_000, 10, 0.6) == recipe.MIN_MEMBERS  # huge data: the floor
    rows = 500_000  # 60e6 / (500k · 0.6 · 10) = 20 members
    assert recipe.auto_ensemble(rows, 10, 0.6) == 20


def test_resolve_keeps_given_values_and_fills_auto_ones():
    spec = TrainSpec()
    assert spec.preprocess.context_windows is None and spec.ensemble.ensemble is None
    frame = pd.DataFrame({"WELL": ["A"] * 4, "DEPTH_M": [0.0, 0.5, 1.0, 1.5]})
    assert recipe.resolve_windows(spec, frame).preprocess.context_windows == (2, 10, 40, 120)
    given = spec.replace(context_windows=[5], ensemble=3, bag_wells=0.0)
    assert recipe.resolve_windows(given, frame).preprocess.context_windows == (5,)
    resolved = recipe.resolve_ensemble(given, 10, 1000)
    assert resolved.ensemble.ensemble == 3 and resolved.ensemble.bag_wells == 0.0
    auto = recipe.resolve_ensemble(spec, 3, 1000)  # too few wells to bag: seed-only members
    assert auto.ensemble.bag_wells == 0.0 and auto.ensemble.ensemble == recipe.MIN_MEMBERS
