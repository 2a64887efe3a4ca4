"""``geonet run PIPELINE.toml`` and ``geonet sweep SWEEP.toml`` (a one-step pipeline): the same runner."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import handle_errors

SetOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--set", metavar="STEP.KEY=VALUE",
        help="Override a step option, e.g. --set train.lr=0.003 --set train.hidden=[64,64]. "
        "VALUE is read as TOML (numbers, lists, quoted strings); a bare word is a string. "
        "Paths are relative to the pipeline file's directory. Repeatable.",
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Re-run every step, changed or not.", metavar="")]
TrackingOption = Annotated[
    Optional[str],
    typer.Option("--tracking-uri", metavar="URI", help="MLflow store [default: the pipeline's tracking_uri, "
                 "else $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db]."),
]
DryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="Check every step's options and show which steps would run; run nothing.", metavar="")]
ProgressOption = Annotated[bool, typer.Option("--progress", help="Show progress bars inside steps.", metavar="")]


def tracking_uri_for(cli_value: str | None, pipeline) -> str:
    """``--tracking-uri`` > ``[pipeline] tracking_uri`` (a path relative to the file) > defaults."""
    from geonet.paths import is_uri
    from geonet.pipeline.config import resolve_path
    from geonet.tracking.store import resolve_tracking_uri

    value = cli_value
    if value is None and pipeline.tracking_uri:
        value = pipeline.tracking_uri
        if not is_uri(value):
            value = resolve_path(value, pipeline.root)
    return resolve_tracking_uri(value)


def execute(pipeline, *, force: bool, dry_run: bool, tracking_uri: str | None, progress: bool) -> None:
    """Run a loaded pipeline, printing a line per step and the summary."""
    from geonet.pipeline.runner import format_summary, run_pipeline

    uri = None if dry_run else tracking_uri_for(tracking_uri, pipeline)
    summary = run_pipeline(
        pipeline, force=force, dry_run=dry_run, tracking_uri=uri, progress=progress, echo=typer.echo
    )
    typer.echo(format_summary(summary))


def run(
    pipeline: Annotated[Path, typer.Argument(help="The pipeline TOML file.", metavar="PIPELINE", show_default=False)],
    set_: SetOption = None,
    force: ForceOption = False,
    tracking_uri: TrackingOption = None,
    dry_run: DryRunOption = False,
    progress: ProgressOption = False,
) -> None:
    """Run the steps of PIPELINE (ingest, derive, train, evaluate, predict, sweep) in order.

    A step whose options and input files are unchanged since the last run into the same tracking store is skipped (state in .geonet-state/ beside the pipeline file).

    Later steps refer to earlier outputs as @STEP.OUTPUT (e.g. model = "@train.model_uri"). Paths are relative to the pipeline file's directory.

    The run is one MLflow parent run with a nested run per step. Every step's options are checked before the first step runs.
    """
    from geonet.pipeline.config import load_pipeline

    execute(load_pipeline(pipeline, set_ or []), force=force, dry_run=dry_run,
            tracking_uri=tracking_uri, progress=progress)


def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="A TOML file with a sweep table.", metavar="SWEEP_FILE",
                                               show_default=False)],
    set_: SetOption = None,
    force: ForceOption = False,
    tracking_uri: TrackingOption = None,
    dry_run: DryRunOption = False,
    progress: ProgressOption = False,
) -> None:
    r"""Grid or random search over training options; the best model can be registered.

    SWEEP_FILE holds a \[sweep] table with the options of a pipeline `sweep` step (table, target, grid or random, trials, seed, jobs, metric, mode, register, trainer, and base training options) and optionally \[pipeline] name/experiment.

    Override options with --set sweep.KEY=VALUE.
    """
    from geonet.pipeline.config import load_sweep

    execute(load_sweep(sweep_file, set_ or []), force=force, dry_run=dry_run,
            tracking_uri=tracking_uri, progress=progress)


def register(app: typer.Typer) -> None:
    app.command("run")(handle_errors(run))
    app.command("sweep")(handle_errors(sweep))
