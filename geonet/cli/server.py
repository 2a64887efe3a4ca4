"""``geonet server``: a team's MLflow tracking server on PostgreSQL with a shared artifact root."""

from __future__ import annotations

from typing import Annotated

import typer

from geonet.cli._common import echo_err, handle_errors
from geonet.cli._spec import spec_command
from geonet.spec import ServerSpec


@spec_command(ServerSpec)
def server(
    backend_store_uri: Annotated[
        str,
        typer.Option(
            "--backend-store-uri", metavar="URI", envvar="GEONET_BACKEND_STORE_URI",
            help="PostgreSQL database for runs, metrics and registered models: "
                 "postgresql://USER:PASSWORD@HOST:PORT/DATABASE (or $GEONET_BACKEND_STORE_URI).",
        ),
    ],
    artifacts_destination: Annotated[
        str,
        typer.Option(
            "--artifacts-destination", metavar="DIR",
            help="Shared artifact root the server stores every run's files in (a folder, or s3://…).",
        ),
    ],
    *,
    options: dict,
) -> None:
    """Start a team's MLflow server: runs in PostgreSQL, artifacts served from one shared root (Ctrl-C to stop)."""
    from geonet.tracking.server import server_env
    from geonet.tracking.team import (
        artifacts_destination as checked_destination,
        check_database,
        check_port_free,
        check_database_uri,
        local_url,
        redact,
        run_server,
        team_server_command,
        tracking_url,
    )

    spec = ServerSpec.from_options(options, source="command line", text=True, flags=True)
    host, port = spec.host, spec.port
    check_database_uri(backend_store_uri)  # the values first, then what they name
    check_port_free(host, port)
    check_database(backend_store_uri)
    artifacts = checked_destination(artifacts_destination)
    command = team_server_command(backend_store_uri, artifacts, host=host, port=port, workers=spec.workers,
                                  allowed_hosts=spec.allowed_hosts)
    uri = tracking_url(host, port)
    typer.echo(f"geonet server: MLflow on {redact(backend_store_uri)}, artifacts in {artifacts}")
    typer.echo("  starting (a new database gets its tables first: up to a minute) ...")

    def ready() -> None:
        typer.echo(f"ready: export MLFLOW_TRACKING_URI={uri}  (or --tracking-uri {uri}); Ctrl-C to stop")

    def slow() -> None:
        echo_err(f"warning: {local_url(host, port)}/health does not answer yet; still waiting")

    code = run_server(command, server_env(), local_url(host, port), on_ready=ready, on_slow=slow)
    if code != 0:
        echo_err(f"error: mlflow server exited with code {code}")
        raise typer.Exit(code)
    echo_err("stopped")


def register(app: typer.Typer) -> None:
    app.command("server")(handle_errors(server))
