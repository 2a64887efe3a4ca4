"""``geonet train``: fit a model on a feature table and record everything in one MLflow run."""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from geonet import __version__
from geonet.train.config import TrainConfig
from geonet.train.fitting import Prepared, build_network, fit_model, prepare
from geonet.workflows.reports import evaluate_frame, log_evaluation_plots

#: pyfunc models show this many rows as their input example
EXAMPLE_ROWS = 5
#: MLflow names of the saved model's final scores (``model_val_accuracy`` ...), distinct from the
#: per-epoch curves (``val_accuracy`` ...) whose latest value is the last epoch's, not the model's
MODEL_PREFIX = "model_"


@dataclass
class TrainResult:
    run_id: str
    model_uri: str  # runs:/<id>/model
    model_dir: Path  # local copy of the geonet model directory
    metrics: dict[str, float]
    config: TrainConfig
    train_wells: list[str] = field(default_factory=list)
    val_wells: list[str] = field(default_factory=list)
    experiment: str = "geonet"
    tracking_uri: str = ""


def train(
    table: str | Path,
    config: TrainConfig,
    *,
    tracking_uri: str | None = None,
    experiment: str = "geonet",
    run_name: str | None = None,
    parent_run_id: str | None = None,
    progress: bool = False,
    on_epoch: Callable | None = None,
) -> TrainResult:
    """Train on ``table`` (a feature table from ``geonet ingest``) and log the run to MLflow.

    The run records parameters, per-epoch losses, validation metrics, learning rate and
    per-layer gradient/weight norms, plots, an evaluation summary, and the model (pyfunc).
    A failure inside the run (bad data, divergence) marks the run FAILED with the reason.
    """
    from geonet.features.table import read_feature_table
    from geonet.tracking.logger import RunTracker
    from geonet.tracking.pyfunc_model import log_pyfunc_model, resolve_model_dir
    from geonet.tracking.store import resolve_tracking_uri

    table = Path(table)
    df = read_feature_table(table)
    uri = resolve_tracking_uri(tracking_uri)
    tags = {"geonet.command": "train", "geonet.version": __version__}
    with RunTracker(uri, experiment, run_name=run_name, parent_run_id=parent_run_id, tags=tags) as tracker:
        prepared = prepare(df, config, source=str(table))
        tracker.log_params(_run_params(table, config, prepared))
        network = build_network(prepared, config)
        recorder = _EpochRecorder(prepared, network, tracker)
        callbacks = [recorder]
        bar = _EpochBar(config.epochs) if progress else None
        if bar:
            callbacks.append(bar)
        if on_epoch:
            callbacks.append(on_epoch)
        try:
            outcome = fit_model(df, config, callbacks=callbacks, prepared=prepared, network=network)
        finally:
            if bar:
                bar.close()
        model = outcome.model
        metrics = {"best_epoch": float(getattr(outcome.history, "best_epoch", 0) or 0),
                   "epochs_run": float(len(recorder.values.get("train_loss", [])))}
        val_losses = list(getattr(outcome.history, "val_loss", []) or [])
        if val_losses:  # the saved weights' loss: the best epoch's, or the last one's with --keep-last
            metrics["val_loss"] = float(np.nanmin(val_losses) if config.restore_best else val_losses[-1])
        if prepared.X_val is not None:
            # predict whole validation wells (depth context and well-wise statistics need every
            # row, as at predict time), then score the labelled rows used
            whole = df[df["WELL"].isin(prepared.split.val_wells)].sort_values(["WELL", "DEPTH_M"], kind="stable")
            whole_pred = model.predict_frame(whole, source=str(table))
            summary = evaluate_frame(prepared.val_frame, whole_pred.loc[prepared.val_frame.index], model, prefix="val_")
            metrics.update(summary["metrics"])
            tracker.log_dict(summary, "evaluation.json")
            log_evaluation_plots(tracker, whole, model, summary, whole_pred)
        # the saved model's scores; the per-epoch curves keep the plain names (val_loss, ...)
        tracker.log_metrics({f"{MODEL_PREFIX}{k}": v for k, v in metrics.items() if v is not None}, step=0)
        _log_history_plots(tracker, recorder.values)
        with tempfile.TemporaryDirectory(prefix="geonet-model-") as tmp:
            model_dir = model.save(Path(tmp) / "geonet_model")
            columns = list(dict.fromkeys(["WELL", "DEPTH_M", *prepared.features]))  # DEPTH_M may be a feature
            example = df[columns].dropna().head(EXAMPLE_ROWS)
            if example.empty:
                example = df[columns].head(EXAMPLE_ROWS)
            model_uri = log_pyfunc_model(tracker, model_dir, example, model.predict_frame(example))
        local_dir = resolve_model_dir(model_uri, uri)
        return TrainResult(run_id=tracker.run_id, model_uri=model_uri, model_dir=local_dir, metrics=metrics,
                           config=config, train_wells=prepared.split.train_wells,
                           val_wells=prepared.split.val_wells, experiment=experiment, tracking_uri=uri)


def _run_params(table: Path, config: TrainConfig, prepared: Prepared) -> dict:
    params = {k: v for k, v in config.to_dict().items() if k not in ("features", "val_wells")}
    params.update(
        task=prepared.task,
        features=prepared.features,
        n_inputs=len(prepared.preprocessor.columns),
        train_wells=prepared.split.train_wells,
        val_wells=prepared.split.val_wells or "none",
        classes=[int(c) if float(c).is_integer() else c for c in prepared.classes] or "n/a",
        table=str(table),
        table_sha256=_sha256(table),
        geonet_version=__version__,
        git_commit=_git_commit() or "unknown",
        **{k: v for k, v in prepared.counts.items()},
    )
    return params


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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

    def __init__(self, prepared: Prepared, network, tracker) -> None:
        self.prepared, self.network, self.tracker = prepared, network, tracker
        self.values: dict[str, list[float]] = {}

    def __call__(self, event) -> None:
        extra = self._validation_metrics()
        self.tracker.epoch_callback(event)
        self.tracker.log_metrics(extra, step=event.epoch)
        row = {"train_loss": event.train_loss, "val_loss": event.val_loss, **extra}
        row.update({f"grad_norm/{k}": v for k, v in event.grad_norms.items()})
        for key, value in row.items():
            if value is not None:
                self.values.setdefault(key, []).append(float(value))

    def _validation_metrics(self) -> dict[str, float]:
        from geonet.train.metrics import classification_report, regression_report

        p = self.prepared
        if p.X_val is None:
            return {}
        out = self.network.predict_output(p.X_val)
        if p.task == "classify":
            report = classification_report(p.Y_val, out.argmax(axis=1), labels=list(range(len(p.classes))))
            return {"val_accuracy": report["accuracy"], "val_macro_f1": report["macro_f1"]}
        scale = p.target_scale
        report = regression_report(p.Y_val[:, 0] * scale, out[:, 0] * scale)
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

    def __call__(self, event) -> None:
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
