"""Training options: one vocabulary for the CLI, ``--config`` TOML files and pipelines."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from geonet.errors import ConfigError

TASKS = ("classify", "regress")
CLASS_WEIGHTS = ("none", "balanced", "sqrt", "penalty")
DECISIONS = ("argmax", "min_penalty")


@dataclass
class TrainConfig:
    """Every option of ``geonet train``; defaults are a small, quick lithology model."""

    target: str = "LITHOLOGY"
    task: str | None = None  # classify | regress; inferred from the target when None
    features: list[str] | None = None  # default: every canonical curve in the table
    exclude: list[str] = field(default_factory=list)  # curves never used as inputs
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = 1e-3
    schedule: str = "constant"  # constant | step | cosine
    batch_size: int = 256
    epochs: int = 20
    l2: float = 0.0
    class_weight: str = "sqrt"  # none | balanced | sqrt (square root of balanced) | penalty (FORCE matrix)
    patience: int | None = 5  # epochs without validation improvement before stopping; 0 or None: never
    restore_best: bool = True  # keep the weights of the best validation epoch (False: the last epoch's)
    seed: int = 0
    dtype: str = "float32"
    val_wells: list[str] | None = None
    val_fraction: float | None = None
    missing: str = "impute"  # impute | drop
    scaler: str = "zscore"  # zscore | robust
    log10: list[str] | str = "auto"  # resistivity curves present, or an explicit list
    context: int = 0  # ±k samples of depth context within a well
    context_stride: int = 1
    max_rows_per_well: int | None = None  # subsample long wells evenly (speed)
    well_norm: list[str] = field(default_factory=list)  # curves normalised per well to percentiles
    well_norm_percentiles: list[float] = field(default_factory=lambda: [5.0, 95.0])
    context_windows: list[int] = field(default_factory=list)  # rolling mean over w samples per well
    context_window_std: bool = False  # also the rolling standard deviation over those windows
    context_window_grad: bool = False  # also the depth gradient: mean of the lower half-window − upper half
    clip: float | None = None  # limit scaled inputs to [-clip, clip] (None: no clipping)
    missing_augment: int = 0  # extra copies of each training well with whole curves removed (impute only)
    missing_augment_rate: float = 0.5  # chance that a curve (not DEPTH_M) is removed from a copy
    ensemble: int = 1  # networks trained with seeds seed, seed+1, ...; probabilities averaged
    bag_wells: float = 0.0  # each member trains on this fraction of the training wells (0: all wells)
    decision: str = "argmax"  # argmax | min_penalty (least expected FORCE penalty; FORCE codes only)

    @classmethod
    def from_dict(cls, d: dict, *, source: str = "options") -> "TrainConfig":
        d = {str(k).replace("-", "_"): v for k, v in d.items()}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown training option(s) {unknown}; known: {sorted(known)}")
        for key in ("features", "exclude", "val_wells", "well_norm"):
            if isinstance(d.get(key), str):
                d[key] = [s.strip() for s in d[key].split(",") if s.strip()]
        if isinstance(d.get("context_windows"), (int, str)):
            d["context_windows"] = [int(s) for s in str(d["context_windows"]).split(",") if s.strip()]
        if isinstance(d.get("hidden"), (int, str)):
            d["hidden"] = parse_hidden(d["hidden"])
        if isinstance(d.get("log10"), str) and d["log10"] not in ("auto", ""):
            d["log10"] = [s.strip() for s in d["log10"].split(",") if s.strip()]
        config = cls(**d)
        config.validate(source)
        return config

    @classmethod
    def from_toml(cls, path: str | Path) -> "TrainConfig":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("config file not found", path=path) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML: {exc}", path=path) from None
        return cls.from_dict(data.get("train", data), source=str(path))

    def merged(self, overrides: dict) -> "TrainConfig":
        """A copy with the non-None ``overrides`` applied (CLI options over a config file)."""
        base = self.to_dict()
        base.update({k: v for k, v in overrides.items() if v is not None})
        return TrainConfig.from_dict(base)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def validate(self, source: str = "options") -> None:
        if self.task is not None and self.task not in TASKS:
            raise ConfigError(f"{source}: task {self.task!r} is not one of {', '.join(TASKS)}")
        if self.class_weight not in CLASS_WEIGHTS:
            raise ConfigError(f"{source}: class_weight {self.class_weight!r} is not one of {', '.join(CLASS_WEIGHTS)}")
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise ConfigError(f"{source}: hidden layers must be positive widths, got {self.hidden}")
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0:
            raise ConfigError(f"{source}: epochs, batch_size and lr must be positive")
        if self.decision not in DECISIONS:
            raise ConfigError(f"{source}: decision {self.decision!r} is not one of {', '.join(DECISIONS)}")
        if int(self.ensemble) < 1:
            raise ConfigError(f"{source}: ensemble must be at least 1 network, got {self.ensemble}")
        if not 0.0 <= float(self.bag_wells) <= 1.0:
            raise ConfigError(f"{source}: bag_wells must be a fraction of the training wells in [0, 1], "
                              f"got {self.bag_wells}")
        if int(self.missing_augment) < 0 or not 0.0 < float(self.missing_augment_rate) <= 1.0:
            raise ConfigError(f"{source}: missing_augment must be >= 0 and missing_augment_rate in (0, 1]")
        if self.missing_augment and self.missing != "impute":
            raise ConfigError(f"{source}: missing_augment needs the impute missing-curve policy")
        if len(self.well_norm_percentiles) != 2:
            raise ConfigError(f"{source}: well_norm_percentiles must be two numbers, got {self.well_norm_percentiles}")
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"{source}: dtype must be float32 or float64, got {self.dtype!r}")


def parse_hidden(value: int | str | list) -> list[int]:
    """``"64,64"`` or ``64`` or ``[64, 64]`` → ``[64, 64]``."""
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [int(v) for v in value]
    try:
        return [int(v) for v in str(value).replace("x", ",").split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"hidden layers must look like 64,64 — got {value!r}") from None
