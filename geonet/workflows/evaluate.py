"""``geonet evaluate``: score a trained model on a labelled feature table, as its own MLflow run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geonet import __version__
from geonet.errors import InputError
from geonet.train.model import load_model
from geonet.workflows.reports import evaluate_frame, log_evaluation_plots


@dataclass
class EvalResult:
    run_id: str
    metrics: dict[str, float]
    summary: dict


def evaluate(
    model: str,
    table: str | Path,
    *,
    tracking_uri: str | None = None,
    experiment: str = "geonet",
    run_name: str | None = None,
    parent_run_id: str | None = None,
    max_plot_wells: int = 3,
) -> EvalResult:
    """Accuracy, macro-F1, per-class precision/recall, confusion matrix and, for FORCE lithology
    codes, the FORCE 2020 penalty score (RMSE, MAE, R² for regression) of ``model`` on ``table``.
    Input curves the table lacks (or mostly lacks) are filled as the model was trained to, and said:
    ``summary["notes"]`` names them per well; the per-curve imputed fraction is logged as
    ``imputed_fraction/<CURVE>``.

    ``model``: ``runs:/<id>/model``, ``models:/<name>/<version|latest>`` or a local model directory.
    The run is tagged with the model's URI and, for ``runs:/`` models, the model's run id.
    """
    from geonet.features.table import read_feature_table
    from geonet.tracking.logger import RunTracker
    from geonet.tracking.pyfunc_model import resolve_model_dir
    from geonet.tracking.store import resolve_tracking_uri

    uri = resolve_tracking_uri(tracking_uri)
    loaded = load_model(resolve_model_dir(model, uri))
    df = read_feature_table(table)
    if loaded.target not in df.columns:
        raise InputError(f"no labels: column {loaded.target!r} is missing", path=str(table))
    predictions = loaded.predict_frame(df, source=str(table))
    summary = evaluate_frame(df, predictions, loaded)
    if not summary["metrics"]:
        raise InputError(f"no row has both a {loaded.target} label and a prediction", path=str(table))
    summary["wells"] = sorted(map(str, df["WELL"].unique())) if "WELL" in df.columns else []
    summary["imputed_fraction"] = loaded.imputed_fractions(df)
    summary["notes"] = loaded.imputation_notes(df, source=str(table))
    tags = {"geonet.command": "evaluate", "geonet.version": __version__, "geonet.model_uri": model}
    if model.startswith("runs:/"):
        tags["geonet.model_run_id"] = model.split("/")[1]
    with RunTracker(uri, experiment, run_name=run_name, parent_run_id=parent_run_id, tags=tags) as tracker:
        tracker.log_params({"model": model, "table": str(table), "wells": summary["wells"],
                            "rows_scored": summary["rows_scored"]})
        tracker.log_metrics(summary["metrics"], step=0)
        tracker.log_metrics({f"imputed_fraction/{c}": f for c, f in summary["imputed_fraction"].items()}, step=0)
        tracker.log_dict(summary, "evaluation.json")
        if "WELL" in df.columns and "DEPTH_M" in df.columns:
            log_evaluation_plots(tracker, df, loaded, summary, predictions, max_wells=max_plot_wells,
                                 scope="evaluated wells")
        return EvalResult(run_id=tracker.run_id, metrics=summary["metrics"], summary=summary)
