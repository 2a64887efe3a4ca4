"""Fit a geonet model on a feature table: split by well, preprocess, train the MLP.

No tracking here: metrics leave through callbacks (``geonet.workflows`` hands them to MLflow).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from geonet.errors import ConfigError, InputError
from geonet.nn import (
    ACTIVATIONS,
    Network,
    balanced_class_weights,
    fit,
    make_optimizer,
    make_schedule,
)
from geonet.train.config import TrainConfig
from geonet.train.decision import class_penalty_matrix, penalty_class_weights
from geonet.train.model import GeonetModel
from geonet.train.preprocess import DEPTH, WELL, Preprocessor
from geonet.train.split import WellSplit, split_wells

#: columns of a feature table that are never model inputs by default
NON_FEATURES = {WELL, DEPTH, "LITHOLOGY", "LITHOLOGY_CONFIDENCE", "X_LOC", "Y_LOC", "Z_LOC", "DEPTH_MD"}


@dataclass
class Prepared:
    """Everything the network needs, derived from one table and one config."""

    task: str
    features: list[str]
    split: WellSplit
    preprocessor: Preprocessor
    classes: list[float]
    X_train: np.ndarray
    Y_train: np.ndarray
    X_val: np.ndarray | None
    Y_val: np.ndarray | None
    sample_weight: np.ndarray | None
    val_frame: pd.DataFrame  # the validation rows used (WELL, DEPTH_M, curves, target)
    target_center: float = 0.0
    target_scale: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)
    train_row_wells: np.ndarray | None = None  # (n_train,) well of each training row (augmented copies: the original)


@dataclass
class FitOutcome:
    model: GeonetModel
    history: object  # geonet.nn fit history (.train_loss, .val_loss, .best_epoch, ...)
    prepared: Prepared


def infer_task(y: pd.Series) -> str:
    """``classify`` for a few integer-valued codes (lithology), else ``regress``."""
    values = y.dropna().to_numpy()
    if len(values) and np.all(np.mod(values, 1) == 0) and len(np.unique(values)) <= 50:
        return "classify"
    return "regress"


def default_features(df: pd.DataFrame, target: str, exclude: Sequence[str] = ()) -> list[str]:
    skip = NON_FEATURES | {target} | set(exclude)
    return [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])
            and not c.endswith("_PRED") and not c.startswith("PROB_")]


def prepare(df: pd.DataFrame, config: TrainConfig, *, source: str = "table") -> Prepared:
    """Select labelled rows, split wells, fit the preprocessing on training wells only."""
    for col in (WELL, DEPTH, config.target):
        if col not in df.columns:
            raise InputError(f"{source}: no column {col!r}; columns are {list(df.columns)}")
    labelled = df[df[config.target].notna()]
    if labelled.empty:
        raise InputError(f"{source}: target {config.target!r} has no values")
    task = config.task or infer_task(labelled[config.target])
    features = list(config.features) if config.features else default_features(df, config.target, config.exclude)
    if not features:
        raise ConfigError(f"{source}: no feature curves to train on")
    if config.target in features:
        raise ConfigError(f"{source}: the target {config.target!r} cannot also be a feature")
    rng = np.random.default_rng(config.seed)
    split = split_wells(labelled[WELL].unique().tolist(), val_wells=config.val_wells,
                        val_fraction=config.val_fraction, rng=rng, source=source)
    # context windows need the whole well in depth order, including unlabelled rows
    ordered = df.sort_values([WELL, DEPTH], kind="stable")
    train_all = ordered[ordered[WELL].isin(split.train_wells)]
    val_all = ordered[ordered[WELL].isin(split.val_wells)]
    if config.missing_augment:
        train_all = augment_missing_curves(train_all, features, copies=int(config.missing_augment),
                                           rate=float(config.missing_augment_rate),
                                           rng=np.random.default_rng([config.seed, 20200]))
    pre = Preprocessor.fit(train_all[train_all[config.target].notna()], features, log10=config.log10,
                           missing=config.missing, scaler=config.scaler, context=config.context,
                           context_stride=config.context_stride, well_norm=config.well_norm,
                           well_norm_percentiles=config.well_norm_percentiles,
                           context_windows=config.context_windows,
                           context_window_std=config.context_window_std,
                           context_window_grad=config.context_window_grad, clip=config.clip, source=source)

    def design(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        X, mask = pre.transform(frame, source=source, dtype=config.dtype)
        labelled_mask = frame[config.target].notna().to_numpy()
        keep = labelled_mask[mask]
        used = frame[mask & labelled_mask]
        if config.max_rows_per_well:
            used, keep = _thin(used, X, keep, config.max_rows_per_well)
        return X[keep], used

    X_train, train_rows = design(train_all)
    if len(X_train) == 0:
        raise InputError(f"{source}: no usable training rows (check the missing-curve policy)")
    X_val, val_rows = design(val_all) if split.val_wells else (None, val_all.iloc[:0])
    y_train = train_rows[config.target].to_numpy(dtype=np.float64)
    prepared = Prepared(task=task, features=features, split=split, preprocessor=pre, classes=[],
                        X_train=X_train, Y_train=y_train, X_val=X_val, Y_val=None, sample_weight=None,
                        val_frame=val_rows,
                        train_row_wells=train_rows[WELL].astype(str).str.split("~aug").str[0].to_numpy())
    if task == "classify":
        classes = np.unique(y_train)
        prepared.classes = classes.tolist()
        prepared.Y_train = np.searchsorted(classes, y_train).astype(np.int64)
        if X_val is not None:
            y_val = val_rows[config.target].to_numpy(dtype=np.float64)
            known = np.isin(y_val, classes)  # classes never seen in training cannot be predicted
            prepared.X_val, prepared.val_frame = X_val[known], val_rows[known]
            prepared.Y_val = np.searchsorted(classes, y_val[known]).astype(np.int64)
            prepared.counts["val_rows_unseen_class"] = int((~known).sum())
        if config.decision == "min_penalty":
            class_penalty_matrix(classes)  # fail before training when classes are not FORCE codes
        if config.class_weight != "none":
            if config.class_weight == "penalty":
                w = penalty_class_weights(classes)
            else:
                w = balanced_class_weights(prepared.Y_train, len(classes))
            if config.class_weight == "sqrt":
                w = np.sqrt(w)
            prepared.sample_weight = np.asarray(w, dtype=config.dtype)[prepared.Y_train]
    else:
        if config.decision != "argmax":
            raise ConfigError(f"{source}: decision {config.decision!r} is for classification only")
        center, scale = float(y_train.mean()), float(y_train.std() or 1.0)
        prepared.target_center, prepared.target_scale = center, scale
        prepared.Y_train = ((y_train - center) / scale).astype(config.dtype)[:, None]
        if X_val is not None:
            y_val = val_rows[config.target].to_numpy(dtype=np.float64)
            prepared.Y_val = ((y_val - center) / scale).astype(config.dtype)[:, None]
    prepared.counts.update(train_rows=len(prepared.X_train),
                           val_rows=0 if prepared.X_val is None else len(prepared.X_val))
    if prepared.X_val is not None and len(prepared.X_val) == 0:
        prepared.X_val = prepared.Y_val = None
    return prepared


def fit_model(
    df: pd.DataFrame,
    config: TrainConfig,
    *,
    callbacks: Sequence[Callable] = (),
    source: str = "table",
    prepared: Prepared | None = None,
    network: Network | None = None,
) -> FitOutcome:
    """Train a network (or ``config.ensemble`` of them) on ``df`` with ``config``.

    ``prepared`` and ``network`` may be built beforehand (:func:`prepare`, :func:`build_network`)
    so that callbacks can see them. Per-epoch events of the first network go to ``callbacks``;
    further ensemble members are trained the same way with seeds ``seed + m`` (initial weights
    and batch order), silently, and the returned ``history`` is the first network's.
    With ``config.bag_wells`` = f > 0 every member (the first too) trains only on the rows of
    its own random round(f · n) of the n training wells (:func:`bag_wells`), so members differ
    where wells differ.
    """
    prepared = prepared or prepare(df, config, source=source)
    network = network or build_network(prepared, config)
    history = _train_one(network, _member_data(prepared, config, 0), config, config.seed, callbacks)
    extra = []
    for m in range(1, int(config.ensemble)):
        member = build_network(prepared, config, seed=config.seed + m)
        _train_one(member, _member_data(prepared, config, m), config, config.seed + m, ())
        extra.append(member)
    model = GeonetModel(network=network, preprocessor=prepared.preprocessor, task=prepared.task,
                        target=config.target, classes=prepared.classes,
                        target_center=prepared.target_center, target_scale=prepared.target_scale,
                        extra_networks=extra, decision=config.decision)
    return FitOutcome(model=model, history=history, prepared=prepared)


def bag_wells(row_wells: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean (n,) mask of the rows whose well is among round(fraction · n_wells) wells drawn without replacement.

    ``row_wells``: (n,) well of each row. At least one well is drawn; wells are taken in the order
    of first appearance and drawn with ``rng.choice``, so a seed fixes the subset.
    """
    wells = pd.unique(row_wells)
    k = min(len(wells), max(1, round(float(fraction) * len(wells))))
    chosen = rng.choice(len(wells), size=k, replace=False)
    return np.isin(row_wells, wells[chosen])


