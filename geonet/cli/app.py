"""The ``geonet`` Typer application. Each command lives in its own module of ``geonet.cli``."""

from __future__ import annotations

from typing import Annotated

import typer

from geonet import __version__
from geonet.cli._common import state

app = typer.Typer(
    name="geonet",
    help="Neural networks on well logs: ingest LAS/grids, train a NumPy MLP, track runs in MLflow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"geonet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """geonet: neural networks for petrophysicists, on a NumPy backprop MLP, tracked in MLflow."""
    state.requested = debug


def _register() -> None:
    import importlib

    for name in ("ingest", "train", "predict", "evaluate", "ui", "run", "sweep"):
        try:
            module = importlib.import_module(f"geonet.cli.{name}")
        except ModuleNotFoundError as exc:  # a command not built yet
            if exc.name != f"geonet.cli.{name}":
                raise
            continue
        module.register(app)


_register()


def main() -> None:
    app()
