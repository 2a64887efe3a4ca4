"""``evaluate`` steps: score a model on a labelled table (:func:`geonet.workflows.evaluate`)."""

from __future__ import annotations

from geonet.pipeline.context import StepContext, StepKind, jsonable


def run_evaluate(options: dict, ctx: StepContext) -> dict:
    from geonet.workflows import evaluate

    result = evaluate(
        options["model"], options["table"], tracking_uri=ctx.tracking_uri,
        experiment=ctx.experiment, run_name=options.get("run_name", ctx.step.name),
        parent_run_id=ctx.parent_run_id,
    )
    return jsonable({"run_id": result.run_id, "metrics": dict(result.metrics)})


KIND = StepKind(
    "evaluate",
    own=frozenset({"model", "table", "run_name"}),
    required=("model", "table"),
    run=run_evaluate,
    paths={"table": "path", "model": "maybe_path"},
    inputs=("table", "model"),
    own_run=True,
)
