"""``geonet evaluate``: score a trained model on a labelled feature table, as its own MLflow run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geonet import __version__
from geonet.errors import InputError
from geonet.io.tables import table_sha256
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

    ``model``: ``runs:/<id>/<model name>``, ``models:/<name>/<version|latest>`` or a local model directory.
    The run is tagged with the model's URI and, for ``runs:/`` models, the model's run id.
    """
    from geonet.features.table import read_feature_table
    from geonet.tracking.logger import RunTracker
    from geonet.tracking.datasets import log_table_inputs
    from geonet.tracking.pyfunc_model import logged_model_id, resolve_model_dir
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
    sha256 = table_sha256(table)  # a file's, or a dataset folder's
    model_id = logged_model_id(model, uri)
    with RunTracker(uri, experiment, run_name=run_name, parent_run_id=parent_run_id, tags=tags) as tracker:
        tracker.log_params({"model": model, "table": str(table), "wells": summary["wells"],
                            "rows_scored": summary["rows_scored"], "table_sha256": sha256})
        tracker.describe(_description(model, table, sha256, loaded, summary))
        [scored_on] = log_table_inputs(tracker, [(table, df, sha256, "evaluation", "evaluation", loaded.target)],
                                       model_ids=[model_id] if model_id else ())
        # the scores also appear on the evaluated model's page, against this table
        tracker.log_metrics(summary["metrics"], step=0, model_id=model_id, dataset=scored_on)
        tracker.log_metrics({f"imputed_fraction/{c}": f for c, f in summary["imputed_fraction"].items()}, step=0)
        tracker.log_dict(summary, "evaluation.json")
        if "WELL" in df.columns and "DEPTH_M" in df.columns:
            log_evaluation_plots(tracker, df, loaded, summary, predictions, max_wells=max_plot_wells,
                                 scope="evaluated wells")
        return EvalResult(run_id=tracker.run_id, metrics=summary["metrics"], summary=summary)


def _description(model: str, table, sha256: str, loaded, summary: dict) -> str:
    """The run's description (Markdown): model, target, table, wells, headline scores."""
    wells = summary["wells"]
    shown = ", ".join(wells[:12]) + (f" … ({len(wells)} wells)" if len(wells) > 12 else "")
    scores = ", ".join(f"{k} {v:.4g}" for k, v in summary["metrics"].items()
                       if k in ("accuracy", "macro_f1", "penalty", "rmse", "mae", "r2"))
    return "\n".join([
        f"**Evaluation of {model}** ({loaded.target}, {loaded.task})",
        "",
        f"- table: `{table}` (SHA-256 `{sha256[:16]}…`), {summary['rows_scored']} rows scored",
        f"- wells: {shown or 'none'}",
        f"- scores: {scores or 'none'}",
    ])
