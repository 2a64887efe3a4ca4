"""``geonet sweep SWEEP.toml``: a hyperparameter search on its own (a one-step pipeline)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geonet.cli._common import handle_errors
from geonet.cli.run import DryRunOption, ForceOption, ProgressOption, SetOption, TrackingOption, execute


@handle_errors
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="A TOML file with a sweep table.", show_default=False)],
    set_: SetOption = None,
    force: ForceOption = False,
    tracking_uri: TrackingOption = None,
    dry_run: DryRunOption = False,
    progress: ProgressOption = False,
) -> None:
    r"""Grid or random search over training options; the best model can be registered.

    SWEEP_FILE holds a \[sweep] table with the options of a pipeline `sweep` step (table, target, grid or random, trials, seed, jobs, metric, mode, register, and base training options) and optionally \[pipeline] name/experiment.

    Override options with --set sweep.KEY=VALUE.
    """
    from geonet.pipeline.config import load_sweep

    execute(load_sweep(sweep_file, set_ or []), force=force, dry_run=dry_run,
            tracking_uri=tracking_uri, progress=progress)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
