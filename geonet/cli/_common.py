"""What every command shares: the --debug switch and turning errors into one clean line."""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

import typer

from geonet.errors import GeonetError
from geonet.signals import exit_code, signals_as_interrupts

F = TypeVar("F", bound=Callable)


class _State:
    requested: bool = False  # set by the root command's --debug for the invocation about to run
    active: bool = False  # True while a command of a --debug invocation runs


state = _State()


def debug_enabled() -> bool:
    """Whether the running command was invoked with ``--debug``."""
    return state.active


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


def handle_errors(fn: F) -> F:
    """Run a command; turn a :class:`GeonetError` into ``error: <message>`` and its exit code.

    Unexpected exceptions also become one line (with a hint to use ``--debug``); with ``--debug``
    every exception propagates with its traceback. SIGTERM and SIGHUP stop the command like
    Ctrl-C (runs ended KILLED, temporary files removed), exit code 128 + the signal's number.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        # the flag belongs to this invocation only: consume it, so it never leaks into the next
        state.active, state.requested = state.requested, False
        try:
            with signals_as_interrupts():
                return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except GeonetError as exc:
            if state.active:
                raise
            echo_err(f"error: {exc}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:
            echo_err(f"interrupted ({exc})" if str(exc) else "interrupted")
            raise typer.Exit(exit_code(exc)) from None
        except Exception as exc:  # noqa: BLE001 - last line of defence for users
            if state.active:
                raise
            echo_err(f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            raise typer.Exit(1) from None
        finally:
            state.active = False

    return wrapper  # type: ignore[return-value]


def print_metrics(metrics: dict, title: str) -> None:
    """A two-column table of ``{name: value}`` on stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        table.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    Console().print(table)
