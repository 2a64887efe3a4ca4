"""Leave-wells-out k-fold cross-validation: folds of whole wells (or groups of wells), stratified by size.

Neighbouring depth samples are nearly identical, so folds hold out whole wells — or whole groups
(a field, a basin) when a group column is given, so that a fold never trains on a neighbour of the
wells it is scored on. Folds are stratified by size: units (wells or groups) are sorted by their
number of labelled rows and dealt out k at a time, each block of k in a random order, so every fold
gets a similar mix of large and small wells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from geonet.errors import ConfigError


@dataclass(frozen=True)
class Fold:
    """One fold: ``held_out`` wells are scored by a model trained on ``train`` wells."""

    index: int
    train: list[str]
    held_out: list[str]


def well_folds(
    well_rows: Mapping[str, int],
    k: int = 5,
    *,
    groups: Mapping[str, str] | None = None,
    rng: np.random.Generator | None = None,
    source: str = "table",
) -> list[Fold]:
    """``k`` folds over the wells of ``well_rows`` (well → labelled rows), stratified by size.

    With ``groups`` (well → group name) every group's wells stay in one fold and the units dealt are
    groups (size: the sum of their wells' rows). Each well is held out exactly once. Raises
    :class:`ConfigError` when there are fewer units than folds or ``k`` < 2.
    """
    if int(k) < 2:
        raise ConfigError(f"{source}: cross-validation needs at least 2 folds, got {k}")
    wells = sorted(str(w) for w in well_rows)
    if groups is not None:
        missing = [w for w in wells if w not in groups]
        if missing:
            raise ConfigError(f"{source}: wells {missing} have no group")
    unit_of = {w: str(groups[w]) if groups is not None else w for w in wells}
    size: dict[str, int] = {}
    for w in wells:
        size[unit_of[w]] = size.get(unit_of[w], 0) + int(well_rows[w])
    units = sorted(size, key=lambda u: (-size[u], u))
    if len(units) < k:
        what = "groups" if groups is not None else "wells"
        raise ConfigError(f"{source}: {len(units)} {what} cannot make {k} folds; use --folds {max(2, len(units))} "
                          f"or fewer" if len(units) >= 2 else f"{source}: cross-validation needs at least 2 {what}")
    rng = rng if rng is not None else np.random.default_rng(0)
    fold_of: dict[str, int] = {}
    for start in range(0, len(units), k):
        block = units[start:start + k]
        for unit, fold in zip(block, rng.permutation(k)[:len(block)]):
            fold_of[unit] = int(fold)
    folds = []
    for i in range(k):
        held = [w for w in wells if fold_of[unit_of[w]] == i]
        folds.append(Fold(index=i, train=[w for w in wells if fold_of[unit_of[w]] != i], held_out=held))
    return folds


def summarize(values) -> dict[str, float]:
    """Mean, standard deviation (ddof=1; 0 for one value), min and max of per-fold scores, NaN ignored."""
    v = np.asarray([x for x in values if x is not None and not np.isnan(x)], dtype=np.float64)
    if not len(v):
        return {"mean": float("nan"), "std": float("nan"), "min": float("nan"), "max": float("nan")}
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "min": float(v.min()), "max": float(v.max())}


# ---- the cross-validation loop (no tracking: folds leave through ``on_fold``) -----------------------
@dataclass
class FoldResult:
    """One fold's model scored on its held-out wells: ``metrics`` over all of them, ``per_well`` each."""

    fold: Fold
    metrics: dict[str, float]
    per_well: list[dict]  # {"fold", "well", "rows", <metric>: value, ...}
    spec: object  # the fold's TrainSpec with "auto" values resolved
    predictions: object = None  # DataFrame: WELL, DEPTH_M, target, <TARGET>_PRED of the held-out labelled rows
    seconds: float = 0.0


@dataclass
class CVResult:
    folds: list[FoldResult]
    monitor: str  # the task's own score (classification: macro_f1 or penalty; regression: rmse)
    mode: str  # "max" | "min": which way is better

    def summary(self) -> dict[str, dict[str, float]]:
        """metric → mean, std, min, max over the folds."""
        names = list(self.folds[0].metrics) if self.folds else []
        return {m: summarize([f.metrics.get(m, float("nan")) for f in self.folds]) for m in names}

    def per_well(self) -> list[dict]:
        return [row for f in self.folds for row in f.per_well]


def task_scores(task: str, y_true, y_pred) -> dict[str, float]:
    """Classification: accuracy, macro-F1 (over the classes in truth or prediction) and, for FORCE
    codes, the FORCE penalty; regression: RMSE, MAE, R²."""
    from geonet.train.metrics import classification_report, force_penalty_score, is_force_codes, regression_report

    y, yhat = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if task != "classify":
        return {k: float(v) for k, v in regression_report(y, yhat).items()}
    report = classification_report(y, yhat, labels=np.union1d(y, yhat).tolist())
    out = {"accuracy": float(report["accuracy"]), "macro_f1": float(report["macro_f1"])}
    if is_force_codes(np.r_[y, yhat]):
        out["penalty"] = force_penalty_score(y, yhat)
    return out


def cross_validate(df, spec, *, folds: int = 5, groups: str | None = None, seed: int | None = None,
                   plan: list[Fold] | None = None, on_fold=None, source: str = "table") -> CVResult:
    """Leave-wells-out k-fold CV of ``spec`` (a TrainSpec) on the feature table ``df``.

    Folds come from :func:`well_folds` over the labelled wells (``groups``: a column naming each
    well's group, e.g. a field). Each fold trains on its training wells only — the held-out wells'
    rows are not even passed to training, so nothing (stopping, input choice, scaling) looks at
    them — with ``val_wells`` cleared: members stop on their out-of-bag wells, or on wells drawn
    from the fold's training wells when ``val_fraction`` is set, else run all epochs. The held-out
    wells are then predicted whole and scored on their labelled rows. ``on_fold(FoldResult)`` is
    called after each fold. ``plan``: folds given by the caller instead (e.g. fixed by hand).
    """
    import time

    import pandas as pd

    from geonet.errors import InputError
    from geonet.train.fitting import fit_model, prepare
    from geonet.train.monitor import choose_monitor

    target = spec.data.target
    for col in ("WELL", "DEPTH_M", target) + ((groups,) if groups else ()):
        if col not in df.columns:
            raise InputError(f"{source}: no column {col!r}; columns are {list(df.columns)}")
    labelled = df[df[target].notna()]
    rows = labelled.groupby("WELL").size()
    group_of = None
    if groups:
        group_of = {str(w): str(g) for w, g in labelled.groupby("WELL")[groups].first().items()}
    if plan is None:
        plan = well_folds({str(w): int(n) for w, n in rows.items()}, folds, groups=group_of,
                          rng=np.random.default_rng(spec.data.seed if seed is None else seed), source=source)
    # the held-out wells are the test: validation wells, if any, come from the fold's training wells
    fold_spec = spec.replace(val_wells=None, val_fraction=spec.data.val_fraction or 0.0)
    ordered = df.sort_values(["WELL", "DEPTH_M"], kind="stable")
    wells = ordered["WELL"].astype(str)
    results, monitor = [], None
    for fold in plan:
        t0 = time.perf_counter()
        train_rows = ordered[wells.isin(fold.train)]
        prepared = prepare(train_rows, fold_spec, source=source)
        model = fit_model(train_rows, fold_spec, prepared=prepared).model
        if monitor is None:  # the fold's monitored score; the task's own when that is the loss
            monitor = prepared.monitor if prepared.monitor.name != "loss" else choose_monitor(prepared.task,
                                                                                              prepared.encoder.classes)
        held = ordered[wells.isin(fold.held_out)]
        pred = model.predict_frame(held, source=source)[model.pred_column]
        scored = held[target].notna() & pred.notna()
        frame = pd.DataFrame({"WELL": held["WELL"].astype(str), "DEPTH_M": held["DEPTH_M"], target: held[target],
                              model.pred_column: pred})[scored]
        per_well = [{"fold": fold.index, "well": w, "rows": int(len(part)),
                     **task_scores(prepared.task, part[target], part[model.pred_column])}
                    for w, part in frame.groupby("WELL", sort=True)]
        result = FoldResult(fold=fold, metrics=task_scores(prepared.task, frame[target], frame[model.pred_column]),
                            per_well=per_well, spec=prepared.spec, predictions=frame,
                            seconds=time.perf_counter() - t0)
        results.append(result)
        if on_fold is not None:
            on_fold(result)
    return CVResult(folds=results, monitor=monitor.name, mode=monitor.mode)

