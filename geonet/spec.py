"""The typed option specs: each command's options declared once, every door derived from them.

**To add an option, add one field here** (to the right section of :class:`TrainSpec`, or to
:class:`IngestSpec`) with :func:`option`: its type, default, help, choices (an Enum) and range.
It then appears, under the same name, as a ``geonet`` flag (``--my-option``, help and default
shown), a key of a ``--config`` TOML file, a key of the pipeline step of that kind and a
``--set STEP.my_option=…`` override — and is validated once, before anything is written or any
MLflow run starts. Read it where it is used: ``spec.optimisation.lr``. Nothing else to edit,
except the code that uses the new value (and the README section of the feature).

A spec is frozen. :meth:`Spec.from_options` builds one from a flat ``{name: value}`` mapping
(TOML values, or the command line's text with ``text=True``); every bad value raises
:class:`geonet.errors.OptionError` (exit code 2) in one line naming the option, the value at fault
and the valid choices or range. Cross-field rules live in each spec's ``check`` method.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, ClassVar, Mapping

from geonet.errors import ConfigError, OptionError
from geonet.nn.activations import ACTIVATIONS
from geonet.nn.network import DTYPES
from geonet.nn.optimizers import OPTIMIZERS
from geonet.nn.schedules import SCHEDULES


def _choices(name: str, values) -> type[enum.StrEnum]:
    return enum.StrEnum(name, {v: v for v in values})


# -- choices: values come from the registries that implement them ----------------------------------
Activation = _choices("Activation", [a for a in ACTIVATIONS if a != "identity"])
Optimizer = _choices("Optimizer", OPTIMIZERS)
Schedule = _choices("Schedule", SCHEDULES)
DType = _choices("DType", DTYPES)
Task = _choices("Task", ["classify", "regress"])
ClassWeight = _choices("ClassWeight", ["none", "balanced", "sqrt", "penalty"])
Decision = _choices("Decision", ["argmax", "min_penalty"])
Missing = _choices("Missing", ["impute", "drop"])
Scaler = _choices("Scaler", ["zscore", "robust"])
TableFormat = _choices("TableFormat", ["parquet", "csv"])
DuplicateDepths = _choices("DuplicateDepths", ["first", "mean"])
SegyDomain = _choices("SegyDomain", ["time", "depth"])
MonitorName = _choices("MonitorName", ["auto", "macro_f1", "accuracy", "penalty", "rmse", "mae", "r2", "loss"])

#: columns of a feature table that can never be a training target
NOT_TARGETS = ("WELL", "DEPTH_M")


@dataclass(frozen=True)
class Option:
    """What a spec field declares beside its type and default (kept in the field's metadata).

    ``ge``/``gt``/``le``/``lt``: range of the value (of each item for lists); ``flag``: the CLI
    declaration when it is not ``--name`` (e.g. ``"--restore-best/--keep-last"``); ``aliases``:
    older names still accepted; ``path``: how a pipeline resolves it (``"path"``, ``"paths"``,
    ``"maybe_path"``); ``show_default``: the default as help shows it.
    """

    help: str
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    flag: str | None = None
    aliases: tuple[str, ...] = ()
    path: str | None = None
    show_default: str | None = None
    none_word: str | None = None  # a word meaning "None" (e.g. "auto")
    check: Any = None  # a function of the value raising ValueError when it is malformed (text formats)


def option(default: Any, help: str, **meta: Any) -> Any:
    """A spec field: ``lr: float = option(1e-3, "Learning rate.", gt=0)``."""
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata={"option": Option(help, **meta)})
    return field(default=default, metadata={"option": Option(help, **meta)})


@dataclass(frozen=True)
class Param:
    """One option as every door sees it: name, type, default and declaration."""

    name: str
    section: str | None  # TrainSpec section holding it, None for a flat spec
    type: Any  # the resolved annotation
    default: Any
    option: Option

    @property
    def base(self) -> Any:
        """The type without ``None`` (``int | None`` → ``int``)."""
        return _strip_none(self.type)

    @property
    def optional(self) -> bool:
        return _strip_none(self.type) is not self.type

    @property
    def is_list(self) -> bool:
        return typing.get_origin(self.base) is tuple

    @property
    def item(self) -> Any:
        return typing.get_args(self.base)[0] if self.is_list else self.base

    @property
    def choices(self) -> list[str] | None:
        item = self.item
        return [m.value for m in item] if isinstance(item, type) and issubclass(item, enum.Enum) else None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _strip_none(tp: Any) -> Any:
    if isinstance(tp, UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not NoneType]
        return args[0] if len(args) == 1 else tp
    return tp


# -- value checking ---------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """The token at fault, never more than 40 characters of it."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def coerce(param: Param, value: Any, *, text: bool = False) -> Any:
    """``value`` as ``param``'s type, range-checked; ``text``: it came from a command line (strings).

    Raises :class:`ValueError` with the reason (the caller names the option and the source).
    """
    if param.option.none_word is not None and value == param.option.none_word:
        value = None
    if value is None:
        if param.optional:
            return None
        raise ValueError("a value is required")
    if param.is_list:
        if isinstance(value, str):
            value = [v for v in (s.strip() for s in value.replace(";", ",").split(",")) if v]
            text = True
        elif not isinstance(value, (list, tuple)):
            value = [value]
        return tuple(_scalar(param, param.item, v, text) for v in value)
    value = _scalar(param, param.base, value, text)
    if param.option.check is not None:
        param.option.check(value)
    return value


def _scalar(param: Param, tp: Any, value: Any, text: bool) -> Any:
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(value, str) and value in tp._value2member_map_:
            return tp(value)
        close = difflib.get_close_matches(str(value), param.choices or [], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{_show(value)} is not one of {', '.join(param.choices or [])}{hint}")
    if tp is bool:
        if isinstance(value, bool):
            return value
        if text and isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        raise ValueError(f"expected true or false, got {_show(value)}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ValueError(f"expected a text value, got {_show(value)}")
    if tp is int:
        if text and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(f"expected a whole number, got {_show(value)}") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {_show(value)}")
    elif tp is float:
        if text and isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(f"expected a number, got {_show(value)}") from None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError(f"expected a number, got {_show(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
    _check_range(param.option, value)
    return value


def _check_range(opt: Option, value: float) -> None:
    bounds = [(opt.ge, ">=", value >= (opt.ge or 0)), (opt.gt, ">", value > (opt.gt or 0)),
              (opt.le, "<=", value <= (opt.le or 0)), (opt.lt, "<", value < (opt.lt or 0))]
    for bound, sign, ok in bounds:
        if bound is not None and not ok:
            raise ValueError(f"must be {sign} {bound:g}, got {value:g}")


#: units of --memory-budget (decimal and binary prefixes; a bare number is megabytes)
BYTE_UNITS = {"": 1e6, "B": 1, "K": 1e3, "KB": 1e3, "KIB": 2**10, "M": 1e6, "MB": 1e6, "MIB": 2**20,
              "G": 1e9, "GB": 1e9, "GIB": 2**30, "T": 1e12, "TB": 1e12, "TIB": 2**40}


def parse_bytes(text: str, *, name: str | None = None) -> int:
    """``"2GB"`` → 2_000_000_000, ``"512MiB"``, ``"1.5G"``; a bare number is megabytes. ValueError when not a size."""
    import re

    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", str(text))
    unit = match.group(2).upper() if match else None
    if not match or unit not in BYTE_UNITS or float(match.group(1)) <= 0:
        raise ValueError(f"{name + ': ' if name else ''}expected a positive size such as 2GB or 512MB, got {_show(text)}")
    return int(float(match.group(1)) * BYTE_UNITS[unit])


# -- specs ------------------------------------------------------------------------------------------


class Spec:
    """Mixin for a frozen dataclass of options, flat or in sections (dataclass fields of specs)."""

    SECTIONS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def params(cls) -> list[Param]:
        """Every option, in declaration order (sections flattened)."""
        out = []
        for section in cls.SECTIONS or (None,):
            klass = typing.get_type_hints(cls)[section] if section else cls
            hints = typing.get_type_hints(klass)
            for f in dataclasses.fields(klass):
                out.append(Param(f.name, section, hints[f.name], f.default, f.metadata["option"]))
        return out

    @classmethod
    def param(cls, name: str) -> Param:
        return {p.name: p for p in cls.params()}[name]

    @classmethod
    def names(cls) -> frozenset[str]:
        return frozenset(p.name for p in cls.params())

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None = None, *, source: str = "options",
                     text: bool = False, flags: bool = False, base: "Spec | None" = None):
        """A checked spec from flat ``{name: value}`` ``options`` over ``base`` (or the defaults).

        ``text``: values are command-line strings; ``flags``: name options as ``--flag`` in errors.
        Keys may use ``-`` for ``_`` and the declared aliases. Unknown names, bad types and values
        out of range raise :class:`OptionError` naming ``source`` and the option.
        """
        values = base.to_options() if base is not None else {}
        params = {p.name: p for p in cls.params()}
        aliases = {a: p.name for p in params.values() for a in p.option.aliases}
        for raw_key, value in (options or {}).items():
            key = str(raw_key).replace("-", "_")
            key = aliases.get(key, key)
            if key not in params:
                close = difflib.get_close_matches(key, params, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise OptionError(f"{source}: unknown option {_show(str(raw_key))}; {hint}"
                                  f"options: {', '.join(sorted(params))}")
            try:
                values[key] = coerce(params[key], value, text=text)
            except ValueError as exc:
                label = params[key].flag if flags else key
                raise OptionError(f"{source}: {label}: {exc}") from None
        spec = cls._build(values)
        try:
            spec.check()
        except ValueError as exc:
            raise OptionError(f"{source}: {exc}") from None
        return spec

    @classmethod
    def _build(cls, values: dict[str, Any]):
        if not cls.SECTIONS:
            return cls(**values)
        hints = typing.get_type_hints(cls)
        parts = {}
        for section in cls.SECTIONS:
            klass = hints[section]
            names = {f.name for f in dataclasses.fields(klass)}
            parts[section] = klass(**{k: v for k, v in values.items() if k in names})
        return cls(**parts)

    def to_options(self) -> dict[str, Any]:
        """Flat ``{name: value}`` (Enums as their string values, lists as tuples)."""
        out = {}
        for p in self.params():
            holder = getattr(self, p.section) if p.section else self
            out[p.name] = getattr(holder, p.name)
        return out

    def to_json(self) -> dict[str, Any]:
        """Flat ``{name: value}`` with JSON types only (lists, plain strings)."""
        return {k: (list(v) if isinstance(v, tuple) else v.value if isinstance(v, enum.Enum) else v)
                for k, v in self.to_options().items()}

    def replace(self, **changes: Any):
        """A checked copy with ``changes`` (flat names) applied."""
        return type(self).from_options(changes, base=self)

    def check(self) -> None:
        """Rules between fields (ValueError with the reason); the types and ranges are already checked."""


# -- geonet train -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSpec:
    target: str = option("LITHOLOGY", "Column to predict.")
    task: Task | None = option(None, "classify | regress.", show_default="inferred from the target")
    features: tuple[str, ...] | None = option(
        None, "Comma-separated input curves; +NAME adds to the default choice (e.g. +DEPTH_M).",
        show_default="the logs present in enough training wells (--min-curve-wells)")
    exclude: tuple[str, ...] = option((), "Comma-separated curves never used as inputs.")
    min_curve_wells: float = option(
        0.75, "Default inputs: log curves with values in at least this share of the training wells "
        "(a well has a curve when half its labelled rows have values).", gt=0, le=1)
    val_wells: tuple[str, ...] | None = option(None, "Comma-separated validation wells (whole wells).")
    val_fraction: float | None = option(
        None, "Fraction of wells held out when --val-wells is not given (0: none).", ge=0, lt=1, show_default="0.2")
    max_rows_per_well: int | None = option(
        None, "Use at most this many evenly spaced labelled rows per well.", ge=1, show_default="no limit")
    seed: int = option(0, "Random seed (well choice, weights, shuffling).", ge=0)
    stream: bool = option(
        False, "Stream mini-batches from the Parquet table's row groups, well by well, instead of loading it "
        "(a directory of Parquet files always streams).")
    memory_budget: str | None = option(
        None, "Memory for the table, e.g. 2GB or 512MB: a Parquet file whose in-memory training would need more "
        "is streamed, and a streamed run sizes its shuffle buffer and samples to it.", show_default="no limit",
        check=parse_bytes)
    shuffle_rows: int | None = option(
        None, "Streaming: rows of the shuffle buffer (a buffer as large as the table is a full shuffle).", ge=1,
        show_default="from --memory-budget, else 262144")


@dataclass(frozen=True)
class PreprocessSpec:
    missing: Missing = option(Missing.impute, "Missing curves: impute (training median + indicator) | drop rows.")
    scaler: Scaler = option(Scaler.zscore, "Scaling fitted on training wells only.")
    log10: tuple[str, ...] | None = option(
        None, "Curves to log10 ('auto': the resistivities present; '' for none).", show_default="auto",
        none_word="auto")
    context: int = option(4, "Depth context: ±k neighbouring samples within a well.", ge=0)
    context_stride: int = option(4, "Samples between context offsets.", ge=1)
    context_windows: tuple[int, ...] | None = option(
        None, "Rolling-mean windows in samples within a well, e.g. 7,33,131 ('' for none).", ge=2,
        none_word="auto", show_default="auto: about 1,5,20,60 m at the wells' depth step")
    context_window_std: bool = option(True, "Also the rolling standard deviation over those windows.")
    context_window_grad: bool = option(False, "Also the mean below minus the mean above each depth, per window.")
    well_norm: tuple[str, ...] = option((), "Curves normalised well by well to the training wells' percentiles, e.g. GR.")
    well_norm_percentiles: tuple[float, ...] = option(
        (5.0, 95.0), "Low and high percentiles of --well-norm.", ge=0, le=100)
    clip: float | None = option(None, "Limit scaled inputs to ±CLIP standard units.", gt=0, show_default="no clipping")
    missing_augment: int = option(
        0, "Extra copies of each training well with whole curves removed (impute only).", ge=0)
    missing_augment_rate: float = option(0.5, "Chance that a curve is removed from a copy.", gt=0, le=1)


@dataclass(frozen=True)
class NetworkSpec:
    hidden: tuple[int, ...] = option((64, 64), "Hidden layer widths, e.g. 64,64.", ge=1, show_default="64,64")
    activation: Activation = option(Activation.relu, "Hidden-layer activation.")
    dtype: DType = option(DType.float32, "Floating-point type of the network.")


@dataclass(frozen=True)
class OptimisationSpec:
    optimizer: Optimizer = option(Optimizer.adam, "Gradient-descent method.")
    lr: float = option(1e-3, "Learning rate.", gt=0)
    schedule: Schedule = option(Schedule.constant, "Learning-rate schedule.")
    batch_size: int = option(256, "Mini-batch size.", ge=1)
    epochs: int = option(10, "Maximum number of epochs.", ge=1)
    l2: float = option(0.0, "L2 weight decay.", ge=0)
    class_weight: ClassWeight = option(
        ClassWeight.none, "Class weights: none | balanced | sqrt (square root of balanced) | penalty (FORCE matrix).")
    patience: int | None = option(
        3, "Early-stopping patience in epochs without improvement of the monitored score (0: never stop early).",
        ge=0)
    restore_best: bool = option(True, "Keep the weights of the best epoch by the monitored score, or the last epoch's.",
                                flag="--restore-best/--keep-last")
    monitor: MonitorName = option(
        MonitorName.auto, "Score that stops training and picks the epoch (loss breaks ties); auto: macro_f1, "
        "or the FORCE penalty when the labels are FORCE codes; rmse for regression.")


@dataclass(frozen=True)
class EnsembleSpec:
    ensemble: int | None = option(
        None, "Networks trained with seeds seed, seed+1, ...; probabilities averaged.", ge=1, none_word="auto",
        show_default="auto: sized to the data, 5–40 (geonet.train.recipe)")
    bag_wells: float | None = option(
        None, "Each ensemble member trains on this random fraction of the training wells (0 = all).", ge=0, le=1,
        none_word="auto", show_default="auto: 0.6 with at least 5 training wells, else 0")
    decision: Decision = option(Decision.argmax, "argmax | min_penalty (least expected FORCE penalty).")


@dataclass(frozen=True)
class TrainSpec(Spec):
    """Every option of ``geonet train`` (and of pipeline ``train`` and ``sweep`` steps)."""

    SECTIONS: ClassVar[tuple[str, ...]] = ("data", "preprocess", "network", "optimisation", "ensemble")

    data: DataSpec = field(default_factory=DataSpec)
    preprocess: PreprocessSpec = field(default_factory=PreprocessSpec)
    network: NetworkSpec = field(default_factory=NetworkSpec)
    optimisation: OptimisationSpec = field(default_factory=OptimisationSpec)
    ensemble: EnsembleSpec = field(default_factory=EnsembleSpec)

    def check(self) -> None:
        d, p = self.data, self.preprocess
        if d.target in NOT_TARGETS:
            raise ValueError(f"target: {d.target!r} is a table's index column, not something to predict")
        if d.features is not None and not d.features:
            raise ValueError("features: give at least one curve (or leave it out for every curve)")
        if d.features and d.target in d.features:
            raise ValueError(f"features: the target {d.target!r} cannot also be a feature")
        if not self.network.hidden:
            raise ValueError("hidden: give at least one layer width, e.g. 64,64")
        if p.missing_augment and p.missing != Missing.impute:
            raise ValueError("missing_augment needs --missing impute")
        if p.context_windows and len(set(p.context_windows)) != len(p.context_windows):
            raise ValueError(f"context_windows: windows must be distinct, got {list(p.context_windows)}")
        low_high = p.well_norm_percentiles
        if len(low_high) != 2 or not low_high[0] < low_high[1]:
            raise ValueError(f"well_norm_percentiles: two increasing values in [0, 100], got {list(low_high)}")
        explicit = [f for f in d.features or () if not f.startswith("+")]
        unknown = sorted(set(p.well_norm) - set(explicit)) if explicit else []
        if unknown:
            raise ValueError(f"well_norm: curves {unknown} are not among the features")


# -- geonet ingest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegySpec(Spec):
    """Where SEG-Y trace headers keep their numbers (shared by ``ingest``, ``tie`` and ``section``)."""

    segy_inline_byte: int = option(189, "SEG-Y: trace-header byte of the inline number.", ge=1, le=237)
    segy_crossline_byte: int = option(193, "SEG-Y: trace-header byte of the crossline number.", ge=1, le=237)
    segy_x_byte: int = option(181, "SEG-Y: trace-header byte of the CDP X (scaled by the coordinate scalar, byte 71).", ge=1, le=237)
    segy_y_byte: int = option(185, "SEG-Y: trace-header byte of the CDP Y (scaled by the coordinate scalar, byte 71).", ge=1, le=237)
    segy_domain: SegyDomain = option(SegyDomain.time, "SEG-Y: samples in time (TWT, ms) or depth (m).")
    segy_nulls: tuple[float, ...] = option((), "SEG-Y: values meaning undefined, beside non-finite ones and |v| ≥ 1e30.",
                                           show_default="none")

    def segy_layout(self, name: str = "AMPLITUDE"):
        """The :class:`geonet.io.segy.SegyLayout` of these options."""
        from geonet.io.segy import SegyLayout

        return SegyLayout(self.segy_inline_byte, self.segy_crossline_byte, self.segy_x_byte, self.segy_y_byte,
                          self.segy_domain.value, name, tuple(float(v) for v in self.segy_nulls))


@dataclass(frozen=True)
class SegyNameSpec(SegySpec):
    """:class:`SegySpec` and the name of one SEG-Y file's values (``ingest``, ``predict``)."""

    segy_name: str = option("AMPLITUDE", "SEG-Y: the name of the values (a column of the table, e.g. AI).")


@dataclass(frozen=True)
class IngestSpec(SegyNameSpec):
    """The options of ``geonet ingest`` and of pipeline ``ingest`` steps (inputs and out aside)."""

    format: TableFormat = option(TableFormat.parquet, "Table format (csv writes provenance to <out>.meta.json).",
                                 aliases=("fmt",))
    step_m: float | None = option(
        None, "Resample wells to this depth step in metres (linear; nearest for labels; no filling across gaps).",
        gt=0, aliases=("step",), flag="--step-m --step", show_default="no resampling")
    labels: str | None = option(
        None, "CSV of labels: well,top,base,label intervals or well,depth,label points (metres).",
        path="maybe_path")
    aliases: str | None = option(None, "TOML file extending/overriding the mnemonic alias table.", path="maybe_path")
    strict: bool = option(False, "Stop at the first bad file (exit 1) instead of skipping it.")
    jobs: int | None = option(None, "Read files in N processes on this machine: this one and N-1 helpers it "
                              "spawns (1: in this process alone).", ge=1,
                              show_default="every core when there are several files of 64 MB or more in all")
    scheduler: str | None = option(
        None, "Run on Dask: local:N (a LocalCluster of N processes) or tcp://HOST:PORT (an existing cluster's "
        "scheduler; workers must see the inputs and --out). With a folder --out each task writes its own parts.",
        show_default="--jobs")
    well_col: str | None = option(None, "Tables: the column naming the well (default: found by name: WELL, Well Name, UWI ...).")
    depth_col: str | None = option(None, "Tables: the depth column (default: found by name: DEPTH, DEPT, MD, Depth [m] ...).")
    depth_unit: str | None = option(None, "Tables: the depth column's unit (m, ft ...), if its name or metadata does not say.")
    duplicates: DuplicateDepths = option(DuplicateDepths.first, "Rows repeating a depth with other values: first (keep the first) or mean (average them).")
    max_line_chars: int = option(16_384, "Refuse LAS files with a header line longer than this.", ge=1)
    max_token_chars: int = option(256, "Refuse LAS files with a data value longer than this.", ge=1)
    max_header_mb: float = option(4.0, "Refuse LAS files whose header is larger than this (MB).", gt=0)
    max_file_mb: float = option(2000.0, "Refuse LAS files larger than this (MB); bounds memory per file.", gt=0)

    def check(self) -> None:
        _check_scheduler(self.scheduler, self.jobs)

    def ingest_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`geonet.features.ingest.ingest` (beside inputs, out, progress):
        every option under its own name."""
        return self.to_json()


def _check_scheduler(scheduler: str | None, jobs: int | None) -> None:
    from geonet.features.executor import check_placement

    check_placement(jobs, scheduler)


def read_spec_file(spec: type[Spec], path: str | Path, *, section: str):
    """A spec from a TOML file: its options flat, or under ``[section]``; errors name the file.

    A file that is not TOML is refused with the parser's position only, never its content.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("config file not found", path=path) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        where = f" ({exc})" if isinstance(exc, tomllib.TOMLDecodeError) else ""
        raise OptionError(f"not a TOML file{where}", path=path) from None
    table = data.get(section, data)
    if not isinstance(table, dict):
        raise OptionError(f"[{section}] must be a table of options", path=path)
    return spec.from_options(table, source=str(path))


# -- geonet tie --------------------------------------------------------------------------------------


TwtUnit = _choices("TwtUnit", ["auto", "s", "ms"])


@dataclass(frozen=True)
class TieSpec(SegySpec):
    """The options of ``geonet tie`` and of pipeline ``tie`` steps (seismic files, wells and out aside)."""

    segy_names: tuple[str, ...] = option(("AMPLITUDE",), "Comma-separated names of the SEG-Y files' values, one per file (AMPLITUDE,AI).")
    time_depth: str | None = option(None, "Checkshot table or folder of tables (MD, TWT per well).", path="maybe_path",
                                    show_default="required")
    twt_unit: TwtUnit = option(TwtUnit.auto, "TWT unit of the checkshot tables: auto (from the column name, else s when all values are below 20), s or ms.")
    positions: str | None = option(None, "Well positions: LAS files, .track files or a WELL,X,Y table (file or folder).",
                                   path="maybe_path", show_default="the LAS headers of the wells table's sources")
    tolerance_m: float = option(50.0, "Largest distance (m) from a well to its nearest trace; farther wells keep their logs only.", gt=0)
    amplitude: str = option("AMPLITUDE", "The values whose envelope, instantaneous phase and frequency are computed.")
    smoothed: tuple[str, ...] = option(("AI",), "Values (grid and well logs alike) smoothed into <NAME>_SMOOTH.")
    smooth_ms: float = option(40.0, "Window of the smoothing (ms).", ge=0)
    twt_min: float | None = option(None, "Keep tie rows from this TWT (ms).", show_default="all")
    twt_max: float | None = option(None, "Keep tie rows up to this TWT (ms).", show_default="all")
    format: TableFormat = option(TableFormat.parquet, "Table format (csv writes provenance to <out>.meta.json).")

    def check(self) -> None:
        if self.time_depth is None:
            raise ValueError("time_depth: required (a checkshot table or folder of tables)")

    def recipe(self):
        from geonet.features.seismic import AttributeRecipe

        return AttributeRecipe(self.amplitude, tuple(self.smoothed), self.smooth_ms)


# -- geonet predict ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictSpec(SegyNameSpec):
    """The options of ``geonet predict`` and of pipeline ``predict`` steps (model, inputs and out aside)."""

    format: TableFormat = option(TableFormat.parquet, "Table format of the predictions.", aliases=("fmt",))
    plots: bool = option(True, "Write a well-track picture (PNG) beside each predicted LAS.")
    scheduler: str | None = option(
        None, "Predict the wells in parallel on Dask: local:N (a LocalCluster of N processes) or tcp://HOST:PORT "
        "(an existing cluster's scheduler); the table becomes the dataset folder OUT/predictions/.",
        show_default="one well after the other, here")

    def check(self) -> None:
        _check_scheduler(self.scheduler, None)
        if self.scheduler is not None and self.format != TableFormat.parquet:
            raise ValueError("format: with a scheduler the predictions table is a Parquet dataset folder")

    def predict_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`geonet.workflows.predict` (beside model, inputs, out_dir)."""
        segy = {k: v for k, v in self.to_json().items() if k.startswith("segy_")}
        return dict(fmt=self.format.value, plots=self.plots, scheduler=self.scheduler, **segy)


# -- geonet section ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionSpec(Spec):
    """The options of ``geonet section`` and of pipeline ``section`` steps (model, grid, out_dir aside)."""

    tie_table: str | None = option(None, "The tie table (`geonet tie`): wells drawn on the section and scored against the prediction.",
                                   path="maybe_path", show_default="none")
    segy_like: str | None = option(None, "SEG-Y whose headers the SEG-Y output copies (its samples must be the grid's).",
                                   path="maybe_path", show_default="the grid's source SEG-Y with the same samples")
    credit: str = option("", "Credit line of the data's licence, printed under the picture.")
    plots: bool = option(True, "Write the section picture (PNG).")
    inline: int | None = option(None, "The inline to draw.", show_default="the one with the most tied wells, else the middle one")


# -- geonet ui / geonet server ----------------------------------------------------------------------


@dataclass(frozen=True)
class UISpec(Spec):
    """Where ``geonet ui``'s MLflow server listens (``geonet server`` shares these options)."""

    host: str = option("127.0.0.1", "Address to listen on; 0.0.0.0 exposes the server to the network.")
    port: int = option(5000, "Port to listen on.", ge=1, le=65535)
    workers: int = option(1, "Server worker processes (1 is plenty for one user).", ge=1)


@dataclass(frozen=True)
class ServerSpec(UISpec):
    """The options of ``geonet server`` beside its database and artifact root (which it requires)."""

    workers: int = option(4, "Server worker processes.", ge=1)
    allowed_hosts: str | None = option(None, "Host names clients may use, comma-separated.",
                                       show_default="MLflow's: localhost and private IP addresses")
