"""``ingest`` steps: ``inputs`` and ``out`` plus the options of :class:`geonet.spec.IngestSpec`."""

from __future__ import annotations

from geonet.pipeline.context import DATA_CODE, StepContext, StepKind, jsonable, spec_options
from geonet.spec import IngestSpec


def run_ingest(options: dict, ctx: StepContext) -> dict:
    from geonet.features.ingest import ingest

    spec = IngestSpec.from_options(spec_options(KIND, options), source=f"step {ctx.step.name!r}")
    inputs = options["inputs"] if isinstance(options["inputs"], list) else [options["inputs"]]
    report = ingest(inputs, options["out"], progress=ctx.progress, **spec.ingest_kwargs())
    return jsonable({
        "out_path": report.out_path, "wells": report.wells,
        "rows": report.rows, "skipped": report.skipped,
    })


KIND = StepKind(
    "ingest",
    own=frozenset({"inputs", "out"}),
    required=("inputs", "out"),
    run=run_ingest,
    spec=IngestSpec,
    paths={"inputs": "paths", "out": "path"},
    inputs=("inputs", "labels", "aliases"),
    output_files=lambda o: [o["out_path"]],
    code=DATA_CODE,
)
