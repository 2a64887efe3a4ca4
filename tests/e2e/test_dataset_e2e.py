"""A dataset folder written on a Dask LocalCluster is what train, evaluate and cv read."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from geonet.cli.app import app

pytestmark = pytest.mark.slow
runner = CliRunner()
FAST = ("--hidden", "8", "--epochs", "2", "--batch-size", "64", "--ensemble", "1", "--no-progress")


def _invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result


def _last(output: str, prefix: str) -> str:
    return [line for line in output.splitlines() if line.startswith(prefix)][-1].split(prefix, 1)[1].strip()


def test_train_evaluate_cv_read_a_dataset_folder(tmp_path, tracking_uri, synthetic_wells):
    from mlflow import MlflowClient

    folder = tmp_path / "wells"
    _invoke("ingest", *synthetic_wells, "--out", folder, "--scheduler", "local:2", "--no-progress")
    assert len(list(folder.glob("well=*/part-*.parquet"))) == 3
    out = _invoke("train", folder, "--val-wells", "WELL-C", *FAST)
    run = MlflowClient(tracking_uri).get_run(_last(out.output, "run id:"))
    assert run.data.params["train_wells"] == "WELL-A,WELL-B"
    assert run.data.params["table_sha256"] == hashlib.sha256((folder / "_geonet.json").read_bytes()).hexdigest()
    out = _invoke("evaluate", folder, "--model", _last(out.output, "model:"))
    assert "accuracy" in out.output
    out = _invoke("cv", folder, "--folds", "3", *FAST[:-1])
    assert "cv score" in out.output
