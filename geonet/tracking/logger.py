"""One MLflow run as a context manager, with metrics buffered into a few ``log_batch`` calls.

Logging one value per call costs about 25 ms on SQLite and far more over HTTP; ``RunTracker``
keeps metrics in memory and writes them with ``MlflowClient.log_batch`` every ``flush_every``
steps and when the run ends, so tracking a 1000-epoch fit costs well under a second.

    with RunTracker(uri, "lithology", run_name="mlp-64x64") as run:
        run.log_params({"hidden": [64, 64], "lr": 1e-3})
        fit(net, X, y, ..., callbacks=[run.epoch_callback])
        run.log_figure(loss_curves(history), "plots/loss.png")
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from geonet.errors import TrackingError
from geonet.tracking.orphans import end_orphaned_runs, process_tags
from geonet.tracking.store import (
    _one_line,
    default_artifact_root,
    get_or_create_experiment,
    make_client,
)

MAX_PARAM_CHARS = 500  # MLflow allows 6000; longer values are unreadable in the UI anyway
PARAMS_PER_BATCH = 100  # MLflow's limit per log_batch call
FAILURE_TAG = "geonet.failure_reason"
PARENT_TAG = "mlflow.parentRunId"
DESCRIPTION_TAG = "mlflow.note.content"
#: experiment tag telling MLflow's UI what an experiment holds; geonet's hold model training runs
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"


def param_value(value) -> str:
    """A parameter as MLflow text: lists joined by commas, long values shortened."""
    if isinstance(value, (list, tuple)):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, bool):
        text = str(value).lower()
    else:
        text = str(value)
    if len(text) > MAX_PARAM_CHARS:
        more = f"...(+{len(text) - MAX_PARAM_CHARS} chars)"
        text = text[: MAX_PARAM_CHARS - len(more)] + more
    return text


def flatten_params(params: Mapping, prefix: str = "") -> dict[str, str]:
    """``{"optimizer": {"lr": 0.1}}`` → ``{"optimizer.lr": "0.1"}``; values via :func:`param_value`."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, prefix=f"{name}."))
        else:
            flat[name] = param_value(value)
    return flat


def source_tags(command: str | None) -> dict[str, str]:
    """What the UI shows as a run's Source and "Created by": ``geonet train``, the user."""
    import getpass

    tags = {"mlflow.source.name": f"geonet {command}" if command else "geonet", "mlflow.source.type": "LOCAL"}
    try:
        tags["mlflow.user"] = getpass.getuser()
    except (KeyError, OSError):  # no user name in this container
        pass
    return tags


def mark_training_experiment(client, experiment_id: str) -> None:
    """Tag the experiment ``mlflow.experimentKind = custom_model_development`` unless it has a kind.

    MLflow's UI shows such an experiment as model training (runs, charts) where it reads the tag
    (3.17 reads it only with its view switch disabled; ``geonet ui`` prints a link that selects
    the view). A kind the user set is left alone.
    """
    tags = client.get_experiment(experiment_id).tags or {}
    if EXPERIMENT_KIND_TAG not in tags:
        client.set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)


#: times a write is retried after losing an insert race (see :func:`lost_insert_race`)
INSERT_RACE_RETRIES = 3
_RACE_WORDS = ("uniqueviolation", "unique constraint", "duplicate key value")


def lost_insert_race(exc: BaseException) -> bool:
    """True when ``exc`` is a store refusing a row another process inserted first.

    Runs that log the same table at once (4 trainers of a team on one table) all try to create its
    dataset record; the MLflow server checks, then inserts, so all but one fail with a unique-key
    violation (seen on PostgreSQL). The record then exists, and the same call succeeds when repeated.
    """
    text = str(exc).lower()
    return any(word in text for word in _RACE_WORDS)


