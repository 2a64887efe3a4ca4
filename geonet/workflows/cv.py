"""``geonet cv``: leave-wells-out cross-validation of a training configuration, one MLflow run per fold.

A parent run holds the options, the mean and spread of every score over the folds
(``cv_<metric>_mean`` / ``_std``), the per-well score table (``cv_wells.csv`` and ``cv.json``) and
a plot of each held-out well's score; each fold is a child run with its wells, resolved options
and scores. Nothing is trained on a fold's held-out wells (:func:`geonet.train.cv.cross_validate`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from geonet import __version__
from geonet.atomic import write_text_atomic
from geonet.spec import TrainSpec
from geonet.train.cv import CVResult, FoldResult, cross_validate


@dataclass
class CVRunResult:
    run_id: str
    cv: CVResult
    summary: dict[str, dict[str, float]]  # metric → mean, std, min, max over folds

    @property
    def score(self) -> float:
        """Mean over the folds of the task's own score (the one to rank configurations by)."""
        return self.summary[self.cv.monitor]["mean"]


def cv(
    table: str | Path,
    spec: TrainSpec,
    *,
    folds: int = 5,
    groups: str | None = None,
    tracking_uri: str | None = None,
    experiment: str = "geonet",
    run_name: str | None = None,
    parent_run_id: str | None = None,
) -> CVRunResult:
    """Cross-validate ``spec`` on ``table`` in ``folds`` leave-wells-out folds (``groups``: a column
    such as a field whose wells stay together) and log it to MLflow as described in the module."""
    from geonet.features.table import read_feature_table
    from geonet.tracking.logger import RunTracker
    from geonet.tracking.store import resolve_tracking_uri

    table = Path(table)
    df = read_feature_table(table)
    uri = resolve_tracking_uri(tracking_uri)
    tags = {"geonet.command": "cv", "geonet.version": __version__}
    with RunTracker(uri, experiment, run_name=run_name or f"cv {table.stem}", parent_run_id=parent_run_id,
                    tags=tags) as parent:
        parent.log_params({**{k: v for k, v in spec.to_json().items() if k != "val_wells"},
                           "table": str(table), "folds": folds, "groups": groups or "wells"})

        def log_fold(result: FoldResult) -> None:
            with RunTracker(uri, experiment, run_name=f"fold {result.fold.index}", parent_run_id=parent.run_id,
                            tags={**tags, "geonet.cv_fold": result.fold.index}) as child:
                resolved = result.spec.to_json()
                child.log_params({"train_wells": result.fold.train, "held_out_wells": result.fold.held_out,
                                  **{k: resolved[k] for k in ("ensemble", "bag_wells", "context_windows")}})
                child.log_metrics({**result.metrics, "seconds": result.seconds}, step=0)

        result = cross_validate(df, spec, folds=folds, groups=groups, on_fold=log_fold, source=str(table))
        summary = result.summary()
        parent.log_metrics({f"cv_{m}_{stat}": v for m, s in summary.items() for stat, v in s.items()
                            if stat in ("mean", "std")}, step=0)
        parent.set_tags({"geonet.cv_score": result.monitor})
        _log_tables(parent, result, summary)
        return CVRunResult(run_id=parent.run_id, cv=result, summary=summary)


def _log_tables(tracker, result: CVResult, summary: dict) -> None:
    import pandas as pd

    from geonet.tracking import plots

    wells = pd.DataFrame(result.per_well())
    folds = [{"fold": f.fold.index, "held_out": f.fold.held_out, **f.metrics, "seconds": f.seconds}
             for f in result.folds]
    tracker.log_dict({"score": result.monitor, "mode": result.mode, "summary": summary, "folds": folds,
                      "wells": wells.to_dict(orient="records")}, "cv.json")
    with tempfile.TemporaryDirectory(prefix="geonet-cv-") as tmp:
        path = Path(tmp) / "cv_wells.csv"
        write_text_atomic(path, wells.to_csv(index=False))
        tracker.log_artifact(path)
    tracker.log_figure(plots.cv_well_scores(result.per_well(), result.monitor, better=result.mode),
                       "plots/cv_wells.png")
