"""``geonet evaluate``: thin wrapper over :func:`geonet.workflows.evaluate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from geonet.cli._common import echo_err, handle_errors, print_metrics


@handle_errors
def evaluate_command(
    table: Annotated[Path, typer.Argument(help="Labelled feature table: Parquet, CSV or a dataset folder.", metavar="TABLE")],
    model: Annotated[str, typer.Option(help="The URI `geonet train` printed (`runs:/<id>/<model name>`), `models:/<name>/<version|latest>`, or a model directory.", metavar="URI")],
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.", metavar="NAME")] = "geonet",
    tracking_uri: Annotated[Optional[str], typer.Option(
        help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI, else sqlite:///mlruns/mlflow.db].", metavar="URI")] = None,
) -> None:
    """Score a model on labelled wells: accuracy, macro-F1, per-class precision/recall, confusion
    matrix and the FORCE 2020 penalty score (RMSE, MAE, R² for regression). Logged as its own run."""
    from geonet.workflows import evaluate

    result = evaluate(model, table, tracking_uri=tracking_uri, experiment=experiment)
    summary = result.summary
    for note in summary.get("notes", []):
        echo_err(f"note: {note}")
    report = summary.get("report")
    if report:
        from rich.console import Console
        from rich.table import Table

        per_class = Table(title="per class", show_header=True)
        for col in ("class", "precision", "recall", "f1", "support"):
            per_class.add_column(col, justify="right" if col != "class" else "left")
        for name, row in zip(summary["label_names"], report["per_class"].values()):
            per_class.add_row(name, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}",
                              str(row["support"]))
        Console().print(per_class)
    print_metrics(result.metrics, title=f"evaluation on {', '.join(summary['wells']) or table}")
    typer.echo(f"run id: {result.run_id}")


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
