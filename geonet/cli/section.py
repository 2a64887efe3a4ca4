"""``geonet section GRID --model M --out DIR``: options from :class:`geonet.spec.SectionSpec`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import echo_err, handle_errors
from geonet.cli._spec import spec_command
from geonet.spec import SectionSpec


@handle_errors
@spec_command(SectionSpec)
def section_command(
    grid: Annotated[Path, typer.Argument(metavar="GRID", help="The grid with attributes from `geonet tie --grid-out`.")],
    model: Annotated[str, typer.Option("--model", "-m", help="runs:/<id>/model, models:/<name>/<version> or a model directory.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.", metavar="DIR")] = Path("predictions"),
    tracking_uri: Annotated[Optional[str], typer.Option(help="MLflow tracking URI.", metavar="URI")] = None,
    *,
    options: dict,
) -> None:
    """Predict every trace of a tied grid with a model trained at the wells: NetCDF, SEG-Y (the source's
    headers), a section picture with the wells, and at each tied well the correlation between the
    predicted trace and its own log."""
    from geonet.workflows.section import predict_section

    spec = SectionSpec.from_options(options, source="command line", text=True, flags=True)
    result = predict_section(model, grid, out, tracking_uri=tracking_uri, **spec.to_json())
    for note in result.notes:
        echo_err(f"note: {note}")
    for well, s in result.scores.items():
        typer.echo(f"{well}: correlation {s['corr']:.3f}, RMSE {s['rmse']:.4f} over {s['n']} samples "
                   f"(from the well's own inputs: correlation {s['corr_well_inputs']:.3f})")
    for path in result.outputs:
        typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("section")(section_command)
