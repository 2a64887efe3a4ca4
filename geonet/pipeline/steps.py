"""The step kinds a pipeline can use, each adapting its TOML options to one public geonet call.

A :class:`StepKind` is data: its option keys (the same names as the command's options), which of
them are paths (resolved against the pipeline directory) and which name input files (their content
is hashed to decide whether the step must re-run), the function that runs it, and which of its
outputs are files (a step re-runs when one of them is gone).

Every run function has the signature ``run(options, ctx) -> outputs`` where ``outputs`` is a
JSON-serialisable dict; later steps refer to it as ``@STEP.KEY`` (``@train.model_uri``).
geonet's heavy modules are imported inside the run functions, never at import time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from geonet.errors import ConfigError
from geonet.spec import IngestSpec, TrainSpec

if TYPE_CHECKING:
    from geonet.pipeline.runner import StepContext

COMMON_KEYS = frozenset({"kind", "name"})



TRAIN_KEYS = TrainSpec.names()
DEFAULT_TRIAL_FN = "geonet.pipeline.steps:train_trial"


@dataclass(frozen=True)
class StepKind:
    """What the runner needs to know about one kind of step.

    ``paths`` maps an option to how it is resolved: ``"path"`` (one path), ``"paths"`` (a path or a
    list of paths/globs), ``"maybe_path"`` (a model URI, or a path when it exists). ``inputs`` are
    the options whose files are content-hashed. ``own_run``: the geonet call opens its own nested
    MLflow run (given ``parent_run_id``); otherwise the runner opens one around the step.
    """

    kind: str
    keys: frozenset[str]
    required: tuple[str, ...]
    run: Callable[[dict, "StepContext"], dict]
    paths: dict[str, str] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    output_files: Callable[[dict], list[str]] = lambda outputs: []
    own_run: bool = False
    check: Callable[[dict], None] | None = None


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
    return str(value)


def load_callable(dotted: str) -> Callable:
    """``"package.module:function"`` → the function (ConfigError when it cannot be imported)."""
    module_name, _, attr = dotted.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"cannot import {dotted!r} (expected 'module:function'): {exc}") from None


def _workflows():
    """The train/evaluate/predict workflows, imported when a step needs them."""
    import geonet.workflows as workflows

    return workflows


def _train_config(options: dict) -> TrainSpec:
    return TrainSpec.from_options({k: v for k, v in options.items() if k in TRAIN_KEYS})


def check_train_options(options: dict) -> None:
    """Check the training options by value (those holding an ``@step.output`` reference at run time)."""
    given = {k: v for k, v in options.items() if k in TRAIN_KEYS and not _has_reference(v)}
    TrainSpec.from_options(given, source="training options")


def _has_reference(value) -> bool:
    if isinstance(value, str):
        return value.startswith("@") and not value.startswith("@@")
    if isinstance(value, list):
        return any(_has_reference(v) for v in value)
    return False


# -- ingest ---------------------------------------------------------------------------------------

#: the ingest step's keys: IngestSpec's options, the same names as ingest()'s keywords and the CLI flags
_INGEST_ARGS = tuple(p.name for p in IngestSpec.params())


def run_ingest(options: dict, ctx: "StepContext") -> dict:
    from geonet.features.ingest import ingest

    kwargs = {k: options[k] for k in _INGEST_ARGS if k in options}
    inputs = options["inputs"] if isinstance(options["inputs"], list) else [options["inputs"]]
    report = ingest(inputs, options["out"], progress=ctx.progress, **kwargs)
    return jsonable({
        "out_path": report.out_path, "wells": report.wells,
        "rows": report.rows, "skipped": report.skipped,
    })


# -- derive ---------------------------------------------------------------------------------------


def run_derive(options: dict, ctx: "StepContext") -> dict:
    from geonet.features.derive import derive_table

    out = derive_table(options["table"], options["out"], options["formulas"])
    return {"out_path": str(out)}


def _check_derive(options: dict) -> None:
    if not isinstance(options["formulas"], list):
        raise ConfigError("formulas must be a list of formula names or tables")


# -- train / evaluate / predict -------------------------------------------------------------------


def train_trial(
    table: str, options: dict, *, tracking_uri: str | None, experiment: str,
    run_name: str | None, parent_run_id: str | None, progress: bool = False,
) -> dict:
    """Train one model from a table path and TrainConfig options; returns the outputs as a dict.

    A module-level function so a sweep can run it in worker processes.
    """
    config = _train_config(options)
    result = _workflows().train(
        table, config, tracking_uri=tracking_uri, experiment=experiment,
        run_name=run_name, parent_run_id=parent_run_id, progress=progress,
    )
    return jsonable({
        "run_id": result.run_id, "model_uri": result.model_uri,
        "model_dir": result.model_dir, "metrics": dict(result.metrics),
    })


def run_train(options: dict, ctx: "StepContext") -> dict:
    config = {k: v for k, v in options.items() if k in TRAIN_KEYS}
    trial = load_callable(options.get("trial_fn", DEFAULT_TRIAL_FN))
    return trial(
        options["table"], config, tracking_uri=ctx.tracking_uri, experiment=ctx.experiment,
        run_name=options.get("run_name", ctx.step.name), parent_run_id=ctx.parent_run_id,
        progress=ctx.progress,
    )


def run_evaluate(options: dict, ctx: "StepContext") -> dict:
    result = _workflows().evaluate(
        options["model"], options["table"], tracking_uri=ctx.tracking_uri,
        experiment=ctx.experiment, run_name=options.get("run_name", ctx.step.name),
        parent_run_id=ctx.parent_run_id,
    )
    return jsonable({"run_id": result.run_id, "metrics": dict(result.metrics)})


def run_predict(options: dict, ctx: "StepContext") -> dict:
    inputs = options["inputs"] if isinstance(options["inputs"], list) else [options["inputs"]]
    extra = {k: options[k] for k in ("fmt", "plots") if k in options}
    result = _workflows().predict(
        options["model"], inputs, options["out_dir"], tracking_uri=ctx.tracking_uri, **extra
    )
    return jsonable({"outputs": result.outputs})


def _run_sweep(options: dict, ctx: "StepContext") -> dict:
    from geonet.pipeline.sweep import run_sweep_step

    return run_sweep_step(options, ctx)


def _check_sweep(options: dict) -> None:
    from geonet.pipeline.sweep import check_sweep_options

    check_sweep_options(options)


def _model_dir_files(outputs: dict) -> list[str]:
    model_dir = outputs.get("model_dir")
    return [model_dir] if model_dir else []


STEP_KINDS: dict[str, StepKind] = {
    s.kind: s
    for s in [
        StepKind(
            "ingest",
            keys=frozenset({"inputs", "out", *_INGEST_ARGS}),
            required=("inputs", "out"),
            run=run_ingest,
            paths={"inputs": "paths", "out": "path", "labels": "maybe_path", "aliases": "maybe_path"},
            inputs=("inputs", "labels", "aliases"),
            output_files=lambda o: [o["out_path"]],
        ),
        StepKind(
            "derive",
            keys=frozenset({"table", "out", "formulas"}),
            required=("table", "out", "formulas"),
            run=run_derive,
            paths={"table": "path", "out": "path"},
            inputs=("table",),
            output_files=lambda o: [o["out_path"]],
            check=_check_derive,
        ),
        StepKind(
            "train",
            keys=frozenset({"table", "run_name", "trial_fn", *TRAIN_KEYS}),
            required=("table",),
            run=run_train,
            paths={"table": "path"},
            inputs=("table",),
            output_files=_model_dir_files,
            own_run=True,
            check=check_train_options,
        ),
        StepKind(
            "evaluate",
            keys=frozenset({"model", "table", "run_name"}),
            required=("model", "table"),
            run=run_evaluate,
            paths={"table": "path", "model": "maybe_path"},
            inputs=("table", "model"),
            own_run=True,
        ),
        StepKind(
            "predict",
            keys=frozenset({"model", "inputs", "out_dir", "fmt", "plots"}),
            required=("model", "inputs", "out_dir"),
            run=run_predict,
            paths={"inputs": "paths", "out_dir": "path", "model": "maybe_path"},
            inputs=("inputs", "model"),
            output_files=lambda o: list(o["outputs"]),
        ),
        StepKind(
            "sweep",
            keys=frozenset({
                "table", "grid", "random", "trials", "seed", "jobs", "metric", "mode",
                "register", "trial_fn", *TRAIN_KEYS,
            }),
            required=("table",),
            run=_run_sweep,
            paths={"table": "path"},
            inputs=("table",),
            output_files=lambda o: _model_dir_files(o.get("best", {})),
            check=_check_sweep,
        ),
    ]
}
