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

from geonet.errors import InputError, OptionError
from geonet.features.inputs import InputChoice, select_inputs
from geonet.nn import EpochEnd, Network, balanced_class_weights, fit, fit_batches, make_optimizer, make_schedule
from geonet.spec import ClassWeight, Decision, TrainSpec
from geonet.train.decision import class_penalty_matrix, min_penalty_decisions, penalty_class_weights
from geonet.train.model import GeonetModel
from geonet.train.monitor import Monitor, ScoreStopper, choose_monitor
from geonet.train.preprocess import DEPTH, WELL, Preprocessor
from geonet.train.recipe import resolve_ensemble, resolve_windows
from geonet.train.split import WellSplit, split_wells
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

    @property
    def n_columns(self) -> int:
        return self.X.shape[1]

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
    spec: TrainSpec | None = None  # the spec with every "auto" made concrete (windows, bagging, ensemble)
    inputs: InputChoice | None = None  # the default-input choice and what it left out (None: --features given)
    monitor: Monitor | None = None  # the score that stops training and chooses the epoch


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


def choose_features(df: pd.DataFrame, spec: TrainSpec, train_wells: Sequence[str],
                    source: str = "table") -> tuple[list[str], InputChoice | None]:
    """Input curves: ``features`` as given, or the default rule (:func:`select_inputs`) over the
    training wells, plus any ``+NAME`` entries of ``features``."""
    d = spec.data
    given = list(d.features or ())
    explicit = [f for f in given if not f.startswith("+")]
    added = [f[1:] for f in given if f.startswith("+")]
    if explicit:
        return list(dict.fromkeys(explicit + added)), None
    choice = select_inputs(df, d.target, train_wells=train_wells, min_curve_wells=d.min_curve_wells,
                           exclude=d.exclude, add=added)
    if not choice.chosen:
        raise InputError(f"{source}: no input curves left; {'; '.join(choice.lines())}")
    return choice.chosen, choice


def prepare(df: pd.DataFrame, spec: TrainSpec, *, source: str = "table") -> Prepared:
    """Select labelled rows, split wells, choose the inputs, fit the preprocessing and the target
    encoder on training wells; resolve the spec's "auto" values (``Prepared.spec``).

    Every data error (missing column, too few rows, one class) is raised here, before training.
    """
    d = spec.data
    labelled = _labelled(df, d.target, source)
    task = d.task.value if d.task else infer_task(labelled[d.target])
    if task == "regress" and spec.ensemble.decision != Decision.argmax:
        raise OptionError(f"{source}: decision {spec.ensemble.decision.value!r} is for classification only")
    if task == "classify" and labelled[d.target].nunique() < 2:
        raise InputError(f"{source}: target {d.target!r} has a single class "
                         f"({labelled[d.target].iloc[0]:g}); a classifier needs at least two")
    split = split_wells(labelled[WELL].unique().tolist(), val_wells=d.val_wells, val_fraction=d.val_fraction,
                        rng=np.random.default_rng(d.seed), source=source)
    features, choice = choose_features(df, spec, split.train_wells, source)
    if d.target in features:
        raise InputError(f"{source}: the target {d.target!r} cannot also be a feature")
    # context windows need the whole well in depth order, including unlabelled rows
    ordered = df.sort_values([WELL, DEPTH], kind="stable")
    train_all = ordered[ordered[WELL].isin(split.train_wells)].assign(**{WELL: lambda f: f[WELL].astype(str)})
    train_wells = train_all[WELL].to_numpy()
    spec = resolve_windows(spec, train_all)
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
    spec = resolve_ensemble(spec, len(split.train_wells), len(train))
    monitor = choose_monitor(task, encoder.classes, spec.optimisation.monitor.value, source=source)
    return Prepared(task, features, split, pre, encoder, train, val, counts, spec=spec, inputs=choice,
                    monitor=monitor)


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
    """Prepare ``df`` (unless ``prepared`` is given) and train the model ``spec`` describes
    (its "auto" values as :func:`prepare` resolved them)."""
    prepared = prepared or prepare(df, spec, source=source)
    spec = prepared.spec or spec
    networks, history = train_members(prepared.train, prepared.val, spec, prepared.encoder.n_outputs,
                                      callbacks=callbacks, monitor=prepared.monitor, encoder=prepared.encoder)
    enc = prepared.encoder
    model = GeonetModel(network=networks[0], preprocessor=prepared.preprocessor, task=prepared.task,
                        target=spec.data.target, classes=list(enc.classes), target_center=enc.center,
                        target_scale=enc.scale, extra_networks=networks[1:], decision=spec.ensemble.decision.value)
    return FitOutcome(model=model, history=history, prepared=prepared)


