"""Fit a geonet model on a feature table: split by well, preprocess, train the MLP.

The flow runs one way: :func:`prepare` turns a table and a :class:`~geonet.spec.TrainSpec` into
immutable :class:`Dataset` s (train and validation, each row's well kept as data) and one
:class:`TargetEncoder`; :func:`train_members` trains the ensemble on them; :func:`fit_model`
is both, returning a :class:`~geonet.train.model.GeonetModel`.
No tracking here: metrics leave through callbacks (``geonet.workflows`` hands them to MLflow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from geonet.errors import InputError
from geonet.nn import EpochEnd, Network, balanced_class_weights, fit, make_optimizer, make_schedule
from geonet.spec import ClassWeight, Decision, Missing, TrainSpec
from geonet.train.decision import class_penalty_matrix, penalty_class_weights
from geonet.train.model import GeonetModel
from geonet.train.preprocess import DEPTH, WELL, Preprocessor
from geonet.train.split import WellSplit, split_wells

#: columns of a feature table that are never model inputs by default
NON_FEATURES = {WELL, DEPTH, "LITHOLOGY", "LITHOLOGY_CONFIDENCE", "X_LOC", "Y_LOC", "Z_LOC", "DEPTH_MD"}
#: fewer labelled rows than this cannot make a training and a validation set
MIN_LABELLED_ROWS = 10

#: a member callback: called after each epoch with the event and the network being trained
MemberCallback = Callable[[EpochEnd, Network], None]


@dataclass(frozen=True)
class TargetEncoder:
    """Target values ↔ what the network outputs: class indices, or standardised values.

    classify: ``classes`` are the label codes in output-unit order; regress: y ↦ (y − center) / scale.
    """

    task: str
    classes: tuple[float, ...] = ()
    center: float = 0.0
    scale: float = 1.0

    @classmethod
    def fit(cls, task: str, y: np.ndarray) -> "TargetEncoder":
        if task == "classify":
            return cls(task, tuple(np.unique(y).tolist()))
        return cls(task, (), float(y.mean()), float(y.std() or 1.0))

    @property
    def n_outputs(self) -> int:
        return len(self.classes) if self.task == "classify" else 1

    def known(self, y: np.ndarray) -> np.ndarray:
        """(n,) True where ``y`` can be encoded (classes never seen in training cannot)."""
        return np.isin(y, self.classes) if self.task == "classify" else np.ones(len(y), dtype=bool)

    def encode(self, y: np.ndarray, dtype: str) -> np.ndarray:
        """(n,) int64 class indices, or (n, 1) standardised values in ``dtype``."""
        if self.task == "classify":
            return np.searchsorted(np.asarray(self.classes), y).astype(np.int64)
        return ((y - self.center) / self.scale).astype(dtype)[:, None]


@dataclass(frozen=True)
class Dataset:
    """Design matrix, encoded targets and each row's well: X (n, inputs), Y (n,) or (n, 1), wells (n,).

    ``rows`` are the table rows used (WELL, DEPTH_M, curves, target), in the order of X;
    ``weight``: per-row sample weight or None.
    """

    X: np.ndarray
    Y: np.ndarray
    wells: np.ndarray
    rows: pd.DataFrame
    weight: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.X)

    def subset(self, keep: np.ndarray) -> "Dataset":
        return Dataset(self.X[keep], self.Y[keep], self.wells[keep], self.rows[keep],
                       None if self.weight is None else self.weight[keep])


@dataclass(frozen=True)
class Prepared:
    """Everything derived from one table and one spec, before any network exists."""

    task: str
    features: list[str]
    split: WellSplit
    preprocessor: Preprocessor
    encoder: TargetEncoder
    train: Dataset
    val: Dataset | None  # None without validation wells (or no usable validation row)
    counts: dict[str, int] = field(default_factory=dict)


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


def prepare(df: pd.DataFrame, spec: TrainSpec, *, source: str = "table") -> Prepared:
    """Select labelled rows, split wells, fit the preprocessing and the target encoder on training wells.

    Every data error (missing column, too few rows, one class) is raised here, before training.
    """
    d = spec.data
    labelled = _labelled(df, d.target, source)
    task = d.task.value if d.task else infer_task(labelled[d.target])
    features = list(d.features) if d.features else default_features(df, d.target, d.exclude)
    if not features:
        raise InputError(f"{source}: no feature curves to train on")
    if task == "classify" and labelled[d.target].nunique() < 2:
        raise InputError(f"{source}: target {d.target!r} has a single class "
                         f"({labelled[d.target].iloc[0]:g}); a classifier needs at least two")
    split = split_wells(labelled[WELL].unique().tolist(), val_wells=d.val_wells, val_fraction=d.val_fraction,
                        rng=np.random.default_rng(d.seed), source=source)
    # context windows need the whole well in depth order, including unlabelled rows
    ordered = df.sort_values([WELL, DEPTH], kind="stable")
    train_all = ordered[ordered[WELL].isin(split.train_wells)].assign(**{WELL: lambda f: f[WELL].astype(str)})
    train_wells = train_all[WELL].to_numpy()
    if spec.preprocess.missing_augment:
        train_all, train_wells = augment_missing_curves(
            train_all, features, copies=spec.preprocess.missing_augment,
            rate=spec.preprocess.missing_augment_rate, rng=np.random.default_rng([d.seed, 20200]))
    pre = Preprocessor.fit(train_all[train_all[d.target].notna()], features, **_preprocess_args(spec), source=source)
    X, rows, wells = _design(pre, train_all, train_wells, spec, source)
    if len(X) == 0:
        raise InputError(f"{source}: no usable training rows (check the missing-curve policy)")
    y = rows[d.target].to_numpy(dtype=np.float64)
    encoder = TargetEncoder.fit(task, y)
    if task == "classify" and spec.ensemble.decision == Decision.min_penalty:
        class_penalty_matrix(encoder.classes)  # fail before training when classes are not FORCE codes
    Y = encoder.encode(y, spec.network.dtype)
    train = Dataset(X, Y, wells, rows, _sample_weight(encoder, Y, spec))
    val, unseen = _validation(pre, ordered, split, encoder, spec, source)
    counts = {"train_rows": len(train), "val_rows": 0 if val is None else len(val)}
    if task == "classify" and split.val_wells:
        counts["val_rows_unseen_class"] = unseen
    return Prepared(task, features, split, pre, encoder, train, val, counts)


def _labelled(df: pd.DataFrame, target: str, source: str) -> pd.DataFrame:
    for col in (WELL, DEPTH, target):
        if col not in df.columns:
            raise InputError(f"{source}: no column {col!r}; columns are {list(df.columns)}")
    labelled = df[df[target].notna()]
    if labelled.empty:
        raise InputError(f"{source}: target {target!r} has no values")
    if not pd.api.types.is_numeric_dtype(labelled[target]):
        raise InputError(f"{source}: target {target!r} is not numeric (a label code or a measured value)")
    if len(labelled) < MIN_LABELLED_ROWS:
        raise InputError(f"{source}: target {target!r} has {len(labelled)} labelled rows; "
                         f"training needs at least {MIN_LABELLED_ROWS}")
    return labelled


def _preprocess_args(spec: TrainSpec) -> dict:
    p = spec.preprocess
    return dict(log10="auto" if p.log10 is None else list(p.log10), missing=p.missing.value,
                scaler=p.scaler.value, context=p.context, context_stride=p.context_stride,
                well_norm=list(p.well_norm), well_norm_percentiles=list(p.well_norm_percentiles),
                context_windows=list(p.context_windows), context_window_std=p.context_window_std,
                context_window_grad=p.context_window_grad, clip=p.clip)


def _design(pre: Preprocessor, frame: pd.DataFrame, wells: np.ndarray, spec: TrainSpec,
            source: str) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Design matrix of ``frame``'s usable labelled rows, those rows, and their wells."""
    X, usable = pre.transform(frame, source=source, dtype=spec.network.dtype)
    labelled = frame[spec.data.target].notna().to_numpy()
    keep = labelled[usable]  # over the rows of X
    chosen = usable & labelled  # over the rows of frame
    if spec.data.max_rows_per_well:  # augmented copies count as wells of their own here
        thinned = _thin(frame[WELL].to_numpy()[chosen], spec.data.max_rows_per_well)
        keep[np.flatnonzero(keep)[~thinned]] = False
        chosen[np.flatnonzero(chosen)[~thinned]] = False
    return X[keep], frame[chosen], wells[chosen]


