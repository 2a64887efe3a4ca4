"""``geonet ui``: browse the project's MLflow runs in a local web UI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import echo_err, handle_errors
from geonet.cli._spec import spec_command
from geonet.spec import UISpec


@spec_command(UISpec)
def ui(
    tracking_uri: Annotated[
        Optional[str],
        typer.Option(
            "--tracking-uri",
            help="MLflow store to show (default: $MLFLOW_TRACKING_URI, else ./mlruns/mlflow.db).",
        ),
    ] = None,
    experiment: Annotated[
        Optional[str],
        typer.Option(help="Experiment to link to (default: the one of the latest run)."),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the link in a web browser once the server is ready.")
    ] = False,
    *,
    options: dict,
) -> None:
    """Start the MLflow UI on this project's runs (Ctrl-C to stop).

    Prints a link to an experiment's runs in the UI's "Model training" view (runs, metrics,
    charts), not the "GenAI" view a fresh browser opens in.
    """
    from geonet.tracking.server import server_command, server_env, server_url
    from geonet.tracking.server import check_port_free, start_server, stop_server
    from geonet.tracking.server import experiment_to_show, experiment_url, open_when_ready
    from geonet.tracking.store import ensure_store, resolve_tracking_uri
    from geonet.tracking.team import is_network_store

    spec = UISpec.from_options(options, source="command line", text=True, flags=True)
    host, port = spec.host, spec.port
    uri = resolve_tracking_uri(tracking_uri, Path.cwd())
    if is_network_store(uri):  # a team's server (geonet server) has the UI already
        shown = experiment_to_show(uri, experiment)
        link = experiment_url(uri.rstrip("/"), shown[0] if shown else None)
        typer.echo(f"{uri} is an MLflow server with its own UI: open {link} in a browser")
        if open_browser:
            open_when_ready(link, f"{uri.rstrip('/')}/health").join(30)
        return
    command = server_command(uri, host=host, port=port, workers=spec.workers)
    check_port_free(host, port)
    ensure_store(uri)  # a half-created or damaged store is repaired before the server opens it
    shown = experiment_to_show(uri, experiment)
    link = experiment_url(server_url(host, port), shown[0] if shown else None)
    typer.echo(f"MLflow UI for {uri}")
    typer.echo(f"  open {link}")
    typer.echo(f"  (experiment {shown[1]!r}; " if shown else "  (", nl=False)
    typer.echo("ready in a few seconds; Ctrl-C to stop)")
    process = start_server(command, server_env())
    if open_browser:
        open_when_ready(link, f"{server_url(host, port)}/health")
    try:
        code = process.wait()
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP: stop the server's whole process group
        stop_server(process)
        echo_err("stopped")
        raise typer.Exit(0) from None
    if code != 0:
        echo_err(f"error: mlflow server exited with code {code}")
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("ui")(handle_errors(ui))
