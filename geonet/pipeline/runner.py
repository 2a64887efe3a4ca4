"""Running a pipeline: :func:`plan` what would run, then :func:`execute` it.

:func:`plan` resolves references against the outputs recorded in the state, hashes every input
file and compares each step's fingerprint with the one recorded for the current tracking store;
a ``--dry-run`` is exactly the plan. :func:`execute` walks the steps again, deciding each one with
the outputs of the steps that ran before it: a step runs when it is new, forced, changed (options,
inputs, upstream outputs, geonet code), when one of its output files is gone, or when a run it
points to is not in the tracking store; otherwise it is skipped and its recorded outputs reused.
The MLflow parent run is opened when the first step runs (an all-skipped run leaves no empty
parent), each step gets a nested run, and the state is saved after each step that ran.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from geonet.errors import ConfigError
from geonet.paths import is_uri
from geonet.pipeline.config import Pipeline, Step
from geonet.pipeline.context import StepContext, TrackerFactory, jsonable, mlflow_tracker
from geonet.pipeline.references import lookup_output, referenced_steps, substitute
from geonet.pipeline.state import PipelineState, fingerprint, state_path

RunExists = Callable[[str], bool]  # run id -> is it in the tracking store?


@dataclass
class StepOutcome:
    name: str
    kind: str
    status: str  # ok | skipped | would run
    reason: str = ""
    seconds: float = 0.0
    outputs: dict = field(default_factory=dict)


@dataclass
class RunSummary:
    pipeline: str
    run_id: str | None
    experiment: str
    tracking_uri: str | None
    state_path: Path
    steps: list[StepOutcome]

    def outcome(self, name: str) -> StepOutcome:
        return next(s for s in self.steps if s.name == name)

    @property
    def ran(self) -> list[str]:
        return [s.name for s in self.steps if s.status == "ok"]

    @property
    def skipped(self) -> list[str]:
        return [s.name for s in self.steps if s.status == "skipped"]


@dataclass
class Decision:
    """Whether one step runs: ``reason`` None means skip (reuse ``previous`` outputs)."""

    step: Step
    options: dict | None  # references substituted; None when an upstream step must run first
    fingerprint: str | None
    reason: str | None
    previous: dict | None = None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def input_paths(step: Step, options: dict) -> list[str]:
    """Local files/folders named by the step's input options (model URIs are not files)."""
    return [p for key in step.spec.inputs for p in _strings(options.get(key)) if not is_uri(p)]


def _run_ids(outputs: Any) -> list[str]:
    """Every run id a step's outputs (or its record) point to."""
    if not isinstance(outputs, dict):
        return []
    found = [v for k, v in outputs.items() if k in ("run_id", "step_run_id") and isinstance(v, str)]
    return found + _run_ids(outputs.get("best"))


def _why_run(previous: dict | None, fp: str, force: bool, run_exists: RunExists | None) -> str | None:
    """Why a step must run, or None when it can be skipped."""
    if force:
        return "forced"
    if previous is None:
        return "first run"
    if previous.get("fingerprint") != fp:
        return "changed"
    gone = [f for f in previous.get("output_files", []) if not Path(f).exists()]
    if gone:
        return f"output gone: {gone[0]}"
    if run_exists is not None:
        missing = [r for r in _run_ids({**previous.get("outputs", {}), **previous}) if not run_exists(r)]
        if missing:
            return f"run {missing[0]} is not in the tracking store"
    return None


def decide(step: Step, outputs: dict, state: PipelineState, *, force: bool,
           run_exists: RunExists | None, pipeline: Pipeline) -> Decision:
    """Resolve ``step``'s references with ``outputs``, fingerprint it and decide whether it runs."""
    options = substitute(step.options, lambda ref: lookup_output(ref, outputs, pipeline.path, step.name))
    fp = fingerprint(step.spec, options, state.hash_paths(input_paths(step, options)))
    previous = state.steps.get(step.name)
    return Decision(step, options, fp, _why_run(previous, fp, force, run_exists), previous)


