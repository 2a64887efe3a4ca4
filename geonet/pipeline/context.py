"""What every step kind shares: the :class:`StepKind` description and the :class:`StepContext` it runs in.

This module imports no step kind (they import it). A step kind is data: its option keys (its own
plus those of its :mod:`geonet.spec` spec, same names as the command's flags), which options are
paths, which name input files (content-hashed to decide whether the step re-runs), the function
that runs it, which outputs are files, and which geonet packages decide its result.
Every run function has the signature ``run(options, ctx) -> outputs`` (a JSON-serialisable dict);
later steps refer to its outputs as ``@STEP.KEY`` (``@train.model_uri``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from geonet.spec import Spec

TrackerFactory = Callable[..., Any]  # (tracking_uri, experiment, run_name=, parent_run_id=, tags=) -> context manager
#: keys every step has besides its options
COMMON_KEYS = frozenset({"kind", "name"})
#: the geonet packages whose code decides a step's result (hashed into its fingerprint)
DATA_CODE = ("errors.py", "paths.py", "spec.py", "io", "features")
MODEL_CODE = (*DATA_CODE, "nn", "train", "tracking", "workflows")


def mlflow_tracker(tracking_uri, experiment, run_name=None, parent_run_id=None, tags=None):
    """The default tracker: :class:`geonet.tracking.logger.RunTracker` (mlflow imported lazily)."""
    from geonet.tracking.logger import RunTracker

    return RunTracker(tracking_uri, experiment, run_name=run_name, parent_run_id=parent_run_id, tags=tags)


@dataclass(frozen=True)
class StepKind:
    """What the runner needs to know about one kind of step.

    ``own``: option keys besides the spec's; ``spec``: the typed spec of the rest (checked by value
    when the pipeline is loaded). ``paths`` maps an option to how it is resolved: ``"path"``,
    ``"paths"`` (a path or a list of paths/globs), ``"maybe_path"`` (a model URI, or a path when it
    exists); spec fields declare theirs in the spec. ``inputs``: the options whose files are
    content-hashed. ``own_run``: the geonet call opens its own nested MLflow run (given
    ``parent_run_id``); otherwise the runner opens one around the step. ``check``: extra checks of
    the options (ConfigError). ``code``: the geonet packages whose source is in the fingerprint.
``refused``: options that once existed and are refused, with the reason.
    """

    kind: str
    own: frozenset[str]
    required: tuple[str, ...]
    run: Callable[[dict, "StepContext"], dict]
    spec: "type[Spec] | None" = None
    paths: dict[str, str] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    output_files: Callable[[dict], list[str]] = lambda outputs: []
    own_run: bool = False
    check: Callable[[dict], None] | None = None
    code: tuple[str, ...] = MODEL_CODE
    refused: dict[str, str] = field(default_factory=dict)  # option → why it is refused

    @property
    def keys(self) -> frozenset[str]:
        """Every option key a step of this kind accepts (aliases of spec options included)."""
        if self.spec is None:
            return self.own
        aliases = {a for p in self.spec.params() for a in p.option.aliases}
        return self.own | self.spec.names() | aliases

    def path_rule(self, key: str) -> str | None:
        if key in self.paths:
            return self.paths[key]
        if self.spec is not None and key in self.spec.names():
            return self.spec.param(key).option.path
        return None


@dataclass
class StepContext:
    """What a step function may use besides its options."""

    pipeline: Any  # geonet.pipeline.config.Pipeline
    step: Any  # geonet.pipeline.config.Step
    tracking_uri: str | None
    experiment: str
    parent_run_id: str | None  # the pipeline run: steps that open their own run nest under it
    tracker: Any = None  # the nested run the runner opened for this step (not for train/evaluate)
    tracker_factory: TrackerFactory = mlflow_tracker
    progress: bool = False
    echo: Callable[[str], None] = print

    @property
    def run_id(self) -> str | None:
        return None if self.tracker is None else self.tracker.run_id


def jsonable(value: Any) -> Any:
    """Outputs as JSON-friendly values (Paths → str, tuples → lists, numpy scalars → Python)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(getattr(value, "value", value))  # Enums as their value


def spec_options(kind: StepKind, options: dict) -> dict:
    """The options of ``kind``'s spec among ``options``."""
    names = kind.keys - kind.own
    return {k: v for k, v in options.items() if k in names}
