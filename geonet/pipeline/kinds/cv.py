"""``cv`` steps: leave-wells-out cross-validation (:func:`geonet.workflows.cv`) of the options of
:class:`geonet.spec.TrainSpec` on ``table``; ``folds`` (``folds = 0``: one fold per well) and ``groups``."""

from __future__ import annotations

from geonet.pipeline.context import StepContext, StepKind, jsonable, spec_options


def run_cv(options: dict, ctx: StepContext) -> dict:
    from geonet.features.table import read_feature_table
    from geonet.spec import TrainSpec
    from geonet.workflows import cv

    folds = int(options.get("folds", 5))
    if folds == 0:
        folds = int(read_feature_table(options["table"])["WELL"].nunique())
    spec = TrainSpec.from_options(spec_options(KIND, options), source=f"step {ctx.step.name!r}")
    result = cv(options["table"], spec, folds=folds, groups=options.get("groups"), tracking_uri=ctx.tracking_uri,
                experiment=ctx.experiment, run_name=options.get("run_name", ctx.step.name),
                parent_run_id=ctx.parent_run_id)
    score = result.cv.monitor
    wells = result.cv.per_well()
    for row in wells:
        ctx.echo(f"  well {row['well']} held out: " + ", ".join(
            f"{m} {row[m]:.4f}" for m in (score, "r2", "macro_f1") if m in row and isinstance(row[m], float)))
    ctx.echo(f"cv over {folds} folds: {score} {result.score:.4f}")
    metrics = {f"cv_{m}_{stat}": v for m, s in result.summary.items() for stat, v in s.items() if stat in ("mean", "std")}
    return jsonable({"run_id": result.run_id, "metrics": {"cv_score": result.score, **metrics}, "folds": folds,
                     "cv_metric": score, "wells": wells})


def _check(options: dict) -> None:
    from geonet.errors import ConfigError

    folds = options.get("folds", 5)
    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 0 or folds == 1:
        raise ConfigError(f"folds: {folds!r} is not 0 (one fold per well) or an integer ≥ 2")


def _kind():
    from geonet.pipeline.kinds.train import KIND as TRAIN

    return StepKind(
        "cv",
        own=frozenset({"table", "run_name", "folds", "groups"}),
        required=("table",),
        run=run_cv,
        spec=TRAIN.spec,
        paths={"table": "path"},
        inputs=("table",),
        own_run=True,
        check=_check,
        refused=TRAIN.refused,
    )


KIND = _kind()
