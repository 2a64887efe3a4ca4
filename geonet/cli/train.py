"""``geonet train``: thin wrapper over :func:`geonet.workflows.train`; its options come from :class:`geonet.spec.TrainSpec`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import echo_err, handle_errors, print_metrics
from geonet.cli._spec import spec_command
from geonet.spec import TrainSpec

COMMAND_LINE = "command line"


@handle_errors
@spec_command(TrainSpec)
def train_command(
    table: Annotated[Path, typer.Argument(help="Feature table from `geonet ingest`: Parquet, CSV or a dataset folder "
                                          "(a folder, or any Parquet directory such as `well=<name>/part-0.parquet`, is streamed).",
                                          metavar="TABLE", show_default=False)],
    config: Annotated[Optional[Path], typer.Option(
        help="TOML file with any of the training options, flat or under a train table (flags win).",
        metavar="FILE")] = None,
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.", metavar="NAME")] = "geonet",
    run_name: Annotated[Optional[str], typer.Option(help="MLflow run name [default: chosen by MLflow].",
                                                    metavar="NAME")] = None,
    tracking_uri: Annotated[Optional[str], typer.Option(
        help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db].",
        metavar="URI")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar per epoch. [default: --progress]", metavar="", show_default=False)] = True,
    *,
    options: dict,
) -> None:
    """Train a NumPy MLP on a feature table, validating on whole wells, and log the run to MLflow.

    Every option is checked before the table is read or a run is started. Prints the run id and
    the model URI (`runs:/<id>/<model name>`, e.g. `runs:/<id>/lithology-classifier`) on its last two lines.
    """
    from geonet.workflows import train

    spec = train_spec(config, options)
    result = train(table, spec, tracking_uri=tracking_uri, experiment=experiment,
                   run_name=run_name, progress=progress)
    typer.echo(f"inputs: {', '.join(result.features)}")
    for name, reason in result.left_out.items():
        typer.echo(f"  left out {name}: {reason}")
    for note in result.notes:
        echo_err(f"note: {note}")
    typer.echo(f"train wells: {', '.join(result.train_wells)}")
    typer.echo(f"validation wells: {', '.join(result.val_wells) or 'none'}")
    print_metrics(result.metrics, title="training summary")
    typer.echo(f"run id: {result.run_id}")
    typer.echo(f"model: {result.model_uri}")


def train_spec(config: Path | None, options: dict) -> TrainSpec:
    """Defaults < the ``--config`` file < the flags given (one precedence rule, checked once)."""
    from geonet.spec import read_spec_file

    base = read_spec_file(TrainSpec, config, section="train") if config else None
    return TrainSpec.from_options(options, source=COMMAND_LINE, text=True, flags=True, base=base)


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