def train_members(train: Dataset, val: Dataset | None, spec: TrainSpec, n_outputs: int, *,
                  callbacks: Sequence[MemberCallback] = (), monitor: Monitor | None = None,
                  encoder: "TargetEncoder | None" = None) -> tuple[list[Network], object]:
    """Train ``spec.ensemble.ensemble`` networks (a resolved spec); returns them and the first one's history.

    Member m uses seed ``seed + m`` (initial weights; batch order from ``seed + m + 1``) and, with
    ``bag_wells`` = f > 0, only the rows of its own random round(f · n) of the n training wells
    (:func:`bag_wells`), so members differ where wells differ. ``callbacks`` see the first member's
    epochs as ``callback(event, network)``.

    Stopping (with ``monitor`` and ``encoder``): each member is scored after every epoch by the
    monitored score (the task's own, loss as tie-break) on its *out-of-bag* training wells when
    bagging, else on ``val``; it stops after ``patience`` epochs without improvement and keeps its
    best epoch's weights (``restore_best``). Without such rows every member runs all epochs.
    """
    networks, history = [], None
    for m in range(spec.ensemble.ensemble or 1):
        seed = spec.data.seed + m
        network = build_network(train.n_columns, n_outputs, spec, seed=seed)
        member_cbs = [lambda event, cb=cb, net=network: cb(event, net) for cb in callbacks] if m == 0 else []
        rows, stop_rows = _member_rows(train, val, spec, m)
        stopper = _stopper(network, stop_rows, spec, monitor, encoder) if monitor and encoder else None
        result = _train_one(network, rows, val if m == 0 else None, spec, seed,
                            [*member_cbs, *([stopper] if stopper else [])])
        if stopper is not None:
            stopper.restore()
            result.best_epoch = stopper.best_epoch if spec.optimisation.restore_best else len(result.train_loss)
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


def _member_rows(train: Dataset, val: Dataset | None, spec: TrainSpec, m: int) -> tuple[Dataset, Dataset | None]:
    """Training rows of ensemble member ``m`` (all rows, or its bag of wells seeded by ``seed + m``)
    and the rows it is stopped on: its out-of-bag wells when bagging, else the validation rows."""
    if not spec.ensemble.bag_wells:
        return train, val
    rng = np.random.default_rng([spec.data.seed + m, 3141])
    keep = bag_wells(train.wells, spec.ensemble.bag_wells, rng)
    return train.subset(keep), (train.subset(~keep) if (~keep).any() else val)


def _stopper(network: Network, rows: Dataset | None, spec: TrainSpec, monitor: Monitor,
             encoder: "TargetEncoder") -> ScoreStopper | None:
    """The monitored-score callback of one member (None: no rows to stop on, or neither patience nor restore)."""
    o = spec.optimisation
    if rows is None or not len(rows) or not (o.patience or o.restore_best):
        return None
    if not isinstance(rows, Dataset):  # streamed (out-of-bag wells): a bounded, evenly thinned share in memory
        rows = rows.in_memory(rows.buffer_rows)
    X, Y = rows.X, rows.Y
    if encoder.task == "classify":
        classes = np.asarray(encoder.classes, dtype=np.float64)
        cost = class_penalty_matrix(classes) if spec.ensemble.decision == Decision.min_penalty else None

        def predict(net):
            proba = net.predict_output(X)
            return classes[min_penalty_decisions(proba, cost) if cost is not None else proba.argmax(axis=1)]
        y_true = classes[Y]
    else:
        def predict(net):
            return net.predict_output(X)[:, 0] * encoder.scale + encoder.center
        y_true = Y[:, 0] * encoder.scale + encoder.center
    return ScoreStopper(monitor, network, y_true, predict, patience=o.patience, keep_best=o.restore_best,
                        loss=lambda net: net.loss(X, Y))


def _train_one(network: Network, train: Dataset, val: Dataset | None, spec: TrainSpec, seed: int,
               callbacks) -> object:
    """Train ``network`` in place; batch order drawn from ``seed + 1``."""
    o = spec.optimisation
    schedule_args = {"epochs": o.epochs} if o.schedule.value == "cosine" else {}
    if not isinstance(train, Dataset):  # streamed from disk (geonet.train.streaming.StreamDataset)
        return fit_batches(
            network, train.batch_source(o.batch_size),
            optimizer=make_optimizer(o.optimizer.value, lr=o.lr),
            schedule=make_schedule(o.schedule.value, lr=o.lr, **schedule_args),
            epochs=o.epochs, batch_size=o.batch_size, rng=np.random.default_rng(seed + 1),
            X_val=None if val is None else val.X, Y_val=None if val is None else val.Y,
            l2=o.l2, patience=None, restore_best=False, callbacks=tuple(callbacks),
            steps_per_epoch=-(-len(train) // o.batch_size), weight_mean=train.weight_mean)
    return fit(
        network, train.X, train.Y,
        optimizer=make_optimizer(o.optimizer.value, lr=o.lr),
        schedule=make_schedule(o.schedule.value, lr=o.lr, **schedule_args),
        epochs=o.epochs, batch_size=o.batch_size, rng=np.random.default_rng(seed + 1),
        X_val=None if val is None else val.X, Y_val=None if val is None else val.Y,
        sample_weight=train.weight, l2=o.l2, patience=None, restore_best=False,  # the monitored score stops
        callbacks=tuple(callbacks),
        # threads only (wide nets): a helper process (mid-size nets) gave 3% on the default 40-member
        # FORCE train, where members are scored every epoch, and would make a model depend on the
        # machine's core count
        backend="threads",
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
