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


def test_predict_on_a_local_cluster_equals_predict_here(tmp_path, tracking_uri, synthetic_wells):
    import numpy as np
    import pandas as pd

    from geonet.features.table import read_feature_table

    table = tmp_path / "wells.parquet"
    _invoke("ingest", *synthetic_wells[:2], "--out", table, "--no-progress")
    model = _last(_invoke("train", table, "--val-wells", "WELL-B", *FAST).output, "model:")
    here, there = tmp_path / "here", tmp_path / "there"
    _invoke("predict", *synthetic_wells, "--model", model, "--out", here, "--no-plots")
    (tmp_path / "broken.las").write_text("not a LAS file\n")
    result = runner.invoke(app, ["predict", *map(str, synthetic_wells), str(tmp_path / "broken.las"), "--model", model,
                                 "--out", str(there), "--scheduler", "local:2", "--no-plots"])
    assert result.exit_code == 3, result.output
    assert f"skipped {tmp_path / 'broken.las'}" in result.output
    def same_but_the_time(path):  # GEONET_DATE is when each was predicted
        return [ln for ln in path.read_text().splitlines() if not ln.strip().startswith("GEONET_DATE")]

    assert len(list(here.glob("*_geonet.las"))) == 3
    for las in sorted(here.glob("*_geonet.las")):
        assert same_but_the_time(there / las.name) == same_but_the_time(las)
    a = pd.read_parquet(here / "predictions.parquet")
    b = read_feature_table(there / "predictions")
    assert list(b.columns) == list(a.columns) and len(b) == len(a)
    np.testing.assert_allclose(b.select_dtypes("number").to_numpy(), a.select_dtypes("number").to_numpy(), equal_nan=True)
    assert sorted(p.parent.name for p in (there / "predictions").glob("well=*/*.parquet")) == [
        "well=WELL-A", "well=WELL-B", "well=WELL-C"]
