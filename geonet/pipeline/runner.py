"""Running a pipeline: one MLflow parent run, a nested run per step, unchanged steps skipped.

For each step in order the runner replaces ``@step.output`` references by earlier outputs,
hashes the step's input files, and compares the fingerprint with the one in the state file. A
step runs when it is new, forced, changed (options, inputs, upstream outputs or geonet version),
or when one of its output files is gone; otherwise it is skipped and its recorded outputs are
reused. After each step that ran the state file is saved, so a failed run resumes where it broke.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from geonet.errors import ConfigError
from geonet.pipeline.config import Pipeline, Step, is_uri, lookup_output, references, substitute
from geonet.pipeline.state import PipelineState, fingerprint, state_path
from geonet.pipeline.steps import jsonable

TrackerFactory = Callable[..., Any]  # (tracking_uri, experiment, run_name=, parent_run_id=, tags=) -> context manager


def mlflow_tracker(tracking_uri, experiment, run_name=None, parent_run_id=None, tags=None):
    """The default tracker: :class:`geonet.tracking.logger.RunTracker` (mlflow imported lazily)."""
    from geonet.tracking.logger import RunTracker

    return RunTracker(tracking_uri, experiment, run_name=run_name, parent_run_id=parent_run_id, tags=tags)


@dataclass
class StepContext:
    """What a step function may use besides its options."""

    pipeline: Pipeline
    step: Step
    tracking_uri: str | None
    experiment: str
    parent_run_id: str | None  # the pipeline run: steps that open their own run nest under it
    tracker: Any = None  # the nested run the runner opened for this step (not for train/evaluate)
    tracker_factory: TrackerFactory = mlflow_tracker
    progress: bool = False
    echo: Callable[[str], None] = print

    @property
    def run_id(self) -> str | None:
        return None if self.tracker is None else self.tracker.run_id


@dataclass
class StepOutcome:
    name: str
    kind: str
    status: str  # ok | skipped | would run | would skip
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


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def input_paths(step: Step, options: dict) -> list[str]:
    """Local files/folders named by the step's input options (model URIs are not files)."""
    return [p for key in step.spec.inputs for p in _strings(options.get(key)) if not is_uri(p)]


def _why_run(previous: dict | None, fp: str, force: bool) -> str | None:
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
    return None


