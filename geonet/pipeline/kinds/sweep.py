"""The ``sweep`` step: grid or random search over training options, best trial by a metric.

Options (beside every training option, which is the base of each trial)::

    grid = {lr = [1e-3, 3e-3], hidden = [[32], [64, 64]]}   # every combination, or
    random = {lr = {log_uniform = [1e-4, 1e-2]}, hidden = [[32], [64, 64]], l2 = {uniform = [0, 1e-3]},
              epochs = {int = [10, 40]}}
    trials = 8          # random only
    seed = 0            # random sampling seed (vary the training seed with grid = {seed = [...]})
    jobs = 2            # trials in parallel worker processes
    metric = "val_loss" # validation metric naming the best trial ...
    mode = "min"        # ... smallest ("min") or largest ("max")
    register = "NAME"   # register the best model: models:/NAME/latest
    trainer = "train"   # the trainer, by name from geonet.pipeline.kinds.train.TRAINERS
    cv = 5              # rank trials by leave-wells-out CV instead (trainer "cv", `geonet cv`, 5 folds;
    groups = "FIELD"    #   metric "cv_score" = the task's own score, its direction by default; groups column)

Each trial is a nested MLflow run under the sweep step's run. Outputs: ``best.run_id``,
``best.model_uri``, ``best.model_dir``, ``best.metrics``, ``best.params``, ``trials`` and, with
``register``, ``registered.name``/``.version``/``.model_uri``.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

from geonet.errors import ConfigError, GeonetError, OptionError
from geonet.pipeline.context import MODEL_CODE, StepContext, StepKind
from geonet.pipeline.kinds.train import REFUSED, TRAINERS, model_dir_files
from geonet.signals import die_with_parent, stop_workers
from geonet.spec import TrainSpec

#: the sweep's own options; every other key is a training option, the base of each trial
SWEEP_KEYS = frozenset({"table", "grid", "random", "trials", "seed", "jobs", "metric", "mode", "register", "trainer",
                        "cv", "groups"})
TRAIN_KEYS = TrainSpec.names()
DISTRIBUTIONS = ("uniform", "log_uniform", "int")


def _trainer_name(options: dict) -> str:
    """The trainer's name: ``trainer``, else "cv" when ``cv = N`` is given, else "train"."""
    return options.get("trainer", "cv" if options.get("cv") else "train")


def check_sweep_options(options: dict) -> None:
    """ConfigError unless exactly one of grid/random is given and well formed, and every trial's
    training options (base + search space) are valid :class:`TrainSpec` values."""
    if options.get("trainer", "train") not in TRAINERS:
        raise OptionError(f"trainer: {str(options['trainer'])[:40]!r} is not one of {', '.join(sorted(TRAINERS))}")
    if options.get("cv") is not None and not (isinstance(options["cv"], int) and options["cv"] >= 2):
        raise OptionError(f"cv: {str(options['cv'])[:40]!r} is not a number of folds >= 2")
    if _trainer_name(options) == "cv" and options.get("register"):
        raise ConfigError("a CV sweep trains no final model to register; train the best options after it")
    if ("grid" in options) == ("random" in options):
        raise ConfigError("give exactly one of grid = {...} or random = {...}")
    space = options.get("grid", options.get("random"))
    if not isinstance(space, dict) or not space:
        raise ConfigError("grid/random must be a non-empty table of training options")
    unknown = sorted(set(space) - TRAIN_KEYS)
    if unknown:
        raise ConfigError(f"unknown training option(s) {unknown} in the search space; options: {sorted(TRAIN_KEYS)}")
    for key, values in space.items():
        if isinstance(values, list) and values:
            continue
        if "random" in options and isinstance(values, dict) and len(values) == 1:
            (dist, bounds), = values.items()
            if dist in DISTRIBUTIONS and isinstance(bounds, list) and len(bounds) == 2:
                continue
        allowed = "a non-empty list" + (f" or {{{' | '.join(DISTRIBUTIONS)} = [low, high]}}" if "random" in options else "")
        raise ConfigError(f"search space {key!r} must be {allowed}, not {values!r}")
    if "random" in options and not (isinstance(options.get("trials"), int) and options["trials"] >= 1):
        raise ConfigError("random search needs trials = N (N >= 1)")
    if options.get("mode", "min") not in ("min", "max"):
        raise ConfigError(f"mode must be 'min' or 'max', not {options['mode']!r}")
    if not (isinstance(options.get("jobs", 1), int) and options.get("jobs", 1) >= 1):
        raise ConfigError("jobs must be a positive integer")
    _check_trial_values(options, space)


