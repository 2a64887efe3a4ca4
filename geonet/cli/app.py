"""The ``geonet`` Typer application. Each command lives in its own module of ``geonet.cli``."""

from __future__ import annotations

import importlib
import re
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from geonet import __version__, atomic
from geonet.cli._common import state


#: Typer's type labels for options declared without a metavar, as the spec-derived options show them
_TYPE_NAMES = {"<str>": "TEXT", "<int>": "INTEGER", "<float>": "NUMBER", "<path>": "PATH"}


def _no_type(ctx) -> None:
    return None


class _Flags:
    """Help lists a flag (``--force``, ``--help``) without a ``<bool>`` value: it takes none; other
    options show ``TEXT``/``INTEGER``/``NUMBER``/``PATH`` rather than ``<str>``/``<int>``…, and an
    argument only its name (``TABLE``, ``INPUT...``), not also ``<path>`` or ``<list[str]>``."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
            elif param.param_type_name == "argument":
                param.display_type_rich = _no_type  # usage keeps the argument's name
            elif param.metavar is None and hasattr(param, "display_type"):
                label = param.display_type(ctx)
                param.metavar = _TYPE_NAMES.get(label, label)
        return params


class Group(_Flags, TyperGroup):
    """The ``geonet`` group."""


class Command(_Flags, TyperCommand):
    """A geonet command: usage shows arguments as ``TABLE`` (not Typer's ``{TABLE}``), flags no ``<bool>``."""

    def collect_usage_pieces(self, ctx):
        return [re.sub(r"\{([^{}]*)\}", r"\1", piece) for piece in super().collect_usage_pieces(ctx)]


app = typer.Typer(
    name="geonet",
    help="Neural networks on well logs: ingest LAS/grids, train a NumPy MLP, track runs in MLflow.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    cls=Group,
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
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="Write to the target of a symlink at an output path (refused otherwise).")
    ] = False,
) -> None:
    """geonet: neural networks for petrophysicists, on a NumPy backprop MLP, tracked in MLflow."""
    state.requested = debug
    atomic.FOLLOW_SYMLINKS = follow_symlinks


#: the modules of ``geonet.cli`` holding commands, each with ``register(app)``
COMMAND_MODULES = ("ingest", "tie", "train", "cv", "predict", "section", "evaluate", "ui", "server", "run")


def _register() -> None:
    """Every command module registers its commands; a module that fails to import is an error."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"geonet.cli.{name}").register(app)
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = Command


_register()


def main() -> None:
    app()


if __name__ == "__main__":  # python -m geonet.cli.app (e.g. with -X importtime)
    main()
