"""The default recipe's "auto" values, sized to the data: depth windows, well bagging, ensemble size.

Chosen by leave-wells-out cross-validation on the FORCE 2020 training wells
(``benchmarks/force_skill.py``) and stated here so that nothing depends on FORCE names or codes:

* ``context_windows`` auto: rolling windows of about ``WINDOWS_M`` = 1, 5, 20 and 60 m, in
  samples of the training wells' median depth step (0.152 m → 7, 33, 131, 394 samples);
* ``bag_wells`` auto: each ensemble member trains on its own random ``BAG_FRACTION`` = 60% of
  the training wells when there are at least ``MIN_BAG_WELLS`` = 5 of them (else all wells);
* ``ensemble`` auto: with bagging, as many members as fit a budget of ``BUDGET_SAMPLE_EPOCHS``
  = 60 million sample-epochs (rows seen by one network in one epoch, summed over members and
  epochs), between ``MIN_MEMBERS`` = 5 and ``MAX_MEMBERS`` = 40; without bagging (fewer than 5
  wells) members differ only by their seed and ``MIN_MEMBERS`` are enough. A 64-64 network trains at ≥ 0.5 M samples/s on one
  core here, so the budget is ≤ 2 minutes on 2 shared cores (16 FORCE wells, ≈ 190 k labelled rows,
  10 epochs at most: 40 members). The count depends only on the data, so a run is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

WINDOWS_M = (1.0, 5.0, 20.0, 60.0)
BAG_FRACTION = 0.6
MIN_BAG_WELLS = 5
MIN_MEMBERS, MAX_MEMBERS = 5, 40
BUDGET_SAMPLE_EPOCHS = 60e6


def depth_step_m(frame: pd.DataFrame) -> float:
    """Median positive depth step (m) within the wells of ``frame`` (WELL, DEPTH_M); NaN when none."""
    if "DEPTH_M" not in frame.columns or len(frame) < 2:
        return float("nan")
    wells = frame["WELL"] if "WELL" in frame.columns else pd.Series(0, index=frame.index)
    steps = frame["DEPTH_M"].groupby(wells.to_numpy()).diff().to_numpy()
    steps = steps[np.isfinite(steps) & (steps > 0)]
    return float(np.median(steps)) if len(steps) else float("nan")


def auto_windows(step_m: float) -> list[int]:
    """Window lengths in samples for ``WINDOWS_M`` at a depth step of ``step_m`` (distinct, ≥ 2); [] without a step."""
    if not np.isfinite(step_m) or step_m <= 0:
        return []
    return sorted({max(2, round(w / step_m)) for w in WINDOWS_M})


def auto_bag(n_train_wells: int) -> float:
    return BAG_FRACTION if n_train_wells >= MIN_BAG_WELLS else 0.0


def auto_ensemble(train_rows: int, epochs: int, bag: float) -> int:
    """Members that fit ``BUDGET_SAMPLE_EPOCHS`` for ``train_rows`` rows, ``epochs`` epochs and bag fraction ``bag``."""
    per_member = max(1.0, train_rows * (bag or 1.0) * epochs)
    return int(min(MAX_MEMBERS, max(MIN_MEMBERS, math.floor(BUDGET_SAMPLE_EPOCHS / per_member))))


def resolve_windows(spec, train_frame: pd.DataFrame):
    """``spec`` (a TrainSpec) with ``context_windows`` made concrete when it is auto (None)."""
    if spec.preprocess.context_windows is not None:
        return spec
    return spec.replace(context_windows=auto_windows(depth_step_m(train_frame)))


def resolve_ensemble(spec, n_train_wells: int, train_rows: int):
    """``spec`` (a TrainSpec) with ``bag_wells`` and ``ensemble`` made concrete when auto (None)."""
    e = spec.ensemble
    bag = auto_bag(n_train_wells) if e.bag_wells is None else float(e.bag_wells)
    if e.ensemble is not None:
        members = int(e.ensemble)
    else:
        members = auto_ensemble(train_rows, int(spec.optimisation.epochs), bag) if bag else MIN_MEMBERS
    return spec.replace(bag_wells=bag, ensemble=members)