def _check_trial_values(options: dict, space: dict) -> None:
    """Every value a trial can get is a valid training option (grid: every combination's values)."""
    base = {k: v for k, v in options.items() if k in TRAIN_KEYS and not _is_reference(v)}
    TrainSpec.from_options(base, source="base training options")
    for key, values in space.items():
        if isinstance(values, dict):  # a distribution: both bounds must be valid values
            values = list(values.values())[0]
        for value in values:
            TrainSpec.from_options({**base, key: value}, source="search space")


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@") and not value.startswith("@@")


def expand_grid(grid: dict[str, list]) -> list[dict]:
    """Every combination of the grid's values, the last key varying fastest."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def sample_random(space: dict[str, Any], trials: int, rng) -> list[dict]:
    """``trials`` parameter sets drawn with ``rng`` (a ``numpy.random.Generator``).

    A list is a uniform choice among its values; ``{uniform = [a, b]}``, ``{log_uniform = [a, b]}``
    and ``{int = [a, b]}`` (both ends included) draw numbers.
    """
    samples = []
    for _ in range(trials):
        params = {}
        for key, spec in space.items():
            if isinstance(spec, list):
                params[key] = spec[int(rng.integers(len(spec)))]
                continue
            (dist, (low, high)), = spec.items()
            if dist == "uniform":
                params[key] = float(rng.uniform(low, high))
            elif dist == "log_uniform":
                params[key] = float(10.0 ** rng.uniform(math.log10(low), math.log10(high)))
            else:
                params[key] = int(rng.integers(int(low), int(high) + 1))
        samples.append(params)
    return samples


def trial_params(options: dict) -> list[dict]:
    """The parameter sets a sweep's options describe (grid: all; random: seeded draws)."""
    if "grid" in options:
        return expand_grid(options["grid"])
    import numpy as np

    return sample_random(options["random"], options["trials"], np.random.default_rng(options.get("seed", 0)))


def select_best(trials: list[dict], metric: str, mode: str) -> dict:
    """The finished trial with the smallest (``mode="min"``) or largest metric value."""
    scored = [
        t for t in trials
        if "error" not in t and isinstance(t.get("metrics", {}).get(metric), (int, float))
        and math.isfinite(t["metrics"][metric])
    ]
    if not scored:
        have = sorted({m for t in trials for m in t.get("metrics", {})})
        raise ConfigError(f"no trial reported a finite {metric!r}; metrics reported: {have}")
    pick = min if mode == "min" else max
    return pick(scored, key=lambda t: t["metrics"][metric])


def _trial_worker() -> None:
    """Start of a trial worker: it dies with this process (SIGTERM), and its training uses one core
    (no data-parallel threads or helpers per trial), since the trials themselves run side by side."""
    from geonet.nn.blas import limit_cores

    die_with_parent(signal.SIGTERM)
    limit_cores(1)


def run_trial(
    trainer: Callable[..., dict], table: str, options: dict, tracking_uri: str | None, experiment: str,
    run_name: str, parent_run_id: str | None,
) -> dict:
    """One trial (a top-level function so worker processes can run it; ``trainer`` is pickled by name)."""
    return trainer(
        table, options, tracking_uri=tracking_uri, experiment=experiment,
        run_name=run_name, parent_run_id=parent_run_id,
    )


