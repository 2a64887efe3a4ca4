"""``geonet predict``: thin wrapper over :func:`geonet.workflows.predict`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import echo_err, handle_errors


@handle_errors
def predict_command(
    inputs: Annotated[list[str], typer.Argument(help="LAS files, tables, grids (.nc/.zarr), folders or globs.")],
    model: Annotated[str, typer.Option(help="runs:/<id>/model, models:/<name>/<version|latest>, or a model directory.")],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("predictions"),
    format: Annotated[str, typer.Option("--format", help="Table format: parquet | csv.")] = "parquet",
    tracking_uri: Annotated[Optional[str], typer.Option(help="MLflow tracking URI.")] = None,
    plots: Annotated[bool, typer.Option(help="Write a well-track picture (PNG) beside each predicted LAS.")] = True,
) -> None:
    """Predict new wells or grids: LAS copies with prediction curves, a table, or a NetCDF."""
    from geonet.workflows import predict

    result = predict(model, inputs, out, tracking_uri=tracking_uri, fmt=format, plots=plots)
    for note in result.notes:
        echo_err(f"note: {note}")
    for path in result.outputs:
        typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("predict")(predict_command)
