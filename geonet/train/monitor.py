"""Which score stops training and chooses a model: the task's own score, loss as the tie-break.

* classification: macro-F1 (higher is better), or the FORCE 2020 penalty score (higher, i.e. closer
  to 0, is better) when every class is a FORCE lithology code;
* regression: RMSE (lower is better);
* any of ``MONITORS`` by name (``--monitor``), ``loss`` included.

Two epochs (or models) with the same score (within ``TIE``) are ordered by their validation loss.
:class:`ScoreStopper` applies it epoch by epoch to one network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from geonet.errors import ConfigError
from geonet.train.metrics import classification_report, force_penalty_score, is_force_codes, regression_report

#: monitor name → (mode, task or None for both)
MONITORS = {
    "macro_f1": ("max", "classify"),
    "accuracy": ("max", "classify"),
    "penalty": ("max", "classify"),
    "rmse": ("min", "regress"),
    "mae": ("min", "regress"),
    "r2": ("max", "regress"),
    "loss": ("min", None),
}
#: scores closer than this are a tie (then the lower loss wins)
TIE = 1e-9


@dataclass(frozen=True)
class Monitor:
    """A score to monitor: its ``name`` and whether higher (``max``) or lower (``min``) is better."""

    name: str
    mode: str

    def improved(self, score: float, loss: float | None, best_score: float | None,
                 best_loss: float | None) -> bool:
        """Is (``score``, ``loss``) better than the best so far? Ties on the score go to the lower loss."""
        if best_score is None or np.isnan(best_score):
            return not np.isnan(score)
        if np.isnan(score):
            return False
        gain = (score - best_score) if self.mode == "max" else (best_score - score)
        if gain > TIE:
            return True
        if gain < -TIE:
            return False
        return loss is not None and best_loss is not None and loss < best_loss


def choose_monitor(task: str, classes: Sequence[float] = (), requested: str = "auto",
                   *, source: str = "options") -> Monitor:
    """The monitor for ``task`` ("classify" | "regress"): ``requested`` by name, or the task's own
    score for ``auto`` (FORCE penalty for FORCE codes, else macro-F1; RMSE for regression)."""
    if requested in (None, "", "auto"):
        if task == "classify":
            name = "penalty" if len(classes) and is_force_codes(classes) else "macro_f1"
        else:
            name = "rmse"
    else:
        name = str(requested)
        if name not in MONITORS:
            raise ConfigError(f"{source}: monitor {name!r} is not one of auto, {', '.join(MONITORS)}")
        for_task = MONITORS[name][1]
        if for_task is not None and for_task != task:
            raise ConfigError(f"{source}: monitor {name!r} is for {for_task} models, this one is {task}")
        if name == "penalty" and not is_force_codes(classes):
            raise ConfigError(f"{source}: monitor 'penalty' needs FORCE lithology codes as classes")
    return Monitor(name=name, mode=MONITORS[name][0])


def score(monitor: Monitor, y_true, y_pred, *, loss: float | None = None) -> float:
    """The monitored score of predictions: class codes (classification) or values (regression);
    ``loss`` for the ``loss`` monitor."""
    name = monitor.name
    if name == "loss":
        return float("nan") if loss is None else float(loss)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not len(y_true):
        return float("nan")
    if name == "penalty":
        return force_penalty_score(y_true, y_pred)
    if name in ("macro_f1", "accuracy"):
        return float(classification_report(y_true, y_pred, labels=np.unique(y_true))[name])
    return float(regression_report(y_true, y_pred)[name])


class ScoreStopper:
    """An epoch callback: scores the network on validation data, keeps the best weights, stops after
    ``patience`` epochs without improvement (``patience`` 0/None: never stops early).

    ``loss(network)``, when given, is the loss on the same rows (the tie-break); else the epoch's
    validation loss. ``predict(network) -> predictions`` turns the network's validation output into class codes or
    values comparable with ``y_true``. After training, :meth:`restore` puts the best weights back.
    """

    def __init__(self, monitor: Monitor, network, y_true, predict: Callable, *, patience: int | None = None,
                 keep_best: bool = True, loss: Callable | None = None) -> None:
        self.monitor, self.network, self.y_true, self.predict = monitor, network, y_true, predict
        self.loss = loss  # loss(network) on the same rows (default: the epoch's validation loss)
        self.patience, self.keep_best = patience or 0, keep_best
        self.best_score: float | None = None
        self.best_loss: float | None = None
        self.best_epoch = 0
        self.scores: list[float] = []
        self._best_params: np.ndarray | None = None
        self._wait = 0

    def __call__(self, event) -> bool:
        loss = float(self.loss(self.network)) if self.loss is not None else event.val_loss
        value = score(self.monitor, self.y_true, self.predict(self.network), loss=loss)
        self.scores.append(value)
        if self.monitor.improved(value, loss, self.best_score, self.best_loss):
            self.best_score, self.best_loss, self.best_epoch, self._wait = value, loss, event.epoch, 0
            if self.keep_best:
                self._best_params = self.network.params.copy()
        else:
            self._wait += 1
        return bool(self.patience) and self._wait >= self.patience

    def restore(self) -> None:
        """Put back the weights of the best epoch (nothing when ``keep_best`` is off)."""
        if self.keep_best and self._best_params is not None:
            self.network.params[...] = self._best_params