def _register_model(model_uri: str, name: str, tracking_uri: str | None) -> str:
    from geonet.tracking.pyfunc_model import register_model
    from geonet.tracking.store import resolve_tracking_uri

    return register_model(model_uri, name, resolve_tracking_uri(tracking_uri))


def run_sweep_step(options: dict, ctx: StepContext) -> dict:
    """Run every trial (``jobs`` in parallel), pick and log the best, optionally register it."""
    check_sweep_options(options)
    base = {k: v for k, v in options.items() if k in TRAIN_KEYS and k not in SWEEP_KEYS}
    params = trial_params(options)
    trainer = TRAINERS[_trainer_name(options)]
    if options.get("cv"):
        base |= {"cv_folds": int(options["cv"]), "cv_groups": options.get("groups")}
    sweep_run_id = ctx.run_id if ctx.run_id is not None else ctx.parent_run_id
    calls = [
        (trainer, options["table"], base | p, ctx.tracking_uri, ctx.experiment,
         f"{ctx.step.name}-{i:02d}", sweep_run_id)
        for i, p in enumerate(params)
    ]
    jobs = min(options.get("jobs", 1), len(calls))
    results: list[Any] = []
    if jobs <= 1:
        for call in calls:
            try:
                results.append(run_trial(*call))
            except GeonetError as exc:
                results.append(exc)
    else:
        # spawn: workers must not inherit the parent's open MLflow/SQLite connections
        # workers get SIGTERM when this process dies or is stopped: their runs end KILLED
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_trial_worker) as pool:
            futures = [pool.submit(run_trial, *call) for call in calls]
            try:
                for future in futures:
                    try:
                        results.append(future.result())
                    except GeonetError as exc:
                        results.append(exc)
            except BaseException:
                stop_workers(pool)
                raise

    trials = []
    for i, (p, result) in enumerate(zip(params, results)):
        if isinstance(result, Exception):
            ctx.echo(f"  trial {i} failed: {result}")
            trials.append({"trial": i, "params": p, "error": str(result)})
        else:
            trials.append({"trial": i, "params": p, **result})
    if all("error" in t for t in trials):
        first = next(r for r in results if isinstance(r, Exception))
        raise type(first)(f"every trial failed; the first: {first}")

    cv_mode = next((t.get("cv_mode") for t in trials if t.get("cv_mode")), None)
    metric = options.get("metric", "cv_score" if options.get("cv") else "val_loss")
    mode = options.get("mode", cv_mode if metric == "cv_score" and cv_mode else "min")
    best = select_best(trials, metric, mode)
    outputs: dict[str, Any] = {"best": best, "trials": trials, "metric": metric, "mode": mode}
    if ctx.tracker is not None:
        for t in trials:
            if "error" not in t and metric in t.get("metrics", {}):
                ctx.tracker.log_metrics({f"trial_{metric}": t["metrics"][metric]}, step=t["trial"])
        ctx.tracker.log_params({f"best.{k}": v for k, v in best["params"].items()})
        ctx.tracker.log_metrics(best.get("metrics", {}))
        ctx.tracker.set_tags({"best.run_id": str(best.get("run_id")), "best.model_uri": str(best.get("model_uri"))})
    if options.get("register"):
        name = options["register"]
        version = _register_model(best["model_uri"], name, ctx.tracking_uri)
        outputs["registered"] = {"name": name, "version": version, "model_uri": f"models:/{name}/{version}"}
        ctx.echo(f"  registered {best['model_uri']} as models:/{name}/{version}")
    return outputs


KIND = StepKind(
    "sweep",
    own=SWEEP_KEYS,
    required=("table",),
    run=run_sweep_step,
    spec=TrainSpec,
    paths={"table": "path"},
    inputs=("table",),
    output_files=lambda o: model_dir_files(o.get("best", {})),
    check=check_sweep_options,
    refused=REFUSED,
    code=(*MODEL_CODE, "pipeline/kinds/sweep.py", "pipeline/kinds/train.py"),
)
