"""``geonet train``: thin wrapper over :func:`geonet.workflows.train`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import handle_errors, print_metrics


@handle_errors
def train_command(
    table: Annotated[Path, typer.Argument(help="Feature table from `geonet ingest` (Parquet or CSV).")],
    target: Annotated[Optional[str], typer.Option(help="Column to predict [default: LITHOLOGY].")] = None,
    task: Annotated[Optional[str], typer.Option(help="classify | regress (inferred from the target if omitted).")] = None,
    features: Annotated[Optional[str], typer.Option(help="Comma-separated input curves [default: every canonical curve].")] = None,
    exclude: Annotated[Optional[str], typer.Option(help="Comma-separated curves never used as inputs.")] = None,
    hidden: Annotated[Optional[str], typer.Option(help="Hidden layer widths, e.g. 64,64.")] = None,
    activation: Annotated[Optional[str], typer.Option(help="sigmoid | tanh | relu | leaky_relu.")] = None,
    optimizer: Annotated[Optional[str], typer.Option(help="sgd | momentum | nesterov | adam.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Learning rate.")] = None,
    schedule: Annotated[Optional[str], typer.Option(help="Learning-rate schedule: constant | step | cosine.")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Mini-batch size.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Maximum number of epochs.")] = None,
    l2: Annotated[Optional[float], typer.Option(help="L2 weight decay.")] = None,
    class_weight: Annotated[Optional[str], typer.Option(help="none | balanced | sqrt (shale is ~64% of FORCE samples).")] = None,
    patience: Annotated[Optional[int], typer.Option(help="Early-stopping patience in epochs (validation loss).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (weights, shuffling, well choice).")] = None,
    dtype: Annotated[Optional[str], typer.Option(help="float32 | float64.")] = None,
    val_wells: Annotated[Optional[str], typer.Option(help="Comma-separated validation wells (whole wells).")] = None,
    val_fraction: Annotated[Optional[float], typer.Option(help="Fraction of wells held out when --val-wells is not given.")] = None,
    missing: Annotated[Optional[str], typer.Option(help="Missing curves: impute (training median + indicator) | drop rows.")] = None,
    scaler: Annotated[Optional[str], typer.Option(help="zscore | robust, fitted on training wells only.")] = None,
    log10: Annotated[Optional[str], typer.Option(help="Curves to log10 ('auto' = resistivities present).")] = None,
    context: Annotated[Optional[int], typer.Option(help="Depth context: ±k neighbouring samples within a well.")] = None,
    context_stride: Annotated[Optional[int], typer.Option(help="Samples between context offsets.")] = None,
    context_windows: Annotated[Optional[str], typer.Option(help="Rolling-mean windows in samples within a well, e.g. 7,33,131.")] = None,
    context_window_std: Annotated[Optional[bool], typer.Option("--context-window-std/--no-context-window-std", help="Also the rolling standard deviation over those windows.")] = None,
    context_window_grad: Annotated[Optional[bool], typer.Option("--context-window-grad/--no-context-window-grad", help="Also the mean below minus the mean above each depth, per window.")] = None,
    bag_wells: Annotated[Optional[float], typer.Option(help="Each ensemble member trains on this random fraction of the training wells (0 = all).")] = None,
    clip: Annotated[Optional[float], typer.Option(help="Limit scaled inputs to ±CLIP standard units.")] = None,
    well_norm: Annotated[Optional[str], typer.Option(help="Curves normalised well by well to the training wells' percentiles, e.g. GR.")] = None,
    ensemble: Annotated[Optional[int], typer.Option(help="Networks trained with seeds seed, seed+1, ...; probabilities averaged.")] = None,
    decision: Annotated[Optional[str], typer.Option(help="argmax | min_penalty (least expected FORCE penalty).")] = None,
    restore_best: Annotated[Optional[bool], typer.Option("--restore-best/--keep-last", help="Keep the best validation epoch's weights, or the last epoch's.")] = None,
    max_rows_per_well: Annotated[Optional[int], typer.Option(help="Use at most this many evenly spaced labelled rows per well.")] = None,
    config: Annotated[Optional[Path], typer.Option(help="TOML file with any of these options (CLI wins).")] = None,
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.")] = "geonet",
    run_name: Annotated[Optional[str], typer.Option(help="MLflow run name.")] = None,
    tracking_uri: Annotated[Optional[str], typer.Option(help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI or sqlite:///mlruns/mlflow.db].")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar per epoch.")] = True,
) -> None:
    """Train a NumPy MLP on a feature table, validating on whole wells, and log the run to MLflow.

    Prints the run id and the model URI (runs:/<id>/model) on its last two lines.
    """
    from geonet.train.config import TrainConfig
    from geonet.workflows import train

    base = TrainConfig.from_toml(config) if config else TrainConfig()
    options = dict(target=target, task=task, features=features, exclude=exclude, hidden=hidden,
                   activation=activation, optimizer=optimizer, lr=lr, schedule=schedule,
                   batch_size=batch_size, epochs=epochs, l2=l2, class_weight=class_weight,
                   patience=patience, seed=seed, dtype=dtype, val_wells=val_wells,
                   val_fraction=val_fraction, missing=missing, scaler=scaler, log10=log10,
                   context=context, context_stride=context_stride, well_norm=well_norm, ensemble=ensemble,
                   decision=decision, restore_best=restore_best, max_rows_per_well=max_rows_per_well,
                   context_windows=context_windows, context_window_std=context_window_std, clip=clip,
                   context_window_grad=context_window_grad, bag_wells=bag_wells)
    result = train(table, base.merged(options), tracking_uri=tracking_uri, experiment=experiment,
                   run_name=run_name, progress=progress)
    typer.echo(f"train wells: {', '.join(result.train_wells)}")
    typer.echo(f"validation wells: {', '.join(result.val_wells) or 'none'}")
    print_metrics(result.metrics, title="training summary")
    typer.echo(f"run id: {result.run_id}")
    typer.echo(f"model: {result.model_uri}")


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
