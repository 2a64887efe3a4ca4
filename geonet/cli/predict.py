"""``geonet predict``: thin wrapper over :func:`geonet.workflows.predict`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import echo_err, handle_errors
from geonet.cli._spec import spec_command
from geonet.spec import PredictSpec


@handle_errors
@spec_command(PredictSpec)
def predict_command(
    inputs: Annotated[list[str], typer.Argument(help="LAS files, tables, grids (.nc/.zarr), folders or globs.",
                                                metavar="INPUT")],
    model: Annotated[str, typer.Option(help="The URI `geonet train` printed (`runs:/<id>/<model name>`), `models:/<name>/<version|latest>`, or a model directory.", metavar="URI")],
    out: Annotated[Path, typer.Option(help="Output folder.", metavar="DIR")] = Path("predictions"),
    tracking_uri: Annotated[Optional[str], typer.Option(
        help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db].", metavar="URI")] = None,
    *,
    options: dict,
) -> None:
    """Predict new wells or grids: LAS copies with prediction curves, a table, or a NetCDF.

    With --scheduler the wells run in parallel on Dask; a well that fails is skipped and named (exit code 3).
    """
    from geonet.workflows import predict

    spec = PredictSpec.from_options(options, source="command line", text=True, flags=True)
    result = predict(model, inputs, out, tracking_uri=tracking_uri, **spec.predict_kwargs())
    for note in result.notes:
        echo_err(f"note: {note}")
    for path in result.outputs:
        typer.echo(f"wrote {path}")
    for path, reason in result.skipped:
        echo_err(f"skipped {path}: {reason}")
    if result.skipped:
        from geonet.errors import PartialFailure

        raise PartialFailure(f"{len(result.skipped)} input(s) skipped; predicted {result.rows} rows")


def register(app: typer.Typer) -> None:
    app.command("predict")(predict_command)