class RunTracker:
    """One MLflow run: params, buffered metrics, artifacts, and an honest final status.

    ``tracking_uri``: as from :func:`geonet.tracking.store.resolve_tracking_uri`.
    ``experiment``: name, created on first use (artifacts beside a SQLite store).
    ``parent_run_id``: makes this a nested run (tag ``mlflow.parentRunId``).
    ``flush_every``: metric steps kept in memory between ``log_batch`` calls.

    On normal exit the buffer is flushed and the run ends FINISHED. On an exception it is
    flushed, the one-line reason is stored in tag ``geonet.failure_reason`` and in the run
    description, the run ends FAILED (KILLED for Ctrl-C, SIGTERM, SIGHUP) and the exception
    propagates. Runs left RUNNING by killed processes are ended KILLED when a run starts
    (:mod:`geonet.tracking.orphans`).
    MLflow failures are raised as :class:`geonet.errors.TrackingError` naming the URI.
    """

    def __init__(
        self,
        tracking_uri: str,
        experiment: str,
        run_name: str | None = None,
        parent_run_id: str | None = None,
        tags: Mapping[str, object] | None = None,
        flush_every: int = 100,
    ) -> None:
        if flush_every < 1:
            raise ValueError("flush_every must be at least 1")
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.run_name = run_name
        self.parent_run_id = parent_run_id
        self.tags = {k: str(v) for k, v in (tags or {}).items()}
        self.flush_every = flush_every
        self.client = None
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self._metrics: list = []
        self._steps_buffered: set[int] = set()

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> "RunTracker":
        """Create the experiment (if needed) and the run."""
        tags = {**source_tags(self.tags.get("geonet.command")), **self.tags, **process_tags()}
        if self.parent_run_id:
            tags[PARENT_TAG] = self.parent_run_id
        with self._translated("start a run"):
            self.client = make_client(self.tracking_uri)
            self.experiment_id = get_or_create_experiment(
                self.client, self.experiment, default_artifact_root(self.tracking_uri)
            )
            end_orphaned_runs(self.client, self.tracking_uri, FAILURE_TAG, self.experiment_id)
            mark_training_experiment(self.client, self.experiment_id)
            run = self.client.create_run(self.experiment_id, run_name=self.run_name, tags=tags)
        self.run_id = run.info.run_id
        self.run_name = run.info.run_name
        return self

    def end(self, status: str = "FINISHED", reason: str | None = None) -> None:
        """Flush metrics, record ``reason`` (if any) and terminate the run with ``status``."""
        if self.run_id is None:
            return
        try:
            self.flush()
            if reason:
                self.set_tags({FAILURE_TAG: reason, DESCRIPTION_TAG: reason})
        finally:
            with self._translated("end the run"):
                self.client.set_terminated(self.run_id, status=status)

    def __enter__(self) -> "RunTracker":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            self.end("FINISHED")
            return False
        status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
        reason = f"{exc_type.__name__}: {_one_line(exc)}"
        try:
            self.end(status, reason)
        except TrackingError:
            pass  # the original exception matters more than a failure to record it
        return False

    # -- params, tags, metrics --------------------------------------------------------------
    def log_params(self, params: Mapping) -> None:
        """Log parameters (nested dicts flattened with dots), ≤ 100 per ``log_batch`` call."""
        from mlflow.entities import Param

        items = [Param(k, v) for k, v in flatten_params(params).items()]
        with self._translated("log parameters"):
            for i in range(0, len(items), PARAMS_PER_BATCH):
                self.client.log_batch(self._require_run(), params=items[i : i + PARAMS_PER_BATCH])

    def set_tags(self, tags: Mapping[str, object]) -> None:
        """Set run tags (values stringified) in one call."""
        from mlflow.entities import RunTag

        items = [RunTag(k, param_value(v) if not isinstance(v, str) else v) for k, v in tags.items()]
        with self._translated("set tags"):
            self.client.log_batch(self._require_run(), tags=items)

    def log_metrics(self, metrics: Mapping[str, float | None], step: int = 0, *,
                    model_id: str | None = None, dataset=None) -> None:
        """Buffer ``{name: value}`` at ``step``; None values are skipped. Written in batches.

        ``model_id``: the logged model the values score (shown on its page); ``dataset``: the
        :class:`~geonet.tracking.datasets.TableInput` they were computed on.
        """
        from mlflow.entities import Metric

        self._require_run()
        timestamp_ms = int(time.time() * 1000)
        link = {"model_id": model_id, "dataset_name": getattr(dataset, "name", None),
                "dataset_digest": getattr(dataset, "digest", None)}
        for key, value in metrics.items():
            if value is not None:
                self._metrics.append(Metric(key, float(value), timestamp_ms, int(step), **link))
        self._steps_buffered.add(int(step))
        if len(self._steps_buffered) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write all buffered metrics with one ``log_batch`` (MLflow splits > 1000 itself)."""
        if not self._metrics:
            self._steps_buffered.clear()
            return
        metrics, self._metrics = self._metrics, []
        self._steps_buffered.clear()
        with self._translated("log metrics"):
            self.client.log_batch(self._require_run(), metrics=metrics)

    def epoch_callback(self, event) -> None:
        """Training callback: log one epoch's losses, learning rate and per-layer norms.

        ``event`` has ``epoch``, ``train_loss``, ``val_loss`` (may be None), ``lr``,
        ``grad_norms`` / ``weight_norms`` (dicts such as ``{"W1": 0.3, "b1": 0.01}``) and optionally
        ``metrics`` (any other ``{name: value}``). Logged at ``step=epoch`` as ``train_loss``,
        ``val_loss``, ``lr``, ``grad_norm/W1``, ``weight_norm/W1``, ...
        """
        values: dict[str, float | None] = {
            "train_loss": getattr(event, "train_loss", None),
            "val_loss": getattr(event, "val_loss", None),
            "lr": getattr(event, "lr", None),
        }
        for prefix, attr in (("grad_norm", "grad_norms"), ("weight_norm", "weight_norms")):
            for name, value in (getattr(event, attr, None) or {}).items():
                values[f"{prefix}/{name}"] = value
        for attr in ("metrics", "extra"):
            values.update(getattr(event, attr, None) or {})
        self.log_metrics(values, step=int(event.epoch))

    def log_inputs(self, datasets=(), model_ids=()) -> None:
        """Record MLflow ``DatasetInput`` s and logged models (by id) as the run's inputs."""
        from mlflow.entities import LoggedModelInput

        with self._translated("log inputs"):
            for attempt in range(INSERT_RACE_RETRIES + 1):
                try:
                    self.client.log_inputs(self._require_run(), datasets=list(datasets) or None,
                                           models=[LoggedModelInput(m) for m in model_ids] or None)
                    return
                except Exception as exc:  # noqa: BLE001 - only a lost insert race is retried
                    if attempt == INSERT_RACE_RETRIES or not lost_insert_race(exc):
                        raise
                    time.sleep(0.2 * (attempt + 1))

    def describe(self, text: str) -> None:
        """Set the run's description (the UI's "Description", tag ``mlflow.note.content``)."""
        self.set_tags({DESCRIPTION_TAG: text})

    # -- artifacts --------------------------------------------------------------------------
    def log_artifact(self, path: Path | str, artifact_path: str | None = None) -> None:
        """Copy a file, or a directory's contents, into the run's artifacts."""
        path = Path(path)
        with self._translated(f"log artifact {path}"):
            if path.is_dir():
                self.client.log_artifacts(self._require_run(), str(path), artifact_path)
            else:
                self.client.log_artifact(self._require_run(), str(path), artifact_path)

    def log_dict(self, data: Mapping, name: str) -> None:
        """Store ``data`` as the JSON (or YAML, by extension) artifact ``name``."""
        with self._translated(f"log {name}"):
            self.client.log_dict(self._require_run(), dict(data), name)

    def log_figure(self, fig, name: str) -> None:
        """Store a matplotlib figure as the image artifact ``name`` (e.g. ``plots/loss.png``)."""
        with self._translated(f"log figure {name}"):
            self.client.log_figure(self._require_run(), fig, name)

    # -- helpers ----------------------------------------------------------------------------
    def _require_run(self) -> str:
        if self.run_id is None:
            raise RuntimeError("RunTracker is not started: use it as a context manager or call start()")
        return self.run_id

    def _translated(self, action: str):
        return _TranslateErrors(action, self.tracking_uri)


class _TranslateErrors:
    """Turn MLflow / connection / database failures into :class:`TrackingError` naming the URI."""

    def __init__(self, action: str, uri: str) -> None:
        self.action = action
        self.uri = uri

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, (TrackingError, KeyboardInterrupt, RuntimeError)):
            return False
        if isinstance(exc, (OSError, ConnectionError)) or _is_mlflow_error(exc):
            raise TrackingError(
                f"MLflow could not {self.action} at {self.uri}: {_one_line(exc)}"
            ) from exc
        return False


def _is_mlflow_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("mlflow", "sqlalchemy", "requests", "urllib3"))