def _validation(pre, ordered, split, encoder, spec, source) -> tuple[Dataset | None, int]:
    """The validation wells' dataset (rows of classes seen in training) and the unseen-class row count."""
    if not split.val_wells:
        return None, 0
    frame = ordered[ordered[WELL].isin(split.val_wells)]
    X, rows, wells = _design(pre, frame, frame[WELL].astype(str).to_numpy(), spec, source)
    y = rows[spec.data.target].to_numpy(dtype=np.float64)
    known = encoder.known(y)
    if not known.any():
        return None, int((~known).sum())
    return Dataset(X[known], encoder.encode(y[known], spec.network.dtype), wells[known], rows[known]), \
        int((~known).sum())


def _sample_weight(encoder: TargetEncoder, Y: np.ndarray, spec: TrainSpec) -> np.ndarray | None:
    how = spec.optimisation.class_weight
    if encoder.task != "classify" or how == ClassWeight.none:
        return None
    if how == ClassWeight.penalty:
        w = penalty_class_weights(encoder.classes)
    else:
        w = balanced_class_weights(Y, len(encoder.classes))
    if how == ClassWeight.sqrt:
        w = np.sqrt(w)
    return np.asarray(w, dtype=spec.network.dtype)[Y]


def fit_model(df: pd.DataFrame, spec: TrainSpec, *, callbacks: Sequence[MemberCallback] = (),
              source: str = "table", prepared: Prepared | None = None) -> FitOutcome:
    """Prepare ``df`` (unless ``prepared`` is given) and train the model ``spec`` describes."""
    prepared = prepared or prepare(df, spec, source=source)
    networks, history = train_members(prepared.train, prepared.val, spec, prepared.encoder.n_outputs,
                                      callbacks=callbacks)
    enc = prepared.encoder
    model = GeonetModel(network=networks[0], preprocessor=prepared.preprocessor, task=prepared.task,
                        target=spec.data.target, classes=list(enc.classes), target_center=enc.center,
                        target_scale=enc.scale, extra_networks=networks[1:], decision=spec.ensemble.decision.value)
    return FitOutcome(model=model, history=history, prepared=prepared)


