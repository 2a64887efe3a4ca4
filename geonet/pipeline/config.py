"""Reading a pipeline TOML file: steps, ``--set`` overrides, paths, ``@step.output`` references.

Paths in a pipeline are relative to the pipeline file's directory (``~`` is expanded, absolute
paths stay as they are); so are paths given with ``--set``. Option keys may use ``_`` or ``-``.
"""

from __future__ import annotations

import copy
import glob
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geonet.errors import ConfigError
from geonet.pipeline.steps import COMMON_KEYS, STEP_KINDS, StepKind


@dataclass
class Step:
    """One ``[[steps]]`` entry: its kind, unique name and options (keys normalised to ``_``)."""

    name: str
    kind: str
    options: dict[str, Any]

    @property
    def spec(self) -> StepKind:
        return STEP_KINDS[self.kind]


@dataclass
class Pipeline:
    """A loaded pipeline: ``path`` is the TOML file, ``root`` its directory (paths resolve there)."""

    path: Path
    name: str
    experiment: str
    steps: list[Step]
    tracking_uri: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise ConfigError(f"no step named {name!r}; steps: {[s.name for s in self.steps]}", path=self.path)


def _normalise_keys(value: Any) -> Any:
    """Hyphens in table keys → underscores, recursively (one vocabulary: ``batch_size``)."""
    if isinstance(value, dict):
        return {str(k).replace("-", "_"): _normalise_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise_keys(v) for v in value]
    return value


def parse_set(expr: str, path: Path | None = None) -> tuple[str, list[str], Any]:
    """``"train.lr=3e-3"`` → ``("train", ["lr"], 0.003)``.

    The value is parsed as a TOML value (numbers, booleans, lists, quoted strings, inline tables);
    anything that is not valid TOML is taken as a bare string. ``pipeline.KEY=...`` targets the
    ``[pipeline]`` table; deeper keys (``sweep.grid.lr=[1e-3]``) set nested values.
    """
    target, sep, raw = expr.partition("=")
    parts = [p.strip().replace("-", "_") for p in target.strip().split(".")]
    if not sep or len(parts) < 2 or not all(parts):
        raise ConfigError(f"bad --set {expr!r}: expected STEP.KEY=VALUE (e.g. train.lr=0.003)", path=path)
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return parts[0], parts[1:], _normalise_keys(value)


def _apply_set(raw: dict, expr: str, path: Path) -> None:
    step_name, keys, value = parse_set(expr, path)
    if step_name == "pipeline":
        table = raw.setdefault("pipeline", {})
    else:
        steps = raw.get("steps", [])
        matches = [s for s in steps if s.get("name", s.get("kind")) == step_name]
        if not matches:
            names = [s.get("name", s.get("kind")) for s in steps]
            raise ConfigError(f"--set {expr!r}: no step named {step_name!r}; steps: {names}", path=path)
        table = matches[0]
    for key in keys[:-1]:
        table = table.setdefault(key, {})
        if not isinstance(table, dict):
            raise ConfigError(f"--set {expr!r}: {key!r} is not a table", path=path)
    table[keys[-1]] = value


def resolve_path(value: str, root: Path) -> str:
    """``~`` expanded; relative paths joined to ``root``; absolute paths kept. Returns a string."""
    p = Path(os.path.expanduser(value))
    return str(p if p.is_absolute() else (root / p).resolve())


def is_uri(value: str) -> bool:
    """``runs:/…``, ``models:/…``, ``file:///…``, ``s3://…`` are URIs, not paths."""
    head, sep, _ = value.partition(":")
    return bool(sep) and len(head) > 1 and head.replace("+", "").isalpha()


def expand_globs(values: list[str]) -> list[str]:
    """Patterns with ``* ? [`` → the sorted files they match (kept as is if they match none)."""
    out: list[str] = []
    for v in values:
        if glob.has_magic(v):
            out.extend(sorted(glob.glob(v, recursive=True)) or [v])
        else:
            out.append(v)
    return out


def _resolve_option(step: Step, key: str, value: Any, root: Path) -> Any:
    """Resolve the paths of one option (kind-specific: ``path``, ``paths`` or ``maybe_path``)."""
    how = step.spec.paths.get(key)
    if how is None or value is None or is_reference(value):
        return value
    if how == "paths":
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"step {step.name!r}: {key} must be a path or a list of paths")
        return expand_globs([v if is_reference(v) else resolve_path(v, root) for v in values])
    if not isinstance(value, str):
        raise ConfigError(f"step {step.name!r}: {key} must be a path, not {value!r}")
    if how == "maybe_path":  # a model URI, or a path when it names something that exists
        if is_uri(value):
            return value
        candidate = resolve_path(value, root)
        return candidate if Path(candidate).exists() else value
    return resolve_path(value, root)