def plan(pipeline: Pipeline, state: PipelineState, *, force: bool = False,
         run_exists: RunExists | None = None) -> list[Decision]:
    """What :func:`execute` would do now, without running or writing anything (``--dry-run``).

    A step whose upstream step would run is marked to run ("upstream step re-runs"), as is a
    step reading a file an upstream step would rewrite.
    """
    outputs: dict[str, dict] = {}
    pending: set[str] = set()
    pending_files: set[str] = set()
    decisions = []
    for step in pipeline.steps:
        if referenced_steps(step.options) & pending:
            decisions.append(Decision(step, None, None, "upstream step re-runs"))
            pending.add(step.name)
            continue
        d = decide(step, outputs, state, force=force, run_exists=run_exists, pipeline=pipeline)
        if d.reason is None and pending_files & {str(Path(p)) for p in input_paths(step, d.options)}:
            d.reason = "upstream step rewrites an input"
        if d.reason is None:
            outputs[step.name] = d.previous["outputs"]
        else:
            pending.add(step.name)
            pending_files.update(str(Path(p)) for key in ("out", "out_dir") for p in _strings(d.options.get(key)))
        decisions.append(d)
    return decisions


def execute(pipeline: Pipeline, state: PipelineState, *, force: bool = False, tracking_uri: str | None = None,
            tracker_factory: TrackerFactory = mlflow_tracker, progress: bool = False,
            echo: Callable[[str], None] = print, run_exists: RunExists | None = None) -> RunSummary:
    """Run the steps that must run (see the module docstring); one line per step on ``echo``."""
    outputs: dict[str, dict] = {}
    outcomes: list[StepOutcome] = []
    with contextlib.ExitStack() as stack:
        parent = None
        for step in pipeline.steps:
            d = decide(step, outputs, state, force=force, run_exists=run_exists, pipeline=pipeline)
            if d.reason is None:
                outputs[step.name] = d.previous["outputs"]
                outcomes.append(StepOutcome(step.name, step.kind, "skipped", "unchanged", 0.0, d.previous["outputs"]))
                echo(f"[skipped] {step.name} (unchanged)")
                continue
            if parent is None:  # the parent run exists only when something runs
                parent = stack.enter_context(tracker_factory(
                    tracking_uri, pipeline.experiment, run_name=pipeline.name,
                    tags={"geonet.pipeline": str(pipeline.path), "geonet.command": "run"}))
            ctx = StepContext(pipeline, step, tracking_uri, pipeline.experiment, parent.run_id,
                              tracker_factory=tracker_factory, progress=progress, echo=echo)
            outcome = _run_recorded(d, ctx, state)
            outputs[step.name] = outcome.outputs
            outcomes.append(outcome)
        if parent is not None:
            parent.set_tags({
                "geonet.steps.ran": ",".join(o.name for o in outcomes if o.status == "ok") or "-",
                "geonet.steps.skipped": ",".join(o.name for o in outcomes if o.status == "skipped") or "-",
            })
    state.save()  # the file-hash cache, even when every step was skipped
    return RunSummary(pipeline.name, None if parent is None else parent.run_id, pipeline.experiment,
                      tracking_uri, state.path, outcomes)


def _run_recorded(d: Decision, ctx: StepContext, state: PipelineState) -> StepOutcome:
    """Run one step, record it in the state and save the state."""
    step = d.step
    start = time.perf_counter()
    try:
        result, step_run_id = _run_step(step, d.options, ctx)
    except ConfigError as exc:
        ctx.echo(f"[failed] {step.name} {time.perf_counter() - start:.1f}s")
        raise type(exc)(f"step {step.name!r} ({step.kind}): {exc}", path=ctx.pipeline.path) from exc
    except BaseException:
        ctx.echo(f"[failed] {step.name} {time.perf_counter() - start:.1f}s")
        raise
    seconds = time.perf_counter() - start
    files = [f for f in step.spec.output_files(result) if f and Path(f).exists()]
    state.steps[step.name] = {
        "kind": step.kind, "fingerprint": d.fingerprint, "outputs": result, "output_files": files,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"), **({"step_run_id": step_run_id} if step_run_id else {}),
    }
    state.save()
    ctx.echo(f"[ok] {step.name} {seconds:.1f}s")
    return StepOutcome(step.name, step.kind, "ok", d.reason or "", seconds, result)


