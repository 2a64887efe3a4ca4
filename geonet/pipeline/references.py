"""``@step.output`` references inside option values: finding and substituting them.

``@train.model_uri`` is replaced by the ``model_uri`` output of the step named ``train``;
``@@x`` is the literal string ``@x``. Imports nothing of geonet but its errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geonet.errors import ConfigError


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@") and not value.startswith("@@")


def references(value: Any) -> list[str]:
    """Every ``@step.key`` string inside an option value (lists and tables searched)."""
    if is_reference(value):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def referenced_steps(options: dict) -> set[str]:
    return {r[1:].split(".")[0] for r in references(options)}


def substitute(value: Any, lookup) -> Any:
    """Replace each ``@step.key.subkey`` by ``lookup(ref)``; ``@@x`` is the literal ``@x``."""
    if is_reference(value):
        return lookup(value)
    if isinstance(value, str) and value.startswith("@@"):
        return value[1:]
    if isinstance(value, dict):
        return {k: substitute(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, lookup) for v in value]
    return value


def lookup_output(ref: str, outputs: dict[str, dict], path: Path, step_name: str) -> Any:
    """``@train.metrics.val_loss`` → ``outputs["train"]["metrics"]["val_loss"]``."""
    step, *keys = ref[1:].split(".")
    if step not in outputs:
        raise ConfigError(f"step {step_name!r}: reference {ref!r}: step {step!r} has no outputs", path=path)
    value: Any = outputs[step]
    for i, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            have = sorted(value) if isinstance(value, dict) else []
            where = ".".join([step, *keys[:i]])
            raise ConfigError(
                f"step {step_name!r}: reference {ref!r}: {where} has no output {key!r}; outputs: {have}",
                path=path,
            )
        value = value[key]
    return value
