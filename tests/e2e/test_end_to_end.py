"""Tiny LAS wells through ingest → train → evaluate → predict, with MLflow in tmp_path."""

from __future__ import annotations

import re

import lasio
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from geonet.cli.app import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def _invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result


def _last_value(output: str, prefix: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    assert lines, output
    return lines[-1].split(prefix, 1)[1].strip()


def test_ingest_train_evaluate_predict(tmp_path, tracking_uri, synthetic_wells):
    a, b, c = synthetic_wells
    train_table = tmp_path / "train.parquet"
    test_table = tmp_path / "test.parquet"
    _invoke("ingest", a, b, "--out", train_table, "--no-progress")
    _invoke("ingest", c, "--out", test_table, "--no-progress")

    out = _invoke("train", train_table, "--val-wells", "WELL-B", "--hidden", "16", "--epochs", "25",
                  "--lr", "0.01", "--batch-size", "32", "--experiment", "e2e", "--no-progress", "--patience", "25")
    run_id = _last_value(out.output, "run id:")
    model_uri = _last_value(out.output, "model:")
    assert model_uri == f"runs:/{run_id}/lithology-classifier"

    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    params = run.data.params
    assert params["train_wells"] == "WELL-A" and params["val_wells"] == "WELL-B"
    assert params["task"] == "classify" and "GR" in params["features"]
    assert len(params["table_sha256"]) == 64
    assert run.data.tags["geonet.train_cores"] == "1 (threads)"  # a small net on a small table: one core
    losses = client.get_metric_history(run_id, "train_loss")
    assert len(losses) == 25
    assert losses[-1].value < losses[0].value
    grad = client.get_metric_history(run_id, "grad_norm/W1")
    assert len(grad) == 25 and all(np.isfinite(m.value) and m.value > 0 for m in grad)
    assert len(client.get_metric_history(run_id, "grad_norm/b2")) == 25
    assert run.data.metrics["model_val_accuracy"] > 0.85
    assert run.data.metrics["model_val_accuracy"] == pytest.approx(
        max(m.value for m in client.get_metric_history(run_id, "val_accuracy")), abs=0.05)
    artifacts = {f.path for f in client.list_artifacts(run_id, "plots")}
    assert {"plots/loss_curves.png", "plots/grad_norms.png", "plots/confusion_matrix.png"} <= artifacts
    assert any(p.startswith("plots/well_track_") for p in artifacts)
    assert "evaluation.json" in {f.path for f in client.list_artifacts(run_id)}
    # what the UI shows: datasets, a description, a named model whose page has its scores
    contexts = {d.dataset.name: {t.key: t.value for t in d.tags}["mlflow.data.context"] for d in run.inputs.dataset_inputs}
    assert contexts == {"train.parquet · training wells": "training", "train.parquet · validation wells": "validation"}
    assert "Classification of LITHOLOGY" in run.data.tags["mlflow.note.content"]
    assert "WELL-A" in run.data.tags["mlflow.note.content"]
    [output] = run.outputs.model_outputs
    logged = client.get_logged_model(output.model_id)
    assert logged.name == "lithology-classifier"
    model_metrics = {m.key: m.value for m in logged.metrics}
    assert model_metrics["model_val_accuracy"] == pytest.approx(run.data.metrics["model_val_accuracy"])

    # the pyfunc model predicts on a DataFrame of curves
    test_df = pd.read_parquet(test_table)
    pyfunc = mlflow.pyfunc.load_model(model_uri)
    pred = pyfunc.predict(test_df[["WELL", "DEPTH_M", "GR", "RHOB", "NPHI", "DTC", "RDEP"]])
    labelled = test_df["LITHOLOGY"].notna().to_numpy()
    acc = np.mean(pred["LITHOLOGY_PRED"].to_numpy()[labelled] == test_df["LITHOLOGY"].to_numpy()[labelled])
    assert acc > 0.85

    out = _invoke("evaluate", test_table, "--model", model_uri, "--experiment", "e2e")
    eval_run = client.get_run(_last_value(out.output, "run id:"))
    assert eval_run.data.tags["geonet.model_run_id"] == run_id
    assert [m.model_id for m in eval_run.inputs.model_inputs] == [output.model_id]
    assert [d.dataset.name for d in eval_run.inputs.dataset_inputs] == ["test.parquet · evaluation"]
    evaluated = {(m.key, m.dataset_name) for m in client.get_logged_model(output.model_id).metrics}
    assert ("accuracy", "test.parquet · evaluation") in evaluated
    assert eval_run.data.metrics["accuracy"] == pytest.approx(acc, abs=1e-9)
    assert -1.0 < eval_run.data.metrics["penalty"] <= 0.0

    out = _invoke("predict", c, "--model", model_uri, "--out", tmp_path / "pred")
    las = lasio.read(tmp_path / "pred" / "C_geonet.las")
    assert {"LITHOLOGY_PRED", "PROB_30000", "PROB_65000", "PROB_70000"} <= set(las.keys())
    probs = np.column_stack([las[k] for k in ("PROB_30000", "PROB_65000", "PROB_70000")])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(las["LITHOLOGY_PRED"], pred["LITHOLOGY_PRED"].to_numpy())
    assert las.well["GEONET_RUN_ID"].value == run_id and las.well["GEONET_MODEL"].value == model_uri
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", las.well["GEONET_DATE"].value)
    assert all(las.curves[k].unit for k in las.keys() if k == "LITHOLOGY_PRED" or k.startswith(("PROB_", "QC_")))
    assert (tmp_path / "pred" / "C_geonet.png").stat().st_size > 10_000
    table = pd.read_parquet(tmp_path / "pred" / "predictions.parquet")
    assert len(table) == len(test_df) and (table["WELL"] == "WELL-C").all()
    from geonet.features.table import read_feature_table

    meta = read_feature_table(tmp_path / "pred" / "predictions.parquet").attrs["geonet"]
    assert meta["run_id"] == run_id and meta["predicted_at"] == las.well["GEONET_DATE"].value


def test_regression_of_density_from_other_logs(tmp_path, tracking_uri, synthetic_wells):
    table = tmp_path / "wells.parquet"
    _invoke("ingest", *synthetic_wells, "--out", table, "--no-progress")
    out = _invoke("train", table, "--target", "RHOB", "--exclude", "LITHOLOGY", "--val-wells", "WELL-C",
                  "--hidden", "16", "--epochs", "30", "--lr", "0.01", "--batch-size", "32", "--no-progress",
                  "--context-windows", "5,11", "--context-window-std", "--ensemble", "2", "--clip", "5")
    from mlflow import MlflowClient

    run = MlflowClient(tracking_uri).get_run(_last_value(out.output, "run id:"))
    assert run.data.params["task"] == "regress"
    assert run.data.metrics["model_val_r2"] > 0.7
    assert len(MlflowClient(tracking_uri).get_metric_history(run.info.run_id, "val_rmse")) >= 1
    assert run.data.params["context_windows"] == "5,11" and run.data.params["ensemble"] == "2"
    # the ensemble and window features survive the trip through the pyfunc model
    import mlflow

    wells = pd.read_parquet(table)
    pred = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/rhob-regressor").predict(wells)
    held_out = (wells["WELL"] == "WELL-C").to_numpy()
    err = pred["RHOB_PRED"].to_numpy()[held_out] - wells["RHOB"].to_numpy()[held_out]
    rmse = float(np.sqrt(np.nanmean(err**2)))
    assert rmse == pytest.approx(run.data.metrics["model_val_rmse"], rel=1e-3)


def test_missing_required_curve_is_one_line_error(tmp_path, tracking_uri, synthetic_wells):
    from synthetic import write_las

    table = tmp_path / "wells.parquet"
    _invoke("ingest", *synthetic_wells[:2], "--out", table, "--no-progress")
    out = _invoke("train", table, "--val-wells", "WELL-B", "--hidden", "8", "--epochs", "2",
                  "--missing", "drop", "--no-progress")
    model_uri = _last_value(out.output, "model:")
    bad = write_las(tmp_path / "no_nphi.las", "WELL-X", 9, drop_nphi=True)
    result = runner.invoke(app, ["predict", str(bad), "--model", model_uri, "--out", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert "no_nphi.las" in result.output and "missing curves ['NPHI']" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "p" / "no_nphi_geonet.las").exists()

    # evaluating needs labels: a table without the target column is refused in one line
    unlabelled = tmp_path / "unlabelled.parquet"
    pd.read_parquet(table).drop(columns="LITHOLOGY").to_parquet(unlabelled)
    result = runner.invoke(app, ["evaluate", str(unlabelled), "--model", model_uri])
    assert result.exit_code == 1
    assert "unlabelled.parquet" in result.output and "'LITHOLOGY'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_divergence_marks_run_failed(tmp_path, tracking_uri, synthetic_wells):
    table = tmp_path / "wells.parquet"
    _invoke("ingest", *synthetic_wells[:2], "--out", table, "--no-progress")
    result = runner.invoke(app, ["train", str(table), "--target", "RHOB", "--exclude", "LITHOLOGY",
                                 "--optimizer", "sgd", "--lr", "1e6", "--epochs", "5", "--no-progress",
                                 "--experiment", "diverge"])
    assert result.exit_code == 1
    assert "learning rate" in result.output
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    exp = client.get_experiment_by_name("diverge")
    runs = client.search_runs([exp.experiment_id])
    assert runs and runs[0].info.status == "FAILED"
    assert "TrainingDiverged" in runs[0].data.tags["geonet.failure_reason"]


def test_predict_on_a_grid_writes_netcdf_on_the_same_coordinates(tmp_path, tracking_uri, synthetic_wells):
    import xarray as xr

    from synthetic import LITHOLOGIES

    table = tmp_path / "wells.parquet"
    _invoke("ingest", *synthetic_wells, "--out", table, "--no-progress")
    out = _invoke("train", table, "--features", "GR,RHOB", "--val-wells", "WELL-C", "--hidden", "16",
                  "--epochs", "20", "--lr", "0.01", "--batch-size", "32", "--no-progress",
                  "--context", "0", "--context-windows", "")  # grids have no wells: no depth context
    model_uri = _last_value(out.output, "model:")
    # a 4 × 3 × 5 cube whose cells hold shale-, sand- or limestone-like values by depth
    codes = np.array([65000, 30000, 70000, 65000, 30000])
    gr = np.array([LITHOLOGIES[c][0] for c in codes], dtype=float)
    rhob = np.array([LITHOLOGIES[c][1] for c in codes], dtype=float)
    shape = (4, 3, 5)
    ds = xr.Dataset(
        {"GR": (("x", "y", "depth"), np.broadcast_to(gr, shape).copy()),
         "RHOB": (("x", "y", "depth"), np.broadcast_to(rhob, shape).copy())},
        coords={"x": np.arange(4.0), "y": np.arange(3.0), "depth": 1500.0 + np.arange(5.0)},
    )
    ds["depth"].attrs["units"] = "m"
    grid = tmp_path / "cube.nc"
    ds.to_netcdf(grid, engine="h5netcdf")
    _invoke("predict", grid, "--model", model_uri, "--out", tmp_path / "gridpred")
    with xr.open_dataset(tmp_path / "gridpred" / "cube_geonet.nc", engine="h5netcdf") as result:
        assert result["LITHOLOGY_PRED"].dims == ("x", "y", "depth")
        np.testing.assert_array_equal(result["x"].values, ds["x"].values)
        np.testing.assert_array_equal(result["LITHOLOGY_PRED"].values, np.broadcast_to(codes, shape))
        probs = sum(result[f"PROB_{c}"].values for c in (30000, 65000, 70000))
        np.testing.assert_allclose(probs, 1.0, rtol=1e-4)


def test_context_model_refuses_a_grid(tmp_path, tracking_uri, synthetic_wells):
    import xarray as xr

    table = tmp_path / "wells.parquet"
    _invoke("ingest", *synthetic_wells[:2], "--out", table, "--no-progress")
    out = _invoke("train", table, "--features", "GR,RHOB", "--val-wells", "WELL-B", "--hidden", "8",
                  "--epochs", "2", "--context", "2", "--no-progress")
    ds = xr.Dataset({"GR": (("x", "depth"), np.ones((2, 3))), "RHOB": (("x", "depth"), np.ones((2, 3)))},
                    coords={"x": [0.0, 1.0], "depth": [1.0, 2.0, 3.0]})
    grid = tmp_path / "g.nc"
    ds.to_netcdf(grid, engine="h5netcdf")
    result = runner.invoke(app, ["predict", str(grid), "--model", _last_value(out.output, "model:"),
                                 "--out", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert "g.nc" in result.output and "--context" in result.output
    assert not (tmp_path / "p" / "g_geonet.nc").exists()
