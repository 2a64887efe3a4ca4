"""Typer options derived from a :mod:`geonet.spec` spec: one ``--flag`` per spec field.

:func:`spec_command` wraps a command function whose own parameters are the arguments and the
options that are not training/ingest options (``table``, ``--config``, ``--experiment`` ...);
the wrapper's signature adds one option per spec field, and the command receives the values the
user gave on the command line as ``options`` (``{name: text}``, not yet checked: the spec checks
them, so a bad value is one line naming the flag, exit code 2).
"""

from __future__ import annotations

import functools
import inspect
from typing import Annotated, Any, Callable, Optional

import typer

from geonet.spec import Param, Spec


def _metavar(param: Param) -> str:
    if param.choices:
        return "[" + "|".join(param.choices) + "]"
    names = {int: "INTEGER", float: "NUMBER", str: "TEXT"}
    item = names.get(param.item, "TEXT")
    return f"{item},..." if param.is_list else item


def _default_text(param: Param) -> str | None:
    """The default as the help shows it (``None``: nothing to show)."""
    if param.option.show_default is not None:
        return param.option.show_default
    value = param.default
    if value is None:
        return None
    if isinstance(value, bool):
        decls = param.option.flag or f"{param.flag}/--no-{param.flag[2:]}"
        on, _, off = decls.partition("/")
        return on if value else off
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(getattr(value, "value", value))


def help_text(param: Param) -> str:
    """The option's help with its default, ``[default: …]`` (literal, never in parentheses)."""
    default = _default_text(param)
    return param.option.help + (f" [default: {default}]" if default else "")


def typer_parameter(param: Param) -> inspect.Parameter:
    """The ``inspect.Parameter`` (annotated with ``typer.Option``) of one spec field."""
    if param.base is bool:
        decls = param.option.flag or f"{param.flag}/--no-{param.flag[2:]}"
        info = typer.Option(decls, help=help_text(param), metavar="", show_default=False)
        annotation: Any = Annotated[Optional[bool], info]
    else:
        decls = (param.option.flag or param.flag).split()
        info = typer.Option(*decls, help=help_text(param), metavar=_metavar(param), show_default=False)
        annotation = Annotated[Optional[str], info]
    return inspect.Parameter(param.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)


def spec_command(spec: type[Spec]) -> Callable[[Callable], Callable]:
    """Decorator: the command gets ``options={name: value}`` of the spec flags given (None dropped)."""

    def decorate(fn: Callable) -> Callable:
        own = inspect.signature(fn, eval_str=True)
        names = spec.names()
        clash = names & set(own.parameters)
        assert not clash, f"{fn.__name__}: parameters {clash} are also spec options"
        extra = [typer_parameter(p) for p in spec.params()]
        params = [p for p in own.parameters.values() if p.name != "options"]
        positional = [p for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params if p not in positional]

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            options = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
            return fn(*args, options={k: v for k, v in options.items() if v is not None}, **kwargs)

        wrapper.__signature__ = own.replace(parameters=[*positional, *keyword, *extra])
        wrapper.__annotations__ = {p.name: p.annotation for p in wrapper.__signature__.parameters.values()}
        del wrapper.__wrapped__  # typer must read the new signature, not the wrapped function's
        return wrapper

    return decorate
