"""``geonet train``: fit a model on a feature table and record everything in one MLflow run."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from geonet import __version__
from geonet.io.tables import table_sha256
from geonet.spec import TrainSpec
from geonet.train.fitting import MemberCallback, Prepared, fit_model, prepare
from geonet.train.streaming import prepare_stream
from geonet.train.well_table import should_stream
from geonet.workflows.reports import evaluate_frame, log_evaluation_plots

#: pyfunc models show this many rows as their input example
EXAMPLE_ROWS = 5
#: MLflow names of the saved model's final scores (``model_val_accuracy`` ...), distinct from the
#: per-epoch curves (``val_accuracy`` ...) whose latest value is the last epoch's, not the model's
MODEL_PREFIX = "model_"


@dataclass
class TrainResult:
    run_id: str
    model_uri: str  # runs:/<id>/<model name>, e.g. runs:/<id>/lithology-classifier
    model_dir: Path  # local copy of the geonet model directory
    metrics: dict[str, float]
    spec: TrainSpec
    train_wells: list[str] = field(default_factory=list)
    val_wells: list[str] = field(default_factory=list)
    experiment: str = "geonet"
    tracking_uri: str = ""
    features: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # column → why it is not an input (default choice)
    notes: list[str] = field(default_factory=list)  # e.g. validation wells lacking an input curve


def train(
    table: str | Path,
    spec: TrainSpec,
    *,
    tracking_uri: str | None = None,
    experiment: str = "geonet",
    run_name: str | None = None,
    parent_run_id: str | None = None,
    progress: bool = False,
    callbacks: Sequence[MemberCallback] = (),
) -> TrainResult:
    """Train on ``table`` (a feature table from ``geonet ingest``) and log the run to MLflow.

    The table is read and prepared first (split, preprocessing, target encoding), so a data
    error leaves no run behind. The run records parameters, per-epoch losses, validation metrics,
    learning rate and per-layer gradient/weight norms, plots, an evaluation summary, and the model
    (pyfunc). A failure inside the run (divergence) marks the run FAILED with the reason.
    ``callbacks`` also see the first network's epochs (``callback(event, network)``).
    """
    table = Path(table)
    with contextlib.ExitStack() as stack:
        if should_stream(table, spec):  # well by well from disk; df: the wells reported on
            cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="geonet-stream-"))
            prepared, df = prepare_stream(table, spec, cache_dir=cache, source=str(table))
        else:
            from geonet.features.table import read_feature_table

            df = read_feature_table(table)
            prepared = prepare(df, spec, source=str(table))
        return _train_prepared(table, df, prepared, prepared.spec or spec, tracking_uri=tracking_uri,
                               experiment=experiment, run_name=run_name, parent_run_id=parent_run_id,
                               progress=progress, callbacks=callbacks)


def _train_prepared(table: Path, df, prepared: Prepared, spec: TrainSpec, *, tracking_uri, experiment, run_name,
                    parent_run_id, progress, callbacks) -> TrainResult:
    """The MLflow run of :func:`train` on data already prepared (``spec``: its "auto" values resolved)."""
    from geonet.tracking.logger import RunTracker
    from geonet.tracking.pyfunc_model import logged_model_id, model_name
    from geonet.tracking.store import resolve_tracking_uri

    uri = resolve_tracking_uri(tracking_uri)
    tags = {"geonet.command": "train", "geonet.version": __version__}
    sha256 = table_sha256(table)  # a file's, or a dataset folder's
    with RunTracker(uri, experiment, run_name=run_name, parent_run_id=parent_run_id, tags=tags) as tracker:
        tracker.log_params(_run_params(table, spec, prepared, sha256))
        description = _description(table, sha256, spec, prepared)
        tracker.describe(description)
        scored_on = _log_tables(tracker, df, table, sha256, spec, prepared)
        if prepared.inputs is not None:
            tracker.log_dict({"chosen": prepared.features, "left_out": prepared.inputs.left_out,
                              "training_wells_with_curve": prepared.inputs.wells_with,
                              "training_wells": prepared.inputs.n_wells,
                              "min_curve_wells": spec.data.min_curve_wells}, "inputs.json")
        recorder = _EpochRecorder(prepared, tracker)
        bar = _EpochBar(spec.optimisation.epochs) if progress else None
        try:
            outcome = fit_model(df, spec, prepared=prepared,
                                callbacks=[recorder, *([bar] if bar else []), *callbacks])
        finally:
            if bar:
                bar.close()
        history = outcome.history
        tracker.set_tags({"geonet.train_cores": f"{history.cores} ({history.backend})"})
        metrics = _final_metrics(outcome, spec, recorder)
        val_metrics, notes = _log_validation(tracker, df, outcome, table)
        metrics.update(val_metrics)
        _log_history_plots(tracker, recorder.values)
        model_uri, local_dir = _log_model(tracker, df, outcome, uri, model_name(prepared.task, spec.data.target),
                                          description)
        # the saved model's scores, linked to the logged model and the validation wells' dataset;
        # the per-epoch curves keep the plain names (val_loss, ...)
        model_id = logged_model_id(model_uri, uri)
        scores = {f"{MODEL_PREFIX}{k}": v for k, v in metrics.items() if v is not None}
        on_val = {k: v for k, v in scores.items() if k.startswith(f"{MODEL_PREFIX}val_")}
        tracker.log_metrics(on_val, step=0, model_id=model_id, dataset=scored_on)
        tracker.log_metrics({k: v for k, v in scores.items() if k not in on_val}, step=0, model_id=model_id)
        return TrainResult(run_id=tracker.run_id, model_uri=model_uri, model_dir=local_dir, metrics=metrics,
                           spec=spec, train_wells=prepared.split.train_wells,
                           val_wells=prepared.split.val_wells, experiment=experiment, tracking_uri=uri,
                           features=prepared.features, notes=notes,
                           left_out=prepared.inputs.left_out if prepared.inputs is not None else {})


def _final_metrics(outcome, spec: TrainSpec, recorder: "_EpochRecorder") -> dict[str, float]:
    metrics = {"best_epoch": float(getattr(outcome.history, "best_epoch", 0) or 0),
               "epochs_run": float(len(recorder.values.get("train_loss", [])))}
    val_losses = list(getattr(outcome.history, "val_loss", []) or [])
    if val_losses:  # the first network's saved weights: its best epoch's (by the monitored score), or the last
        best = int(metrics["best_epoch"])
        keep_best = spec.optimisation.restore_best and 1 <= best <= len(val_losses)
        metrics["val_loss"] = float(val_losses[best - 1] if keep_best else val_losses[-1])
    return metrics


def _log_validation(tracker, df, outcome, table: Path) -> tuple[dict[str, float], list[str]]:
    """Score the model on the validation wells (predicted whole, as at predict time); log the summary,
    the share of each input imputed there, and plots. Returns the metrics and notes on curves the
    validation wells lack."""
    prepared, model = outcome.prepared, outcome.model
    if prepared.val is None:
        return {}, []
    # depth context and well-wise statistics need every row of a well, as at predict time
    whole = df[df["WELL"].isin(prepared.split.val_wells)].sort_values(["WELL", "DEPTH_M"], kind="stable")
    whole_pred = model.predict_frame(whole, source=str(table))
    rows = prepared.val.rows
    summary = evaluate_frame(rows, whole_pred.loc[rows.index], model, prefix="val_")
    summary["imputed_fraction"] = model.imputed_fractions(whole)
    summary["notes"] = model.imputation_notes(whole, source=str(table))
    tracker.log_metrics({f"val_imputed_fraction/{c}": f for c, f in summary["imputed_fraction"].items()}, step=0)
    tracker.log_dict(summary, "evaluation.json")
    log_evaluation_plots(tracker, whole, model, summary, whole_pred)
    return summary["metrics"], summary["notes"]


def _log_model(tracker, df, outcome, uri: str, name: str, description: str) -> tuple[str, Path]:
    """Save the model to a temporary folder, log it as a pyfunc model; its URI and local copy."""
    from geonet.tracking.pyfunc_model import log_pyfunc_model, resolve_model_dir

    model = outcome.model
    with tempfile.TemporaryDirectory(prefix="geonet-model-") as tmp:
        model_dir = model.save(Path(tmp) / "geonet_model")
        columns = list(dict.fromkeys(["WELL", "DEPTH_M", *outcome.prepared.features]))  # DEPTH_M may be a feature
        example = df[columns].dropna().head(EXAMPLE_ROWS)
        if example.empty:
            example = df[columns].head(EXAMPLE_ROWS)
        model_uri = log_pyfunc_model(tracker, model_dir, example, model.predict_frame(example), name=name,
                                     description=description)
    return model_uri, resolve_model_dir(model_uri, uri)


def _log_tables(tracker, df, table: Path, sha256: str, spec: TrainSpec, prepared: Prepared):
    """The training and validation wells' rows as the run's dataset inputs; returns the one the
    model's scores are computed on (validation wells; None without them)."""
    from geonet.tracking.datasets import log_table_inputs

    target = spec.data.target
    tables = [(table, df[df["WELL"].isin(prepared.split.train_wells)], sha256, "training wells", "training", target)]
    if prepared.split.val_wells:
        tables.append((table, df[df["WELL"].isin(prepared.split.val_wells)], sha256, "validation wells",
                       "validation", target))
    logged = log_table_inputs(tracker, tables)
    return logged[1] if len(logged) > 1 and prepared.val is not None else None


