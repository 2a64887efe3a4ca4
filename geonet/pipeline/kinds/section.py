"""``section`` steps: ``model``, ``grid``, ``out_dir`` and the options of :class:`geonet.spec.SectionSpec`."""

from __future__ import annotations

from geonet.pipeline.context import StepContext, StepKind, jsonable, spec_options
from geonet.spec import SectionSpec


def run_section(options: dict, ctx: StepContext) -> dict:
    from geonet.workflows.section import predict_section

    spec = SectionSpec.from_options(spec_options(KIND, options), source=f"step {ctx.step.name!r}")
    result = predict_section(options["model"], options["grid"], options["out_dir"], tracking_uri=ctx.tracking_uri,
                             **spec.to_json())
    for well, s in result.scores.items():
        ctx.echo(f"{well}: correlation {s['corr']:.3f}, RMSE {s['rmse']:.4f} over {s['n']} samples "
                   f"(from the well's own inputs: correlation {s['corr_well_inputs']:.3f})")
    if ctx.tracker is not None:
        ctx.tracker.log_metrics({f"{k}_{w}": v for w, s in result.scores.items() for k, v in s.items()})
        for path in result.outputs:
            if path.suffix in {".png", ".json"}:
                ctx.tracker.log_artifact(path)
    return jsonable({"outputs": result.outputs, "scores": result.scores})


KIND = StepKind(
    "section",
    own=frozenset({"model", "grid", "out_dir"}),
    required=("model", "grid", "out_dir"),
    run=run_section,
    spec=SectionSpec,
    paths={"model": "maybe_path", "grid": "path", "out_dir": "path"},
    inputs=("model", "grid", "tie_table", "segy_like"),
    output_files=lambda o: list(o["outputs"]),
)
