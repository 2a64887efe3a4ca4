"""Training on a feature table larger than memory: fitted and trained well by well, streamed from disk.

:func:`prepare_stream` is :func:`geonet.train.fitting.prepare` for a Parquet table (a file, or a
directory of files such as ``well=<name>/part-*.parquet``) that is never loaded whole. It reads one
well at a time (its row groups), in passes over the wells:

1. **inventory** (every well): labelled rows, target values (task, classes), depth steps, and which
   curves each well *has* (for the default-input rule) → the split by well names, the inputs, the
   depth windows;
2. **curve statistics** (training wells, labelled rows): imputation medians from a uniform
   reservoir sample of at most ``sample_rows`` rows (exact when the rows fit: then the medians
   are those of the in-memory fit), gap indicators exactly; the well-wise normalisation reference
   in a pass of its own when asked;
3. **scaling** (training wells, labelled rows): z-score mean and standard deviation exactly
   (per-well moments merged, Chan et al.), or the robust median/IQR from a reservoir sample;
4. **design** (training wells, all rows: depth context and windows need the whole well): each
   well's design rows are written to a :class:`~geonet.train.design_cache.DesignCache`.

Validation wells are chosen by name as in memory and read into memory, whole (a handful of wells).
Training then streams the cache: each epoch the cache's row groups (≤ one well each) are read in a
new random order and pass through a shuffle buffer of ``buffer_rows`` rows
(:func:`geonet.nn.shuffled_batches`). Peak memory: the buffer, one well, the samples and the
validation wells — not the table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from geonet.errors import InputError, MissingCurveError, OptionError
from geonet.features.inputs import MIN_WELL_ROWS, candidate_inputs, choose_by_coverage, wells_having
from geonet.nn import shuffled_batches
from geonet.spec import ClassWeight, Decision, TrainSpec
from geonet.train.decision import class_penalty_matrix, penalty_class_weights
from geonet.train.design_cache import DesignCache, Group
from geonet.train.fitting import (MIN_LABELLED_ROWS, Dataset, Prepared, TargetEncoder, _preprocess_args, _thin,
                                  _validation)
from geonet.train.monitor import choose_monitor
from geonet.train.preprocess import DEPTH, WELL, Preprocessor, _well_percentiles, robust_scaling
from geonet.train.recipe import auto_windows, resolve_ensemble
from geonet.train.split import split_wells
from geonet.train.stream_stats import Moments, Reservoir
from geonet.train.well_table import WellTable

#: rows kept by each statistics sample (medians; robust scaling), unless the memory budget says fewer;
#: a median from 250,000 sampled rows is within ≈ 0.2% of the rows of the true one in rank
SAMPLE_ROWS = 250_000
#: rows of the shuffle buffer when neither --shuffle-rows nor --memory-budget says
DEFAULT_SHUFFLE_ROWS = 262_144
#: share of --memory-budget given to the shuffle buffer and to each statistics sample
BUFFER_SHARE, SAMPLE_SHARE = 0.4, 0.1


# -- inventory ---------------------------------------------------------------------------------------


@dataclass
class Inventory:
    """Pass 1: per well, labelled rows, depth steps and the curves it has; the target's values."""

    labelled: dict[str, int] = field(default_factory=dict)
    has: dict[str, dict[str, int]] = field(default_factory=dict)  # well → candidate → 0/1
    steps: dict[str, Counter] = field(default_factory=dict)  # well → rounded depth step → count
    values: set = field(default_factory=set)  # distinct target values (at most 51 kept)
    integer: bool = True
    first: float | None = None

    def step_m(self, wells) -> float:
        """Median positive depth step over ``wells`` (as recipe.depth_step_m, steps rounded to 1 nm)."""
        total = Counter()
        for w in wells:
            total.update(self.steps.get(w, {}))
        if not total:
            return float("nan")
        keys = np.array(sorted(total))
        counts = np.array([total[k] for k in keys])
        cum, n = np.cumsum(counts), counts.sum()
        lo, hi = keys[np.searchsorted(cum, (n - 1) // 2 + 1)], keys[np.searchsorted(cum, n // 2 + 1)]
        return float((lo + hi) / 2)


def _inventory(table: WellTable, target: str, candidates: list[str], min_well_rows: float) -> Inventory:
    inv = Inventory()
    for well, df in table.frames(table.wells, [target, *candidates]):
        lab = df[df[target].notna()]
        steps = np.diff(df[DEPTH].to_numpy(dtype=np.float64))
        steps = np.round(steps[np.isfinite(steps) & (steps > 0)], 9)
        inv.steps[well] = Counter(dict(zip(*np.unique(steps, return_counts=True))))
        if not len(lab):
            continue
        inv.labelled[well] = len(lab)
        inv.has[well] = wells_having(lab, candidates, min_well_rows=min_well_rows)
        y = lab[target].to_numpy()
        if pd.api.types.is_numeric_dtype(lab[target]):
            y = y.astype(np.float64)
            inv.integer = inv.integer and bool(np.all(np.mod(y, 1) == 0))
            if len(inv.values) <= 50:
                inv.values.update(np.unique(y).tolist())
            inv.first = float(y[0]) if inv.first is None else inv.first
    return inv


# -- the streamed training set ----------------------------------------------------------------------


@dataclass(frozen=True)
class StreamDataset:
    """Training rows in a design cache: its groups (≤ one well each), encoded as they are read.

    The same interface as :class:`~geonet.train.fitting.Dataset` where training needs it:
    ``len``, ``n_columns``, ``wells`` (one per group, for bagging), ``subset`` (of groups),
    plus :meth:`batch_source` (for :func:`geonet.nn.fit_batches`) and :meth:`in_memory`.
    """

    cache: DesignCache
    groups: tuple[Group, ...]
    encoder: TargetEncoder
    dtype: str
    buffer_rows: int
    class_weight: np.ndarray | None = None  # per class index (classification with class weights)
    class_counts: np.ndarray | None = None  # rows per class index (of the whole training set)

    def __len__(self) -> int:
        return sum(g.rows for g in self.groups)

    @property
    def weight_mean(self) -> float | None:
        """Mean sample weight over all rows (class weights × the counts of each class), None without weights."""
        if self.class_weight is None:
            return None
        return float(np.dot(self.class_counts, self.class_weight) / max(1, self.class_counts.sum()))

    @property
    def n_columns(self) -> int:
        return self.cache.n_columns

    @property
    def wells(self) -> np.ndarray:
        return np.array([self.cache.wells[g.well] for g in self.groups], dtype=object)

    def subset(self, keep: np.ndarray) -> "StreamDataset":
        return replace(self, groups=tuple(g for g, k in zip(self.groups, keep) if k))

    def _encoded(self, X: np.ndarray, y: np.ndarray):
        Y = self.encoder.encode(y, self.dtype)
        return X, Y, None if self.class_weight is None else self.class_weight[Y]

    def chunks(self, rng: np.random.Generator):
        """(X, Y, weight or None) of every group, in a random order; X is a view of one read buffer,
        overwritten by the next group (:func:`geonet.nn.shuffled_batches` copies it first)."""
        rows = max((g.rows for g in self.groups), default=0)
        X, y = np.empty((rows, self.n_columns), self.cache.dtype), np.empty(rows)
        with self.cache.reader() as read:
            for i in rng.permutation(len(self.groups)):
                yield self._encoded(*read(self.groups[i], X, y))

    def batch_source(self, batch_size: int):
        """A :data:`geonet.nn.BatchSource`: this epoch's groups through the shuffle buffer."""
        return lambda rng: shuffled_batches(self.chunks(rng), self.buffer_rows, batch_size, rng, reuse=True)

    def in_memory(self, max_rows: int) -> Dataset:
        """The rows as a :class:`Dataset`, evenly thinned to about ``max_rows`` (+ at most one a group; all when they fit);
        read a group at a time, so memory holds the kept rows only."""
        every = max(1, -(-len(self) // max(1, int(max_rows))))
        Xs, Ys, wells = [], [], []
        rows = max((g.rows for g in self.groups), default=0)
        X, y = np.empty((rows, self.n_columns), self.cache.dtype), np.empty(rows)
        with self.cache.reader() as read:
            for g in self.groups:
                Xg, yg = read(g, X, y)
                Xs.append(Xg[::every].copy())
                Ys.append(self.encoder.encode(yg[::every], self.dtype))
                wells.append(np.full(len(Xs[-1]), self.cache.wells[g.well], dtype=object))
        if not Xs:
            return Dataset(np.empty((0, self.n_columns), self.cache.dtype), np.empty(0, np.int64),
                           np.empty(0, dtype=object), pd.DataFrame())
        Y = np.concatenate(Ys)
        w = None if self.class_weight is None else self.class_weight[Y]
        return Dataset(np.concatenate(Xs), Y, np.concatenate(wells), pd.DataFrame(index=pd.RangeIndex(len(Y))), w)


# -- prepare ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamSettings:
    """How much memory the streaming pass may use: rows of the shuffle buffer and of each sample."""

    buffer_rows: int = DEFAULT_SHUFFLE_ROWS
    sample_rows: int = SAMPLE_ROWS

    @classmethod
    def from_spec(cls, spec: TrainSpec, n_columns: int, n_features: int) -> "StreamSettings":
        from geonet.spec import parse_bytes

        d = spec.data
        budget = parse_bytes(d.memory_budget) if d.memory_budget else None
        if d.shuffle_rows:
            buffer_rows = int(d.shuffle_rows)
        elif budget:
            buffer_rows = int(budget * BUFFER_SHARE / (4 * n_columns + 16))
        else:
            buffer_rows = DEFAULT_SHUFFLE_ROWS
        sample_rows = SAMPLE_ROWS if not budget else int(min(SAMPLE_ROWS, budget * SAMPLE_SHARE / (8 * n_features)))
        return cls(max(buffer_rows, spec.optimisation.batch_size), max(sample_rows, 1000))


def prepare_stream(path: str | Path, spec: TrainSpec, *, cache_dir: str | Path,
                   source: str | None = None) -> tuple[Prepared, pd.DataFrame]:
    """:func:`~geonet.train.fitting.prepare` for a table on disk, well by well (module docstring).

    Returns the prepared data (``train`` a :class:`StreamDataset` over a cache in ``cache_dir``)
    and a frame of whole wells to report on: the validation wells (else the first training well).
    Every data error is raised here, before training.
    """
    source = source or str(path)
    d = spec.data
    if spec.preprocess.missing_augment:
        raise OptionError(f"{source}: missing_augment is not available when streaming a table")
    table = WellTable(path)
    for col in (WELL, DEPTH, d.target):
        if col not in table.columns:
            raise InputError(f"{source}: no column {col!r}; columns are {table.columns}")
    schema = table.parts.empty_frame()
    if not pd.api.types.is_numeric_dtype(schema[d.target]):
        raise InputError(f"{source}: target {d.target!r} is not numeric (a label code or a measured value)")
    given = list(d.features or ())
    explicit = [f for f in given if not f.startswith("+")]
    added = [f[1:] for f in given if f.startswith("+")]
    candidates = [] if explicit else candidate_inputs(schema, d.target, exclude=d.exclude, add=added)[0]
    inv = _inventory(table, d.target, candidates, MIN_WELL_ROWS)
    task = _task(inv, spec, source)
    split = split_wells(sorted(inv.labelled), val_wells=d.val_wells, val_fraction=d.val_fraction,
                        rng=np.random.default_rng(d.seed), source=source)
    features, choice = _features(schema, spec, inv, split.train_wells, explicit, added, candidates, source)
    if spec.preprocess.context_windows is None:
        spec = spec.replace(context_windows=auto_windows(inv.step_m(split.train_wells)))
    pre = Preprocessor.configure(features, **_preprocess_args(spec))
    _require_features(table, features, source)
    settings = StreamSettings.from_spec(spec, n_columns=4 * len(features), n_features=len(features))
    rng = np.random.default_rng([d.seed, 777])
    _fit_curve_statistics(pre, table, split.train_wells, d.target, settings, rng, source)
    _fit_scaling(pre, table, split.train_wells, d.target, settings, rng, source)
    settings = StreamSettings.from_spec(spec, n_columns=len(pre.columns), n_features=len(features))
    cache, y_stats = _write_design(pre, table, split.train_wells, spec, cache_dir, source)
    if not cache.rows:
        raise InputError(f"{source}: no usable training rows (check the missing-curve policy)")
    encoder = (TargetEncoder(task, tuple(sorted(y_stats.values))) if task == "classify"
               else TargetEncoder(task, (), float(y_stats.moments.mean[0]), float(y_stats.moments.std[0] or 1.0)))
    if task == "classify" and spec.ensemble.decision == Decision.min_penalty:
        class_penalty_matrix(encoder.classes)  # fail before training when classes are not FORCE codes
    counts = np.array([y_stats.counts[c] for c in encoder.classes], dtype=np.float64) if task == "classify" else None
    train = StreamDataset(cache, tuple(cache.groups), encoder, spec.network.dtype.value, settings.buffer_rows,
                          _class_weight(encoder, y_stats, spec), counts)
    val_frame = _frame_of(table, split.val_wells or split.train_wells[:1])
    val, unseen = _validation(pre, val_frame, split, encoder, spec, source)
    counts = {"train_rows": len(train), "val_rows": 0 if val is None else len(val),
              "stream_buffer_rows": settings.buffer_rows, "stream_sample_rows": settings.sample_rows}
    if task == "classify" and split.val_wells:
        counts["val_rows_unseen_class"] = unseen
    spec = resolve_ensemble(spec, len(split.train_wells), len(train))
    monitor = choose_monitor(task, encoder.classes, spec.optimisation.monitor.value, source=source)
    prepared = Prepared(task, features, split, pre, encoder, train, val, counts, spec=spec, inputs=choice,
                        monitor=monitor)
    return prepared, val_frame


def _task(inv: Inventory, spec: TrainSpec, source: str) -> str:
    d = spec.data
    n = sum(inv.labelled.values())
    if not n:
        raise InputError(f"{source}: target {d.target!r} has no values")
    if n < MIN_LABELLED_ROWS:
        raise InputError(f"{source}: target {d.target!r} has {n} labelled rows; "
                         f"training needs at least {MIN_LABELLED_ROWS}")
    task = d.task.value if d.task else ("classify" if inv.integer and len(inv.values) <= 50 else "regress")
    if task == "regress" and spec.ensemble.decision != Decision.argmax:
        raise OptionError(f"{source}: decision {spec.ensemble.decision.value!r} is for classification only")
    if task == "classify" and len(inv.values) < 2:
        raise InputError(f"{source}: target {d.target!r} has a single class ({inv.first:g}); "
                         "a classifier needs at least two")
    return task


def _features(schema, spec, inv, train_wells, explicit, added, candidates, source):
    d = spec.data
    if explicit:
        features, choice = list(dict.fromkeys(explicit + added)), None
    else:
        having = {c: sum(inv.has[w][c] for w in train_wells) for c in candidates}
        choice = choose_by_coverage(schema, d.target, having, len(train_wells), min_curve_wells=d.min_curve_wells,
                                    exclude=d.exclude, add=added)
        if not choice.chosen:
            raise InputError(f"{source}: no input curves left; {'; '.join(choice.lines())}")
        features = choice.chosen
    if d.target in features:
        raise InputError(f"{source}: the target {d.target!r} cannot also be a feature")
    return features, choice


def _require_features(table: WellTable, features: list[str], source: str) -> None:
    absent = [c for c in features if c not in table.columns]
    if absent:
        have = [c for c in table.columns if c not in (WELL, DEPTH)]
        raise MissingCurveError(f"{source}: missing curves {absent}; it has {have}")


def _labelled_frames(table, wells, target, columns):
    for well, df in table.frames(wells, [target, *columns]):
        yield well, df[df[target].notna()]


def _fit_curve_statistics(pre, table, wells, target, settings, rng, source) -> None:
    """Pass 2: well-wise normalisation reference, then medians (sample) and gap indicators (exact)."""
    if pre.well_norm:
        lows, highs = {c: [] for c in pre.well_norm}, {c: [] for c in pre.well_norm}
        for _, lab in _labelled_frames(table, wells, target, pre.features):
            if len(lab):
                values, one_well = pre._logged(lab), np.zeros(len(lab), dtype=np.int64)
                for name in pre.well_norm:
                    low, high = _well_percentiles(values[:, pre.features.index(name)], one_well,
                                                  pre.well_norm_percentiles)
                    lows[name].append(low[0])
                    highs[name].append(high[0])
        for name in pre.well_norm:
            if np.isnan(lows[name]).all():
                raise MissingCurveError(f"{source}: well_norm curve {name!r} has no values in the training wells")
        pre.well_norm_reference = {c: [float(np.nanmedian(lows[c])), float(np.nanmedian(highs[c]))]
                                   for c in pre.well_norm}
    if pre.missing != "impute":
        return
    sample = Reservoir(min(settings.sample_rows, table.rows), len(pre.features), rng)
    gaps = np.zeros(len(pre.features), dtype=bool)
    for _, lab in _labelled_frames(table, wells, target, pre.features):
        values = pre._curves(lab)
        sample.add(values)
        gaps |= np.isnan(values).any(axis=0)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN curve: reported by set_medians
            medians = np.nanmedian(sample.sample, axis=0) if len(sample.sample) else np.full(len(gaps), np.nan)
    pre.set_medians(medians, gaps)


def _fit_scaling(pre, table, wells, target, settings, rng, source) -> None:
    """Pass 3: design columns and their scaling, from the labelled rows of the training wells (as in memory)."""
    moments, sample, columns, continuous = Moments(), None, None, None
    for _, lab in _labelled_frames(table, wells, target, pre.features):
        if not len(lab):
            continue
        raw, columns, continuous = pre._design(lab, pre._curves(lab))
        fitted = raw[~np.isnan(raw).any(axis=1)][:, continuous]
        if pre.scaler == "zscore":
            moments.add(fitted)
        else:
            if sample is None:
                rows = max(1000, int(settings.sample_rows * len(pre.features) / max(1, fitted.shape[1])))
                sample = Reservoir(min(rows, table.rows), fitted.shape[1], rng)
            sample.add(fitted)
    n = moments.n if pre.scaler == "zscore" else (0 if sample is None else len(sample.sample))
    if not n:
        raise MissingCurveError(f"{source}: no training row has all of {pre.features} (missing policy 'drop')")
    center, scale = (moments.mean, moments.std) if pre.scaler == "zscore" else robust_scaling(sample.sample)
    pre.set_scaling(columns, continuous, np.asarray(center), np.asarray(scale))


@dataclass
class _TargetStats:
    values: set = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    moments: Moments = field(default_factory=Moments)


def _write_design(pre, table, wells, spec, cache_dir, source) -> tuple[DesignCache, _TargetStats]:
    """Pass 4: each training well's design rows (whole well transformed, labelled usable rows kept)."""
    target, limit = spec.data.target, spec.data.max_rows_per_well
    cache = DesignCache(cache_dir, len(pre.columns), spec.network.dtype.value)
    stats = _TargetStats()
    for well, df in table.frames(wells, [target, *pre.features]):
        X, usable = pre.transform(df, source=source, dtype=spec.network.dtype.value)
        keep = df[target].notna().to_numpy()[usable]
        if limit:
            rows = np.flatnonzero(keep)
            keep[rows[~_thin(np.zeros(len(rows)), limit)]] = False
        y = df[target].to_numpy(dtype=np.float64)[usable][keep]
        cache.append(well, X[keep], y)
        stats.values.update(np.unique(y).tolist())
        stats.counts.update(dict(zip(*np.unique(y, return_counts=True))))
        stats.moments.add(y[:, None])
    return cache.close(), stats


def _class_weight(encoder: TargetEncoder, stats: _TargetStats, spec: TrainSpec) -> np.ndarray | None:
    """Per class index weights as :func:`geonet.train.fitting._sample_weight` gives per row."""
    how = spec.optimisation.class_weight
    if encoder.task != "classify" or how == ClassWeight.none:
        return None
    if how == ClassWeight.penalty:
        w = np.asarray(penalty_class_weights(encoder.classes), dtype=np.float64)
    else:
        counts = np.array([stats.counts[c] for c in encoder.classes], dtype=np.float64)
        w = counts.sum() / (len(counts) * counts)  # balanced: n / (k · count_c)
    if how == ClassWeight.sqrt:
        w = np.sqrt(w)
    return w.astype(spec.network.dtype.value)


def _frame_of(table: WellTable, wells) -> pd.DataFrame:
    frames = [df for _, df in table.frames(wells)]
    return pd.concat(frames, ignore_index=True) if frames else table.parts.empty_frame()