def _log_step_outputs(tracker, outputs: dict) -> None:
    """Numbers as metrics, everything else as ``output.*`` tags, on a step's nested run."""
    metrics = {k: v for k, v in outputs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if metrics:
        tracker.log_metrics(metrics)
    tags = {f"output.{k}": v if isinstance(v, str) else jsonable(v) for k, v in outputs.items() if k not in metrics}
    tags = {k: (v if isinstance(v, str) else str(v))[:5000] for k, v in tags.items()}
    if tags:
        tracker.set_tags(tags)


def run_pipeline(
    pipeline: Pipeline,
    *,
    force: bool = False,
    dry_run: bool = False,
    tracking_uri: str | None = None,
    tracker_factory: TrackerFactory | None = None,
    progress: bool = False,
    echo: Callable[[str], None] = print,
) -> RunSummary:
    """Run (or, with ``dry_run``, only plan) ``pipeline``; prints one line per step.

    ``tracking_uri`` is passed to the trackers and the geonet calls as is (the CLI resolves it).
    ``tracker_factory`` replaces :func:`mlflow_tracker` (tests, or running without MLflow).
    """
    factory = tracker_factory or mlflow_tracker
    state = PipelineState.load(state_path(pipeline.root, pipeline.name))
    outputs: dict[str, dict] = {}
    outcomes: list[StepOutcome] = []
    pending: set[str] = set()  # dry run: steps that would run
    pending_files: set[str] = set()  # dry run: files those steps would write

    parent_cm = contextlib.nullcontext(None) if dry_run else factory(
        tracking_uri, pipeline.experiment, run_name=pipeline.name,
        tags={"geonet.pipeline": str(pipeline.path), "geonet.command": "run"},
    )
    with parent_cm as parent:
        parent_run_id = None if parent is None else parent.run_id
        for step in pipeline.steps:
            ref_steps = {r[1:].split(".")[0] for r in references(step.options)}
            if dry_run and ref_steps & pending:
                outcomes.append(_plan(step, "upstream step re-runs", pending, echo))
                continue
            options = substitute(
                step.options, lambda ref: lookup_output(ref, outputs, pipeline.path, step.name)
            )
            paths = input_paths(step, options)
            fp = fingerprint(step.kind, options, state.hash_paths(paths))
            previous = state.steps.get(step.name)
            reason = _why_run(previous, fp, force)
            if dry_run and reason is None and pending_files & _expanded(paths):
                reason = "upstream step rewrites an input"
            if reason is None:
                outputs[step.name] = previous["outputs"]
                outcomes.append(StepOutcome(step.name, step.kind, "skipped", "unchanged", 0.0, previous["outputs"]))
                echo(f"[skipped] {step.name} (unchanged)")
                continue
            if dry_run:
                outcome = _plan(step, reason, pending, echo)
                pending_files.update(_declared_outputs(options))
                outcomes.append(outcome)
                continue
            ctx = StepContext(
                pipeline, step, tracking_uri, pipeline.experiment, parent_run_id,
                tracker_factory=factory, progress=progress, echo=echo,
            )
            start = time.perf_counter()
            try:
                result = _run_step(step, options, ctx, factory)
            except ConfigError as exc:
                echo(f"[failed] {step.name} {time.perf_counter() - start:.1f}s")
                raise ConfigError(f"step {step.name!r} ({step.kind}): {exc}", path=pipeline.path) from exc
            except BaseException:
                echo(f"[failed] {step.name} {time.perf_counter() - start:.1f}s")
                raise
            seconds = time.perf_counter() - start
            outputs[step.name] = result
            files = [f for f in step.spec.output_files(result) if f and Path(f).exists()]
            state.steps[step.name] = {
                "kind": step.kind, "fingerprint": fp, "outputs": result,
                "output_files": files, "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }
            state.save()
            outcomes.append(StepOutcome(step.name, step.kind, "ok", reason, seconds, result))
            echo(f"[ok] {step.name} {seconds:.1f}s")
        if parent is not None:
            parent.set_tags({
                "geonet.steps.ran": ",".join(o.name for o in outcomes if o.status == "ok") or "-",
                "geonet.steps.skipped": ",".join(o.name for o in outcomes if o.status == "skipped") or "-",
            })
    if not dry_run:
        state.save()  # the file-hash cache, even when every step was skipped
    return RunSummary(
        pipeline.name, parent_run_id, pipeline.experiment, tracking_uri,
        state.path, outcomes,
    )


def _expanded(paths: list[str]) -> set[str]:
    return {str(Path(p)) for p in paths}


def _declared_outputs(options: dict) -> list[str]:
    return [str(Path(p)) for key in ("out", "out_dir") for p in _strings(options.get(key))]


def _plan(step: Step, reason: str, pending: set[str], echo) -> StepOutcome:
    pending.add(step.name)
    echo(f"[would run] {step.name} ({reason})")
    return StepOutcome(step.name, step.kind, "would run", reason)


def _run_step(step: Step, options: dict, ctx: StepContext, factory: TrackerFactory) -> dict:
    """Run one step; steps that do not open their own MLflow run get a nested one here."""
    if step.spec.own_run:
        return jsonable(step.spec.run(options, ctx))
    tags = {"geonet.step": step.name, "geonet.command": step.kind}
    with factory(
        ctx.tracking_uri, ctx.experiment, run_name=step.name,
        parent_run_id=ctx.parent_run_id, tags=tags,
    ) as tracker:
        tracker.log_params(options)
        ctx.tracker = tracker
        result = jsonable(step.spec.run(options, ctx))
        _log_step_outputs(tracker, {k: v for k, v in result.items() if k not in ("trials", "best")})
    return result


def format_summary(summary: RunSummary) -> str:
    """The closing lines: counts, the MLflow run and where to look."""
    counts = {}
    for s in summary.steps:
        counts[s.status] = counts.get(s.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    lines = [f"pipeline {summary.pipeline}: {parts}"]
    for s in summary.steps:
        metrics = s.outputs.get("metrics") if isinstance(s.outputs, dict) else None
        if metrics:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, (int, float)))
            lines.append(f"  {s.name}: {shown}")
        for path in (s.outputs.get("outputs") or []) if isinstance(s.outputs, dict) else []:
            lines.append(f"  {s.name} wrote {path}")
    if summary.run_id:
        lines.append(f"MLflow run {summary.run_id} in experiment {summary.experiment!r}; look: geonet ui")
    lines.append(f"state: {summary.state_path}")
    return "\n".join(lines)
