"""``geonet cv TABLE [train options]``: thin wrapper over :func:`geonet.workflows.cv`; the training
options are ``geonet train``'s own (:class:`geonet.spec.TrainSpec`). ``--val-wells`` is ignored: the
folds decide which wells are held out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import handle_errors, print_metrics
from geonet.cli._spec import spec_command
from geonet.cli.train import train_spec
from geonet.spec import TrainSpec


@handle_errors
@spec_command(TrainSpec)
def cv_command(
    table: Annotated[Path, typer.Argument(help="Feature table from `geonet ingest`: Parquet, CSV or a dataset folder.",
                                          metavar="TABLE", show_default=False)],
    folds: Annotated[int, typer.Option(help="Number of folds (whole wells each).", metavar="INTEGER")] = 5,
    groups: Annotated[Optional[str], typer.Option(
        help="Column naming each well's group (field, basin): a group's wells share a fold.", metavar="COLUMN")] = None,
    config: Annotated[Optional[Path], typer.Option(
        help="TOML file with any of the training options, flat or under a train table (flags win).",
        metavar="FILE")] = None,
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.", metavar="NAME")] = "geonet",
    run_name: Annotated[Optional[str], typer.Option(help="MLflow name of the parent run.", metavar="NAME")] = None,
    tracking_uri: Annotated[Optional[str], typer.Option(
        help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db].",
        metavar="URI")] = None,
    *,
    options: dict,
) -> None:
    """Leave-wells-out cross-validation: k folds of whole wells (stratified by well size; --groups keeps
    a field or basin together), each trained with the training options and scored on its held-out
    wells. Prints scores per fold and per well, their mean and spread; logs a parent MLflow run with a
    child per fold, the per-well table and a plot."""
    from geonet.workflows.cv import cv

    result = cv(table, train_spec(config, options), folds=folds, groups=groups, tracking_uri=tracking_uri,
                experiment=experiment, run_name=run_name)
    score = result.cv.monitor
    for f in result.cv.folds:
        typer.echo(f"fold {f.fold.index}: {score} {f.metrics.get(score, float('nan')):.3f}  "
                   f"held out: {', '.join(f.fold.held_out)}  ({f.seconds:.0f} s)")
    for row in result.cv.per_well():
        typer.echo(f"  well {row['well']} (fold {row['fold']}, {row['rows']} rows): {score} {row[score]:.3f}")
    print_metrics({f"{m} {stat}": v for m, s in result.summary.items() for stat, v in s.items()
                   if stat in ("mean", "std")}, title=f"cross-validation over {len(result.cv.folds)} folds")
    typer.echo(f"cv score ({score}, {'higher' if result.cv.mode == 'max' else 'lower'} is better): "
               f"{result.score:.4f}")
    typer.echo(f"run id: {result.run_id}")


def register(app: typer.Typer) -> None:
    app.command("cv")(cv_command)
