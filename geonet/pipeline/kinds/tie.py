"""``tie`` steps: ``seismic`` (SEG-Y files), ``wells`` (a feature table), ``out``, ``grid_out`` and the
options of :class:`geonet.spec.TieSpec`."""

from __future__ import annotations

from geonet.pipeline.context import DATA_CODE, StepContext, StepKind, jsonable, spec_options
from geonet.spec import TieSpec


def run_tie(options: dict, ctx: StepContext) -> dict:
    from geonet.features.tie_run import run_tie as tie, tie_summary

    spec = TieSpec.from_options(spec_options(KIND, options), source=f"step {ctx.step.name!r}")
    seismic = options["seismic"] if isinstance(options["seismic"], list) else [options["seismic"]]
    result = tie(seismic, options["wells"], options["out"], spec, grid_out=options.get("grid_out"))
    for line in [*(f"note: {n}" for n in result.notes), *tie_summary(result)]:
        ctx.echo(line)
    if ctx.tracker is not None:
        ctx.tracker.log_metrics({"tie_rows": result.rows, "tied_wells": sum(t["tied"] for t in result.ties)})
        ctx.tracker.log_dict({"ties": result.ties, "notes": result.notes}, "ties.json")
    return jsonable({"out_path": result.out_path, "grid_path": result.grid_path, "rows": result.rows,
                     "wells": result.wells, "ties": result.ties})


KIND = StepKind(
    "tie",
    own=frozenset({"seismic", "wells", "out", "grid_out"}),
    required=("seismic", "wells", "out"),
    run=run_tie,
    spec=TieSpec,
    paths={"seismic": "paths", "wells": "path", "out": "path", "grid_out": "path"},
    inputs=("seismic", "wells", "time_depth", "positions"),
    output_files=lambda o: [p for p in (o["out_path"], o["grid_path"]) if p],
    code=DATA_CODE,
)