def _member_data(prepared: Prepared, config: TrainConfig, m: int) -> Prepared:
    """Training data of ensemble member ``m``: all rows, or its bag of wells (seeded by ``seed + m``)."""
    if not config.bag_wells or prepared.train_row_wells is None:
        return prepared
    keep = bag_wells(prepared.train_row_wells, config.bag_wells, np.random.default_rng([config.seed + m, 3141]))
    weight = None if prepared.sample_weight is None else prepared.sample_weight[keep]
    return dataclasses.replace(prepared, X_train=prepared.X_train[keep], Y_train=prepared.Y_train[keep],
                               sample_weight=weight, train_row_wells=prepared.train_row_wells[keep])


def _train_one(network: Network, prepared: Prepared, config: TrainConfig, seed: int, callbacks) -> object:
    """Train ``network`` in place on ``prepared`` data; batch order drawn from ``seed + 1``."""
    rng = np.random.default_rng(seed + 1)
    try:
        optimizer = make_optimizer(config.optimizer, lr=config.lr)
        schedule = make_schedule(config.schedule, lr=config.lr,
                                 **({"epochs": config.epochs} if config.schedule == "cosine" else {}))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return fit(
        network, prepared.X_train, prepared.Y_train,
        optimizer=optimizer, schedule=schedule,
        epochs=config.epochs, batch_size=config.batch_size, rng=rng,
        X_val=prepared.X_val, Y_val=prepared.Y_val, sample_weight=prepared.sample_weight,
        l2=config.l2, patience=config.patience if prepared.X_val is not None and config.patience else None,
        restore_best=config.restore_best,
        callbacks=tuple(callbacks),
    )