def run_pipeline(
    pipeline: Pipeline,
    *,
    force: bool = False,
    dry_run: bool = False,
    tracking_uri: str | None = None,
    tracker_factory: TrackerFactory | None = None,
    progress: bool = False,
    echo: Callable[[str], None] = print,
    run_exists: RunExists | None = None,
) -> RunSummary:
    """:func:`plan` (``dry_run``: print it and stop) then :func:`execute` ``pipeline``.

    ``tracking_uri`` is passed to the trackers and the geonet calls as is (the CLI resolves it) and
    keys the state. ``tracker_factory`` replaces :func:`mlflow_tracker` (tests, or running without
    MLflow); ``run_exists`` checks that recorded runs are in the store (default: asks MLflow when
    the default tracker is used, no check otherwise).
    """
    factory = tracker_factory or mlflow_tracker
    if run_exists is None and factory is mlflow_tracker and tracking_uri:
        run_exists = _store_probe(tracking_uri)
    state = PipelineState.load(state_path(pipeline.root, pipeline.name), tracking_uri)
    if dry_run:
        return _dry_run(pipeline, state, plan(pipeline, state, force=force, run_exists=run_exists), echo)
    return execute(pipeline, state, force=force, tracking_uri=tracking_uri, tracker_factory=factory,
                   progress=progress, echo=echo, run_exists=run_exists)


def _store_probe(tracking_uri: str) -> RunExists:
    def run_exists(run_id: str) -> bool:
        from geonet.tracking.store import run_exists as in_store

        return in_store(tracking_uri, run_id)

    return run_exists


def _dry_run(pipeline: Pipeline, state: PipelineState, decisions: list[Decision], echo) -> RunSummary:
    outcomes = []
    for d in decisions:
        if d.reason is None:
            echo(f"[skipped] {d.step.name} (unchanged)")
            outcomes.append(StepOutcome(d.step.name, d.step.kind, "skipped", "unchanged", 0.0, d.previous["outputs"]))
        else:
            echo(f"[would run] {d.step.name} ({d.reason})")
            outcomes.append(StepOutcome(d.step.name, d.step.kind, "would run", d.reason))
    return RunSummary(pipeline.name, None, pipeline.experiment, None, state.path, outcomes)


def _run_step(step: Step, options: dict, ctx: StepContext) -> tuple[dict, str | None]:
    """Run one step; steps that do not open their own MLflow run get a nested one here (its id returned)."""
    if step.spec.own_run:
        return jsonable(step.spec.run(options, ctx)), None
    tags = {"geonet.step": step.name, "geonet.command": step.kind}
    with ctx.tracker_factory(
        ctx.tracking_uri, ctx.experiment, run_name=step.name, parent_run_id=ctx.parent_run_id, tags=tags,
    ) as tracker:
        tracker.log_params(options)
        ctx.tracker = tracker
        result = jsonable(step.spec.run(options, ctx))
        _log_step_outputs(tracker, {k: v for k, v in result.items() if k not in ("trials", "best")})
    return result, tracker.run_id


def _log_step_outputs(tracker, outputs: dict) -> None:
    """Numbers as metrics, everything else as ``output.*`` tags, on a step's nested run."""
    metrics = {k: v for k, v in outputs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if metrics:
        tracker.log_metrics(metrics)
    tags = {f"output.{k}": v if isinstance(v, str) else jsonable(v) for k, v in outputs.items() if k not in metrics}
    tags = {k: (v if isinstance(v, str) else str(v))[:5000] for k, v in tags.items()}
    if tags:
        tracker.set_tags(tags)


def _model_uris(outputs: dict) -> list[str]:
    found = [outputs.get("model_uri"), (outputs.get("best") or {}).get("model_uri"),
             (outputs.get("registered") or {}).get("model_uri")]
    return [u for u in found if isinstance(u, str)]


def format_summary(summary: RunSummary) -> str:
    """The closing lines: counts, metrics, model URIs, the MLflow run and where to look."""
    counts: dict[str, int] = {}
    for s in summary.steps:
        counts[s.status] = counts.get(s.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    lines = [f"pipeline {summary.pipeline}: {parts}"]
    for s in summary.steps:
        outputs = s.outputs if isinstance(s.outputs, dict) else {}
        metrics = outputs.get("metrics")
        if metrics:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float)))
            lines.append(f"  {s.name}: {shown}")
        for uri in _model_uris(outputs):
            lines.append(f"  {s.name} model: {uri}")
        for path in outputs.get("outputs") or []:
            lines.append(f"  {s.name} wrote {path}")
    if summary.run_id:
        lines.append(f"MLflow run {summary.run_id} in experiment {summary.experiment!r}; look: geonet ui")
    elif summary.steps and all(s.status == "skipped" for s in summary.steps):
        lines.append("nothing ran (every step unchanged): no MLflow run was opened")
    lines.append(f"state: {summary.state_path}")
    return "\n".join(lines)
