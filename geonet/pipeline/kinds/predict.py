"""``predict`` steps: ``model``, ``inputs``, ``out_dir`` and the options of :class:`geonet.spec.PredictSpec`."""

from __future__ import annotations

from geonet.pipeline.context import StepContext, StepKind, jsonable, spec_options
from geonet.spec import PredictSpec


def run_predict(options: dict, ctx: StepContext) -> dict:
    from geonet.workflows import predict

    spec = PredictSpec.from_options(spec_options(KIND, options), source=f"step {ctx.step.name!r}")
    inputs = options["inputs"] if isinstance(options["inputs"], list) else [options["inputs"]]
    result = predict(options["model"], inputs, options["out_dir"], tracking_uri=ctx.tracking_uri,
                     **spec.predict_kwargs())
    return jsonable({"outputs": result.outputs})


KIND = StepKind(
    "predict",
    own=frozenset({"model", "inputs", "out_dir"}),
    required=("model", "inputs", "out_dir"),
    run=run_predict,
    spec=PredictSpec,
    paths={"inputs": "paths", "out_dir": "path", "model": "maybe_path"},
    inputs=("inputs", "model"),
    output_files=lambda o: list(o["outputs"]),
)