def build_network(prepared: Prepared, config: TrainConfig, *, seed: int | None = None) -> Network:
    """The untrained network for ``prepared`` data: inputs → ``config.hidden`` → classes or 1 value.

    Initial weights are drawn with ``seed`` (default ``config.seed``).
    """
    n_out = len(prepared.classes) if prepared.task == "classify" else 1
    if config.activation not in ACTIVATIONS:
        raise ConfigError(f"activation {config.activation!r} is not one of {', '.join(sorted(ACTIVATIONS))}")
    return Network([prepared.X_train.shape[1], *config.hidden, n_out], activation=config.activation,
                   output="softmax" if prepared.task == "classify" else "identity",
                   dtype=config.dtype, rng=np.random.default_rng(config.seed if seed is None else seed))


def augment_missing_curves(frame: pd.DataFrame, features: Sequence[str], *, copies: int, rate: float,
                           rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` plus ``copies`` copies of each well in which whole input curves are missing.

    In each copy every feature curve except DEPTH_M is removed (set to NaN) with chance ``rate``,
    independently; at least one curve is removed. The copies are named ``<well>~aug<i>`` and follow
    the originals, wells contiguous and in depth order. A network trained on them has seen wells
    logged with fewer tools — the common case in new wells — with the imputed value and the
    ``<CURVE>_MISSING`` indicator, rather than meeting that pattern first at prediction time.
    """
    droppable = [c for c in features if c != DEPTH]
    parts = [frame]
    if not droppable:
        return frame
    for i in range(1, copies + 1):
        for well, rows in frame.groupby(WELL, sort=False):
            drop = [c for c in droppable if rng.random() < rate]
            if not drop:
                drop = [droppable[int(rng.integers(len(droppable)))]]
            parts.append(rows.assign(**{WELL: f"{well}~aug{i}"}, **{c: np.nan for c in drop}))
    return pd.concat(parts, ignore_index=True)


def _thin(rows: pd.DataFrame, X: np.ndarray, keep: np.ndarray, limit: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Keep at most ``limit`` evenly spaced labelled rows per well."""
    positions = np.flatnonzero(keep)
    wells = rows[WELL].to_numpy()
    chosen = []
    for well in pd.unique(wells):
        idx = np.flatnonzero(wells == well)
        step = max(1, int(np.ceil(len(idx) / limit)))
        chosen.append(idx[::step])
    chosen = np.concatenate(chosen) if chosen else np.array([], dtype=int)
    new_keep = np.zeros_like(keep)
    new_keep[positions[chosen]] = True
    return rows.iloc[chosen], new_keep
