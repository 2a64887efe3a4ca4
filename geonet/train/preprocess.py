"""From a feature table to the design matrix a network sees, fitted on training wells only.

Steps, in order (each one stated, each one saved with the model so predict repeats it exactly):

1. **log10** of resistivity-like curves (non-positive readings become missing);
2. **well-wise normalisation** (optional, ``well_norm`` curves, e.g. GR): in each well, the curve's
   ``p_low``/``p_high`` percentiles (default 5/95, over all of that well's rows given to
   :meth:`Preprocessor.transform`) are mapped linearly onto reference values — the median over
   training wells of the same percentiles (stored in ``well_norm_reference``). It removes
   tool-calibration and borehole offsets between wells (the petrophysicist's GR normalisation);
   a well whose percentiles coincide is only shifted;
3. **missing-curve policy**: ``impute`` (training median + a 0/1 ``<CURVE>_MISSING`` indicator
   per curve that has gaps in training) or ``drop`` (rows with any missing input are not used);
4. **depth context**: for a window of ±k samples (every ``context_stride`` samples), the curve
   values above and below each sample *within the same well* become extra columns
   ``<CURVE>_M<i>`` / ``<CURVE>_P<i>`` (edges repeat the nearest sample);
5. **depth windows** (optional, ``context_windows``: window lengths in samples, e.g. [7, 33, 131]
   ≈ 1, 5, 20 m at 0.152 m): the centred rolling mean (and, with ``context_window_std``, the
   rolling standard deviation) of each curve over w samples *within the same well*, gaps ignored,
   the window cut at the well's ends; columns ``<CURVE>_MEAN<w>`` / ``<CURVE>_STD<w>``. A window
   with no value at all gets the training median (mean) or 0 (std) under ``impute``; with
   ``context_window_grad`` also the depth gradient over each window, ``<CURVE>_GRAD<w>``: the mean
   of the ⌊w/2⌋ samples below minus the mean of the ⌊w/2⌋ samples above (the sample itself left
   out; same well, gaps ignored; 0 where either half has no value under ``impute``);
6. **scaling** of the continuous columns (``zscore``: mean/std, ``robust``: median/IQR) with
   statistics from the training rows only; indicators stay 0/1;
7. **clipping** (optional, ``clip`` = c > 0): scaled continuous columns are limited to [−c, c], so
   out-of-range readings in a new well (spikes, other tools) cannot push the network far outside
   what it was trained on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from geonet.errors import ConfigError, MissingCurveError
from geonet.features.derive import RESISTIVITY_CURVES

WELL = "WELL"
DEPTH = "DEPTH_M"
MISSING_POLICIES = ("impute", "drop")
SCALERS = ("zscore", "robust")


@dataclass
class Preprocessor:
    """Fitted transform from a feature table to a float design matrix (rows × columns)."""

    features: list[str]
    log10: list[str] = field(default_factory=list)
    missing: str = "impute"
    scaler: str = "zscore"
    context: int = 0
    context_stride: int = 1
    well_norm: list[str] = field(default_factory=list)
    well_norm_percentiles: list[float] = field(default_factory=lambda: [5.0, 95.0])
    well_norm_reference: dict[str, list[float]] = field(default_factory=dict)  # curve → [low, high]
    context_windows: list[int] = field(default_factory=list)  # rolling-window lengths, samples
    context_window_std: bool = False
    context_window_grad: bool = False  # lower-half minus upper-half window mean, per window
    clip: float | None = None  # limit of the scaled continuous columns (None: no clipping)
    medians: dict[str, float] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    center: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)

    # ---- fitting -------------------------------------------------------------------------
    @classmethod
    def fit(cls, df: pd.DataFrame, features: list[str], *, source: str = "training table",
            **options) -> "Preprocessor":
        """Fit on the training rows ``df`` (columns WELL, DEPTH_M and the ``features``); ``options``
        as :meth:`configure`."""
        pre = cls.configure(features, **options)
        _require(df, features, source)
        if pre.well_norm:
            pre.well_norm_reference = pre._well_norm_reference(df, source)
        values = pre._curves(df)
        if pre.missing == "impute":
            medians = np.nanmedian(values, axis=0) if len(values) else np.full(len(features), np.nan)
            pre.set_medians(medians, np.isnan(values).any(axis=0))
        raw, columns, continuous = pre._design(df, values)
        keep = ~np.isnan(raw).any(axis=1)
        if not keep.any():
            raise MissingCurveError(f"{source}: no training row has all of {features} (missing policy 'drop')")
        fitted = raw[keep][:, continuous]
        if pre.scaler == "zscore":
            center, scale = fitted.mean(axis=0), fitted.std(axis=0)
        else:
            center, scale = robust_scaling(fitted)
        pre.set_scaling(columns, continuous, center, scale)
        return pre

    @classmethod
    def configure(
        cls,
        features: list[str],
        *,
        log10: list[str] | str = "auto",
        missing: str = "impute",
        scaler: str = "zscore",
        context: int = 0,
        context_stride: int = 1,
        well_norm: list[str] | None = None,
        well_norm_percentiles: list[float] | tuple[float, float] = (5.0, 95.0),
        context_windows: list[int] | None = None,
        context_window_std: bool = False,
        context_window_grad: bool = False,
        clip: float | None = None,
    ) -> "Preprocessor":
        """An unfitted preprocessor with checked options (the statistics come from :meth:`fit`, or
        from :meth:`set_medians` and :meth:`set_scaling` when fitted in a streaming pass)."""
        if missing not in MISSING_POLICIES:
            raise ConfigError(f"missing policy {missing!r} is not one of {', '.join(MISSING_POLICIES)}")
        if scaler not in SCALERS:
            raise ConfigError(f"scaler {scaler!r} is not one of {', '.join(SCALERS)}")
        if context < 0 or context_stride < 1:
            raise ConfigError("context must be >= 0 and context_stride >= 1")
        context_windows = [int(w) for w in (context_windows or [])]
        if any(w < 2 for w in context_windows) or len(set(context_windows)) != len(context_windows):
            raise ConfigError(f"context_windows must be distinct window lengths of at least 2 samples, "
                              f"got {context_windows}")
        if clip is not None and not float(clip) > 0:
            raise ConfigError(f"clip must be a positive number of standard units, got {clip}")
        if log10 == "auto":
            log10 = [c for c in features if c in RESISTIVITY_CURVES]
        unknown = sorted(set(log10) - set(features))
        if unknown:
            raise ConfigError(f"log10 curves {unknown} are not among the features {features}")
        well_norm = list(well_norm or [])
        unknown = sorted(set(well_norm) - set(features))
        if unknown:
            raise ConfigError(f"well_norm curves {unknown} are not among the features {features}")
        p_low, p_high = (float(q) for q in well_norm_percentiles)
        if not 0.0 <= p_low < p_high <= 100.0:
            raise ConfigError(f"well_norm_percentiles must be two increasing values in [0, 100], "
                              f"got {list(well_norm_percentiles)}")
        return cls(features=list(features), log10=list(log10), missing=missing, scaler=scaler,
                   context=int(context), context_stride=int(context_stride),
                   well_norm=well_norm, well_norm_percentiles=[p_low, p_high],
                   context_windows=context_windows, context_window_std=bool(context_window_std),
                   context_window_grad=bool(context_window_grad),
                   clip=None if clip is None else float(clip))

    def set_medians(self, medians: np.ndarray, has_gaps: np.ndarray) -> None:
        """Imputation values (features,) and which curves get a ``_MISSING`` indicator (features,) bool."""
        empty = [c for c, m in zip(self.features, medians) if np.isnan(m)]
        if empty:
            raise MissingCurveError(
                f"curves {empty} have no values in the training wells; drop them from --features"
            )
        self.medians = {c: float(m) for c, m in zip(self.features, medians)}
        self.indicators = [c for c, gap in zip(self.features, has_gaps) if gap]

    def set_scaling(self, columns: list[str], continuous: np.ndarray, center: np.ndarray, scale: np.ndarray) -> None:
        """Design ``columns``, and the center/scale of the ``continuous`` ones (indicators stay 0/1)."""
        scale = np.where(scale > 0, scale, 1.0)
        self.columns = columns
        full_center = np.zeros(len(columns))
        full_scale = np.ones(len(columns))
        full_center[continuous] = center
        full_scale[continuous] = scale
        self.center, self.scale = full_center.tolist(), full_scale.tolist()

    # ---- applying -----------------------------------------------------------------------
    def transform(self, df: pd.DataFrame, *, source: str = "input", dtype="float32") -> tuple[np.ndarray, np.ndarray]:
        """Design matrix ``X`` (n_valid × n_columns, ``dtype``) and the boolean row mask (n,) of usable rows.

        Rows of ``df`` are kept in order; rows dropped by the ``drop`` policy are False in the mask.
        """
        if self.missing == "impute":
            absent = self.absent_curves(df)
            if absent:  # a whole curve missing: every value imputed, its indicator (if any) 1
                df = df.assign(**{c: np.nan for c in absent})
        _require(df, self.features, source)
        raw, columns, continuous = self._design(df, self._curves(df))
        assert columns == self.columns, "design columns differ from the fitted ones"
        mask = ~np.isnan(raw).any(axis=1)
        X = (raw[mask] - np.asarray(self.center)) / np.asarray(self.scale)
        if self.clip is not None:
            X[:, continuous] = np.clip(X[:, continuous], -self.clip, self.clip)
        return np.ascontiguousarray(X, dtype=dtype), mask

    def missing_mask(self, df: pd.DataFrame) -> np.ndarray:
        """(n, features) bool: where an input value is missing in ``df`` — a gap, a whole curve the table
        lacks, or a non-positive reading of a log10 curve — and so is imputed (or its row dropped)."""
        present = df.assign(**{c: np.nan for c in self.absent_curves(df)})
        return np.isnan(Preprocessor._logged(self, present))

    def absent_curves(self, df: pd.DataFrame) -> list[str]:
        """Model input curves that ``df`` does not have at all."""
        return [c for c in self.features if c not in df.columns]

    def _curves(self, df: pd.DataFrame) -> np.ndarray:
        """Input curves (n × features): log10 applied, then the well-wise normalisation if fitted."""
        values = self._logged(df)
        if self.well_norm_reference:
            wells = _well_ids(df)
            for name in self.well_norm:
                j = self.features.index(name)
                ref_low, ref_high = self.well_norm_reference[name]
                low, high = _well_percentiles(values[:, j], wells, self.well_norm_percentiles)
                span = high - low
                gain = np.where(span > 0, (ref_high - ref_low) / np.where(span > 0, span, 1.0), 1.0)
                # x' = x_low,ref + (x − x_low,well) · (x_high,ref − x_low,ref) / (x_high,well − x_low,well)
                values[:, j] = ref_low + (values[:, j] - low) * gain
        return values

    def _logged(self, df: pd.DataFrame) -> np.ndarray:
        values = df[self.features].to_numpy(dtype=np.float64, copy=True)
        for j, name in enumerate(self.features):
            if name in self.log10:
                col = values[:, j]
                with np.errstate(divide="ignore", invalid="ignore"):
                    values[:, j] = np.where(col > 0, np.log10(np.where(col > 0, col, 1.0)), np.nan)
        return values

    def _well_norm_reference(self, df: pd.DataFrame, source: str) -> dict[str, list[float]]:
        """Median over training wells of each well's low/high percentile, per ``well_norm`` curve."""
        values, wells = self._logged(df), _well_ids(df)
        reference = {}
        for name in self.well_norm:
            j = self.features.index(name)
            _, first = np.unique(wells, return_index=True)  # one row of each well
            low, high = _well_percentiles(values[:, j], wells, self.well_norm_percentiles)
            low, high = low[first], high[first]  # one value per well
            if np.isnan(low).all():
                raise MissingCurveError(f"{source}: well_norm curve {name!r} has no values in the training wells")
            reference[name] = [float(np.nanmedian(low)), float(np.nanmedian(high))]
        return reference

    def _design(self, df: pd.DataFrame, values: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Raw (unscaled) design matrix, its column names, and which columns are continuous."""
        blocks, columns, continuous = [], [], []
        raw_values = values
        if self.missing == "impute":
            gaps = np.isnan(values)
            values = np.where(gaps, np.asarray([self.medians[c] for c in self.features]), values)
        blocks.append(values)
        columns += self.features
        continuous += [True] * len(self.features)
        if self.context:
            wells = _well_ids(df)
            for i in range(1, self.context + 1):
                k = i * self.context_stride
                for sign, tag in ((-1, "M"), (1, "P")):
                    blocks.append(_shift_within_wells(values, wells, sign * k))
                    columns += [f"{c}_{tag}{k}" for c in self.features]
                    continuous += [True] * len(self.features)
        if self.context_windows:
            wells = _well_ids(df)
            for w in self.context_windows:
                mean, std = _rolling_within_wells(raw_values, wells, w)
                stats = [("MEAN", mean)] + ([("STD", std)] if self.context_window_std else [])
                if self.context_window_grad:
                    stats.append(("GRAD", _gradient_within_wells(raw_values, wells, w // 2)))
                for tag, block in stats:
                    if self.missing == "impute":
                        fill = (np.asarray([self.medians[c] for c in self.features]) if tag == "MEAN"
                                else np.zeros(len(self.features)))
                        block = np.where(np.isnan(block), fill, block)
                    blocks.append(block)
                    columns += [f"{c}_{tag}{w}" for c in self.features]
                    continuous += [True] * len(self.features)
        if self.missing == "impute" and self.indicators:
            idx = [self.features.index(c) for c in self.indicators]
            blocks.append(gaps[:, idx].astype(np.float64))
            columns += [f"{c}_MISSING" for c in self.indicators]
            continuous += [False] * len(self.indicators)
        return np.hstack(blocks), columns, np.asarray(continuous, dtype=bool)

    # ---- persistence --------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Preprocessor":
        return cls(**d)  # older files lack the newer options: their defaults reproduce the old design


def robust_scaling(fitted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and interquartile range of each column of ``fitted`` (n, c)."""
    q25, center, q75 = np.percentile(fitted, [25, 50, 75], axis=0)
    return center, q75 - q25


def _require(df: pd.DataFrame, curves: list[str], source: str) -> None:
    absent = [c for c in curves if c not in df.columns]
    if absent:
        have = [c for c in df.columns if c not in (WELL, DEPTH)]
        raise MissingCurveError(f"{source}: missing curves {absent}; it has {have}")


def _well_ids(df: pd.DataFrame) -> np.ndarray:
    """Integer id per row of the well it belongs to (one well if there is no WELL column)."""
    if WELL not in df.columns:
        return np.zeros(len(df), dtype=np.int64)
    return pd.factorize(df[WELL])[0]


def _well_percentiles(column: np.ndarray, wells: np.ndarray, q: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``q[0]`` and ``q[1]`` percentiles of ``column`` over the rows of its well (NaN ignored).

    ``column``: (n,); ``wells``: (n,) integer well ids. Returns two (n,) arrays (NaN for a well
    without values).
    """
    frame = pd.DataFrame({"w": wells, "x": column})
    grouped = frame.groupby("w", sort=False)["x"]
    low = grouped.transform(lambda x: x.quantile(q[0] / 100.0)).to_numpy(dtype=np.float64)
    high = grouped.transform(lambda x: x.quantile(q[1] / 100.0)).to_numpy(dtype=np.float64)
    return low, high


def _shift_within_wells(values: np.ndarray, wells: np.ndarray, k: int) -> np.ndarray:
    """Row i gets the values of row i+k when it is in the same well, else the nearest row of its well.

    Assumes rows of a well are contiguous and in depth order (as ingest writes them).
    """
    n = len(values)
    idx = np.clip(np.arange(n) + k, 0, n - 1)
    # walk back towards i until the well matches: clip at the well's own boundary
    starts = np.r_[0, np.flatnonzero(np.diff(wells)) + 1]
    ends = np.r_[starts[1:], n] - 1
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    idx = np.clip(idx, starts[run], ends[run])
    return values[idx]


def _rolling_within_wells(values: np.ndarray, wells: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred rolling mean and standard deviation over ``window`` samples, inside each well, NaN ignored.

    ``values``: (n, c); ``wells``: (n,) integer ids, rows of a well contiguous and in depth order.
    Row i averages rows i − ⌊(w−1)/2⌋ … i + ⌊w/2⌋, cut at its well's first and last rows (so edge
    windows are shorter). Returns two (n, c) arrays; NaN where a window holds no value. The
    standard deviation is the population one (0 for a single value).
    """
    n = len(values)
    if n == 0:
        return values.copy(), values.copy()
    present = ~np.isnan(values)
    x = np.where(present, values, 0.0)
    zero = np.zeros((1, values.shape[1]))
    s1 = np.vstack([zero, np.cumsum(x, axis=0)])
    s2 = np.vstack([zero, np.cumsum(x * x, axis=0)])
    cnt = np.vstack([zero, np.cumsum(present, axis=0, dtype=np.float64)])
    starts = np.r_[0, np.flatnonzero(np.diff(wells)) + 1]
    ends = np.r_[starts[1:], n] - 1
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    i = np.arange(n)
    lo = np.maximum(i - (window - 1) // 2, starts[run])
    hi = np.minimum(i + window // 2, ends[run]) + 1  # exclusive
    count = cnt[hi] - cnt[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, (s1[hi] - s1[lo]) / count, np.nan)
        var = np.where(count > 0, (s2[hi] - s2[lo]) / count - mean * mean, np.nan)
    return mean, np.sqrt(np.maximum(var, 0.0))


def _gradient_within_wells(values: np.ndarray, wells: np.ndarray, half: int) -> np.ndarray:
    """Mean of rows i+1 … i+half minus mean of rows i−half … i−1, inside each well, NaN ignored.

    ``values``: (n, c); ``wells``: (n,) integer ids, rows of a well contiguous and in depth order
    (so a positive value: the curve increases downwards). Half-windows are cut at the well's ends;
    NaN where either half holds no value (e.g. the first and last row of a well). Returns (n, c).
    """
    n = len(values)
    if n == 0 or half < 1:
        return np.full_like(values, np.nan, dtype=np.float64)
    present = ~np.isnan(values)
    zero = np.zeros((1, values.shape[1]))
    s1 = np.vstack([zero, np.cumsum(np.where(present, values, 0.0), axis=0)])
    cnt = np.vstack([zero, np.cumsum(present, axis=0, dtype=np.float64)])
    starts = np.r_[0, np.flatnonzero(np.diff(wells)) + 1]
    ends = np.r_[starts[1:], n] - 1
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    i = np.arange(n)
    up_lo, up_hi = np.maximum(i - half, starts[run]), i  # rows [up_lo, i)
    down_lo, down_hi = i + 1, np.minimum(i + half, ends[run]) + 1  # rows [i+1, down_hi)
    down_hi = np.maximum(down_hi, down_lo)
    n_up, n_down = cnt[up_hi] - cnt[up_lo], cnt[down_hi] - cnt[down_lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        up = (s1[up_hi] - s1[up_lo]) / n_up
        down = (s1[down_hi] - s1[down_lo]) / n_down
        return np.where((n_up > 0) & (n_down > 0), down - up, np.nan)