def _wells_text(wells: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(map(str, wells[:limit]))
    return f"{shown} … ({len(wells)} wells)" if len(wells) > limit else shown or "none"


def _description(table: Path, sha256: str, spec: TrainSpec, prepared: Prepared) -> str:
    """The run's description (Markdown): task, target, inputs, wells, table."""
    task = "Classification" if prepared.task == "classify" else "Regression"
    counts = prepared.counts
    return "\n".join([
        f"**{task} of {spec.data.target}** from {len(prepared.features)} curves: {', '.join(prepared.features)}",
        "",
        f"- training wells ({counts.get('train_rows', 0)} rows): {_wells_text(prepared.split.train_wells)}",
        f"- validation wells ({counts.get('val_rows', 0)} rows): {_wells_text(prepared.split.val_wells)}",
        f"- table: `{table}` (SHA-256 `{sha256[:16]}…`)",
        f"- network: hidden layers {','.join(map(str, spec.network.hidden))}, {spec.optimisation.optimizer.value}, "
        f"ensemble of {spec.ensemble.ensemble or 1}; geonet {__version__}",
    ])


def _run_params(table: Path, spec: TrainSpec, prepared: Prepared, sha256: str) -> dict:
    params = {k: v for k, v in spec.to_json().items() if k not in ("features", "val_wells")}
    params.update(
        task=prepared.task,
        features=prepared.features,
        n_inputs=len(prepared.preprocessor.columns),
        train_wells=prepared.split.train_wells,
        val_wells=prepared.split.val_wells or "none",
        monitor=prepared.monitor.name if prepared.monitor else "n/a",
        classes=[int(c) if float(c).is_integer() else c for c in prepared.encoder.classes] or "n/a",
        table=str(table),
        table_sha256=sha256,
        geonet_version=__version__,
        git_commit=_git_commit() or "unknown",
        **{k: v for k, v in prepared.counts.items()},
    )
    return params


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


class _EpochRecorder:
    """Per epoch: adds validation accuracy / macro-F1 (or RMSE, MAE, R²) to the event's numbers,
    sends them all to the tracker, and keeps them for the plots logged at the end."""

    def __init__(self, prepared: Prepared, tracker) -> None:
        self.prepared, self.tracker = prepared, tracker
        self.values: dict[str, list[float]] = {}

    def __call__(self, event, network) -> None:
        extra = self._validation_metrics(network)
        self.tracker.epoch_callback(event)
        self.tracker.log_metrics(extra, step=event.epoch)
        row = {"train_loss": event.train_loss, "val_loss": event.val_loss, **extra}
        row.update({f"grad_norm/{k}": v for k, v in event.grad_norms.items()})
        for key, value in row.items():
            if value is not None:
                self.values.setdefault(key, []).append(float(value))

    def _validation_metrics(self, network) -> dict[str, float]:
        from geonet.train.metrics import classification_report, regression_report

        val, encoder = self.prepared.val, self.prepared.encoder
        if val is None:
            return {}
        out = network.predict_output(val.X)
        if encoder.task == "classify":
            report = classification_report(val.Y, out.argmax(axis=1), labels=list(range(encoder.n_outputs)))
            return {"val_accuracy": report["accuracy"], "val_macro_f1": report["macro_f1"]}
        scale = encoder.scale
        report = regression_report(val.Y[:, 0] * scale, out[:, 0] * scale)
        return {"val_rmse": report["rmse"], "val_mae": report["mae"], "val_r2": report["r2"]}


class _EpochBar:
    """A rich progress bar over epochs (stderr) showing the current losses."""

    def __init__(self, epochs: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}"), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("", total=epochs)
        self.progress.start()

    def __call__(self, event, network=None) -> None:
        text = f"train {event.train_loss:.4f}"
        if event.val_loss is not None:
            text += f"  val {event.val_loss:.4f}"
        self.progress.update(self.task, completed=event.epoch, description=text)

    def close(self) -> None:
        self.progress.stop()


def _log_history_plots(tracker, values: dict[str, list[float]]) -> None:
    from geonet.tracking import plots

    losses = {k: v for k, v in values.items() if k in ("train_loss", "val_loss")}
    if losses:
        tracker.log_figure(plots.loss_curves(losses), "plots/loss_curves.png")
    norms = {k.split("/", 1)[1]: v for k, v in values.items() if k.startswith("grad_norm/")}
    if norms:
        tracker.log_figure(plots.grad_norm_curves(norms), "plots/grad_norms.png")