# -- references -----------------------------------------------------------------------------------


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


# -- loading --------------------------------------------------------------------------------------


def load_pipeline(path: str | Path, overrides: list[str] | None = None) -> Pipeline:
    """Read and check a pipeline file, apply ``--set`` overrides, resolve paths.

    Raises :class:`ConfigError` naming the file and the step for: bad TOML, unknown step kind,
    duplicate step name, unknown or missing option, bad ``--set``, reference to a step that is not
    an earlier one.
    """
    path = Path(os.path.expanduser(str(path))).resolve()
    return build_pipeline(read_toml(path), path, overrides)


def load_sweep(path: str | Path, overrides: list[str] | None = None) -> Pipeline:
    """A sweep file (``[pipeline]`` optional, ``[sweep]`` = the options of one sweep step) as a
    one-step pipeline whose step is named ``sweep``."""
    path = Path(os.path.expanduser(str(path))).resolve()
    raw = read_toml(path)
    unknown = sorted(set(raw) - {"pipeline", "sweep"})
    if unknown or not isinstance(raw.get("sweep"), dict):
        raise ConfigError("a sweep file has a [sweep] table (and optionally [pipeline]) only", path=path)
    step = {k: v for k, v in raw["sweep"].items() if k not in COMMON_KEYS}
    return build_pipeline(
        {"pipeline": raw.get("pipeline", {}), "steps": [{"kind": "sweep", "name": "sweep", **step}]},
        path, overrides,
    )


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=path) from None


def build_pipeline(raw: dict, path: Path, overrides: list[str] | None = None) -> Pipeline:
    """Check a parsed pipeline (see :func:`load_pipeline`); ``path`` names it in errors."""
    raw = _normalise_keys(copy.deepcopy(raw))
    unknown_top = sorted(set(raw) - {"pipeline", "steps"})
    if unknown_top:
        raise ConfigError(f"unknown top-level table(s) {unknown_top}; expected [pipeline] and [[steps]]", path=path)
    for expr in overrides or []:
        _apply_set(raw, expr, path)

    meta = dict(raw.get("pipeline", {}))
    name = str(meta.pop("name", path.stem))
    experiment = str(meta.pop("experiment", "geonet"))
    tracking_uri = meta.pop("tracking_uri", None)
    if meta:
        raise ConfigError(f"[pipeline]: unknown key(s) {sorted(meta)}; keys: experiment, name, tracking_uri", path=path)

    raw_steps = raw.get("steps", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ConfigError("no [[steps]] in the pipeline", path=path)
    steps: list[Step] = []
    for i, entry in enumerate(raw_steps, start=1):
        kind = entry.get("kind")
        label = f"step {i} ({entry.get('name', kind)!r})"
        if kind not in STEP_KINDS:
            raise ConfigError(f"{label}: unknown step kind {kind!r}; kinds: {sorted(STEP_KINDS)}", path=path)
        step_name = str(entry.get("name", kind))
        if any(s.name == step_name for s in steps):
            raise ConfigError(f"{label}: step name {step_name!r} is used twice; give each a unique name", path=path)
        options = {k: v for k, v in entry.items() if k not in COMMON_KEYS}
        step = Step(step_name, kind, options)
        _check_step(step, [s.name for s in steps], path)
        step.options = {k: _resolve_option(step, k, v, path.parent) for k, v in options.items()}
        steps.append(step)
    return Pipeline(path, name, experiment, steps, tracking_uri)


def _check_step(step: Step, earlier: list[str], path: Path) -> None:
    spec = step.spec
    unknown = sorted(set(step.options) - spec.keys)
    if unknown:
        raise ConfigError(
            f"step {step.name!r} ({step.kind}): unknown option(s) {unknown}; options: {sorted(spec.keys)}",
            path=path,
        )
    missing = [k for k in spec.required if k not in step.options]
    if missing:
        raise ConfigError(f"step {step.name!r} ({step.kind}): missing option(s) {missing}", path=path)
    for ref in references(step.options):
        target = ref[1:].split(".")[0]
        if target not in earlier or "." not in ref:
            raise ConfigError(
                f"step {step.name!r}: reference {ref!r} must name an earlier step and an output "
                f"(@STEP.OUTPUT); earlier steps: {earlier}",
                path=path,
            )
    if spec.check is not None:
        try:
            spec.check(step.options)
        except ConfigError as exc:
            raise type(exc)(f"step {step.name!r} ({step.kind}): {exc}", path=path) from None
