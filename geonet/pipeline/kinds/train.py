"""``train`` steps (the options of :class:`geonet.spec.TrainSpec` plus ``table`` and ``run_name``),
and :data:`TRAINERS`, the registry a sweep names its trainer from."""

from __future__ import annotations

from typing import Callable

from geonet.pipeline.context import StepContext, StepKind, jsonable, spec_options
from geonet.spec import TrainSpec


def train_trial(
    table: str, options: dict, *, tracking_uri: str | None, experiment: str,
    run_name: str | None, parent_run_id: str | None, progress: bool = False,
) -> dict:
    """Train one model from a table path and training options; returns the outputs as a dict.

    A module-level function so a sweep can run it in worker processes.
    """
    from geonet.workflows import train

    spec = TrainSpec.from_options(options, source=f"run {run_name!r}")
    result = train(table, spec, tracking_uri=tracking_uri, experiment=experiment,
                   run_name=run_name, parent_run_id=parent_run_id, progress=progress)
    return jsonable({
        "run_id": result.run_id, "model_uri": result.model_uri,
        "model_dir": result.model_dir, "metrics": dict(result.metrics),
    })


def cv_trial(
    table: str, options: dict, *, tracking_uri: str | None, experiment: str,
    run_name: str | None, parent_run_id: str | None, progress: bool = False,
) -> dict:
    """Cross-validate one configuration (``geonet cv``): ``cv_folds`` folds, ``cv_groups`` column.

    Returns the parent CV run's id and metrics: ``cv_score`` (mean over folds of the task's own
    score), ``cv_<metric>_mean`` / ``_std``, and ``cv_mode`` ("max"/"min": which way is better).
    """
    from geonet.workflows import cv

    options = dict(options)
    folds, groups = int(options.pop("cv_folds", 5)), options.pop("cv_groups", None)
    spec = TrainSpec.from_options(options, source=f"run {run_name!r}")
    result = cv(table, spec, folds=folds, groups=groups, tracking_uri=tracking_uri,
                experiment=experiment, run_name=run_name, parent_run_id=parent_run_id)
    metrics = {f"cv_{m}_{stat}": v for m, s in result.summary.items() for stat, v in s.items()
               if stat in ("mean", "std")}
    return jsonable({"run_id": result.run_id, "metrics": {"cv_score": result.score, **metrics},
                     "cv_mode": result.cv.mode, "cv_metric": result.cv.monitor})


#: trainers a sweep may name (``trainer = "train"``); a trainer is
#: ``fn(table, options, *, tracking_uri, experiment, run_name, parent_run_id) -> outputs``.
#: ``cv`` ranks each trial by leave-wells-out cross-validation (chosen by a sweep's ``cv = N``).
TRAINERS: dict[str, Callable[..., dict]] = {"train": train_trial, "cv": cv_trial}


#: import strings once named trainers; a pipeline file may not make geonet import and call code
REFUSED = {"trial_fn": f"import strings are refused; a sweep names its trainer: trainer = one of {', '.join(TRAINERS)}"}


def run_train(options: dict, ctx: StepContext) -> dict:
    return train_trial(
        options["table"], spec_options(KIND, options), tracking_uri=ctx.tracking_uri,
        experiment=ctx.experiment, run_name=options.get("run_name", ctx.step.name),
        parent_run_id=ctx.parent_run_id, progress=ctx.progress,
    )


def model_dir_files(outputs: dict) -> list[str]:
    model_dir = outputs.get("model_dir")
    return [model_dir] if model_dir else []


KIND = StepKind(
    "train",
    own=frozenset({"table", "run_name"}),
    required=("table",),
    run=run_train,
    spec=TrainSpec,
    paths={"table": "path"},
    inputs=("table",),
    output_files=model_dir_files,
    own_run=True,
    refused=REFUSED,
)
