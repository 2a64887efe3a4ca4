"""Evaluation summaries and their plots, shared by ``geonet train`` and ``geonet evaluate``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geonet.train.metrics import classification_report, force_penalty_score, is_force_codes, regression_report
from geonet.train.model import GeonetModel, code_name


def evaluate_frame(frame: pd.DataFrame, predictions: pd.DataFrame, model: GeonetModel, *, prefix: str = "") -> dict:
    """Metrics of ``predictions`` (from ``model.predict_frame``) against ``frame[model.target]``.

    Only rows with both a label and a prediction count. Returns a JSON-ready dict with
    ``metrics`` (flat ``{name: float}``, names prefixed by ``prefix``) and the details
    (per-class table and confusion matrix, or regression numbers), plus row counts.
    """
    truth = frame[model.target].to_numpy(dtype=np.float64)
    pred = predictions[model.pred_column].to_numpy(dtype=np.float64)
    scored = ~np.isnan(truth) & ~np.isnan(pred)
    summary: dict = {"target": model.target, "task": model.task, "rows_labelled": int((~np.isnan(truth)).sum()),
                     "rows_scored": int(scored.sum())}
    if not scored.any():
        summary["metrics"] = {}
        return summary
    y, yhat = truth[scored], pred[scored]
    if model.task == "classify":
        labels = np.union1d(y, yhat).tolist()  # classes present in truth or prediction
        report = classification_report(y, yhat, labels=labels)
        metrics = {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}
        if is_force_codes(np.r_[y, yhat]):
            metrics["penalty"] = force_penalty_score(y, yhat)
        summary.update(labels=[int(c) if float(c).is_integer() else c for c in labels],
                       label_names=[code_name(c) for c in labels], report=report)
    else:
        metrics = regression_report(y, yhat)
    summary["metrics"] = {f"{prefix}{k}": float(v) for k, v in metrics.items()}
    return summary


def log_evaluation_plots(tracker, frame: pd.DataFrame, model: GeonetModel, summary: dict,
                         predictions: pd.DataFrame, *, max_wells: int = 1, scope: str = "validation wells") -> None:
    """Confusion matrix (classification) and a well-track plot per well (up to ``max_wells``).

    ``predictions``: ``model.predict_frame(frame)``, already computed by the caller (same index);
    ``scope`` names the rows in the confusion matrix's title ("validation wells", "evaluated wells").
    """
    from geonet.tracking import plots

    if model.task == "classify" and "report" in summary:
        cm = np.asarray(summary["report"]["confusion_matrix"])
        n_wells = frame["WELL"].nunique() if "WELL" in frame.columns else 0
        title = f"Confusion matrix, {scope} ({n_wells} well{'s' if n_wells != 1 else ''}, {int(cm.sum())} rows)"
        tracker.log_figure(plots.confusion_matrix_plot(cm, summary["label_names"], title=title),
                           "plots/confusion_matrix.png")
    for well in list(pd.unique(frame["WELL"]))[:max_wells]:
        rows = frame[frame["WELL"] == well].sort_values("DEPTH_M")
        fig = well_figure(rows, model, predictions, title=str(well))
        tracker.log_figure(fig, f"plots/well_track_{_safe(str(well))}.png")


def well_figure(rows: pd.DataFrame, model: GeonetModel, pred: pd.DataFrame, *, title: str):
    """Well-track figure: depth down, the logs of ``log_scales.toml`` on their standard scales, beside
    true (if labelled) and predicted lithology and the class probabilities (or measured vs predicted)."""
    from geonet.tracking import well_plots

    curves = {c: rows[c].to_numpy() for c in well_plots.track_curves() if c in rows.columns}
    depth = rows["DEPTH_M"].to_numpy()
    truth = rows[model.target].to_numpy() if model.target in rows.columns else None
    predicted = pred.loc[rows.index, model.pred_column].to_numpy()
    if model.task == "classify":
        from geonet.train.lithology import code_table

        probabilities = {int(code) if float(code).is_integer() else code: pred.loc[rows.index, column].to_numpy()
                         for column, code in zip(model.prob_columns(), model.classes) if column in pred.columns}
        return well_plots.well_track_plot(depth, curves, truth, predicted, code_table(), title=title,
                                          probabilities=probabilities or None)
    return well_plots.prediction_track_plot(depth, curves, truth, predicted, model.target, title=title)


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)