def train_members(train: Dataset, val: Dataset | None, spec: TrainSpec, n_outputs: int, *,
                  callbacks: Sequence[MemberCallback] = ()) -> tuple[list[Network], object]:
    """Train ``spec.ensemble.ensemble`` networks; returns them and the first one's history.

    Member m uses seed ``seed + m`` (initial weights; batch order from ``seed + m + 1``) and, with
    ``bag_wells`` = f > 0, only the rows of its own random round(f · n) of the n training wells
    (:func:`bag_wells`), so members differ where wells differ. ``callbacks`` see the first member's
    epochs as ``callback(event, network)``.
    """
    networks, history = [], None
    for m in range(spec.ensemble.ensemble):
        seed = spec.data.seed + m
        network = build_network(train.X.shape[1], n_outputs, spec, seed=seed)
        member_cbs = [lambda event, cb=cb, net=network: cb(event, net) for cb in callbacks] if m == 0 else []
        result = _train_one(network, _member_rows(train, spec, m), val, spec, seed, member_cbs)
        history = history or result
        networks.append(network)
    return networks, history


def bag_wells(row_wells: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean (n,) mask of the rows whose well is among round(fraction · n_wells) wells drawn without replacement.

    ``row_wells``: (n,) well of each row. At least one well is drawn; wells are taken in the order
    of first appearance and drawn with ``rng.choice``, so a seed fixes the subset.
    """
    wells = pd.unique(row_wells)
    k = min(len(wells), max(1, round(float(fraction) * len(wells))))
    chosen = rng.choice(len(wells), size=k, replace=False)
    return np.isin(row_wells, wells[chosen])


def _member_rows(train: Dataset, spec: TrainSpec, m: int) -> Dataset:
    """Training rows of ensemble member ``m``: all rows, or its bag of wells (seeded by ``seed + m``)."""
    if not spec.ensemble.bag_wells:
        return train
    rng = np.random.default_rng([spec.data.seed + m, 3141])
    return train.subset(bag_wells(train.wells, spec.ensemble.bag_wells, rng))


def _train_one(network: Network, train: Dataset, val: Dataset | None, spec: TrainSpec, seed: int,
               callbacks) -> object:
    """Train ``network`` in place; batch order drawn from ``seed + 1``."""
    o = spec.optimisation
    schedule_args = {"epochs": o.epochs} if o.schedule.value == "cosine" else {}
    return fit(
        network, train.X, train.Y,
        optimizer=make_optimizer(o.optimizer.value, lr=o.lr),
        schedule=make_schedule(o.schedule.value, lr=o.lr, **schedule_args),
        epochs=o.epochs, batch_size=o.batch_size, rng=np.random.default_rng(seed + 1),
        X_val=None if val is None else val.X, Y_val=None if val is None else val.Y,
        sample_weight=train.weight, l2=o.l2,
        patience=o.patience if val is not None and o.patience else None,
        restore_best=o.restore_best, callbacks=tuple(callbacks),
    )


def build_network(n_inputs: int, n_outputs: int, spec: TrainSpec, *, seed: int) -> Network:
    """The untrained network: ``n_inputs`` → ``spec.network.hidden`` → ``n_outputs``; weights drawn with ``seed``.

    One output is a regression (identity output), more are class probabilities (softmax).
    """
    n = spec.network
    return Network([n_inputs, *n.hidden, n_outputs], activation=n.activation.value,
                   output="softmax" if n_outputs > 1 else "identity",
                   dtype=n.dtype.value, rng=np.random.default_rng(seed))


def augment_missing_curves(frame: pd.DataFrame, features: Sequence[str], *, copies: int, rate: float,
                           rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` plus ``copies`` copies of each well in which whole input curves are missing, and
    the (n,) source well of every row of the result (a copy's rows: the well they were copied from).

    In each copy every feature curve except DEPTH_M is removed (set to NaN) with chance ``rate``,
    independently; at least one curve is removed. The copies are named ``<well>~aug<i>`` and follow
    the originals, wells contiguous and in depth order (the preprocessing treats each copy as a well
of its own, so depth context never crosses from a well into its copy). A network trained on them has seen wells
    logged with fewer tools — the common case in new wells — with the imputed value and the
    ``<CURVE>_MISSING`` indicator, rather than meeting that pattern first at prediction time.
    """
    droppable = [c for c in features if c != DEPTH]
    parts, sources = [frame], [frame[WELL].astype(str).to_numpy()]
    if not droppable:
        return frame, sources[0]
    for i in range(1, copies + 1):
        for well, rows in frame.groupby(WELL, sort=False):
            drop = [c for c in droppable if rng.random() < rate]
            if not drop:
                drop = [droppable[int(rng.integers(len(droppable)))]]
            parts.append(rows.assign(**{WELL: f"{well}~aug{i}"}, **{c: np.nan for c in drop}))
            sources.append(np.full(len(rows), str(well), dtype=object))
    return pd.concat(parts, ignore_index=True), np.concatenate(sources)


def _thin(wells: np.ndarray, limit: int) -> np.ndarray:
    """(n,) mask keeping at most ``limit`` evenly spaced rows of each well (``wells``: (n,) ids)."""
    keep = np.zeros(len(wells), dtype=bool)
    for well in pd.unique(wells):
        idx = np.flatnonzero(wells == well)
        keep[idx[:: max(1, int(np.ceil(len(idx) / limit)))]] = True
    return keep
