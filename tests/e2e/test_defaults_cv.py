"""Good models by default: chosen inputs said and logged, curves a well lacks said in every command,
QC_IMPUTED beside predictions, a facies CSV trains with no options, and ``geonet cv``."""

from __future__ import annotations

import json

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


def _last(output: str, prefix: str) -> str:
    return [line for line in output.splitlines() if line.startswith(prefix)][-1].split(prefix, 1)[1].strip()


def _wells(tmp_path, n_wells=5, n=160):
    """Wells with GR/RHOB everywhere, ROP (drilling) and PEF in one well only; facies-like codes 1–3."""
    from synthetic import well_frame

    frames = []
    for i in range(n_wells):
        depth, curves, rdep, codes = well_frame(i + 1, n)
        frames.append(pd.DataFrame({
            "WELL": f"W{i}", "DEPTH_M": depth, "GR": curves[:, 0], "RHOB": curves[:, 1], "RDEP": rdep,
            "ROP": 20.0 + i, "PEF": 3.0 if i == 0 else np.nan,
            "LITHOLOGY": np.searchsorted([30000, 65000, 70000], codes) + 1.0}))
    table = tmp_path / "wells.parquet"
    pd.concat(frames, ignore_index=True).to_parquet(table)
    return table


FAST = ("--hidden", "8", "--epochs", "3", "--batch-size", "64", "--ensemble", "2", "--no-progress")


def test_default_train_says_what_it_left_out_and_evaluate_names_missing_curves(tmp_path, tracking_uri):
    table = _wells(tmp_path)
    out = _invoke("train", table, "--val-wells", "W4", *FAST)
    assert _last(out.output, "inputs:") == "GR, RHOB, RDEP"
    assert "left out ROP: drilling parameter" in out.output
    assert "left out PEF: logged in 1 of 4 training wells (needs 3 = 75%)" in out.output
    assert "left out DEPTH_M: position" in out.output
    model = _last(out.output, "model:")
    # a well without RHOB: evaluate says so and logs the imputed fraction
    lacking = pd.read_parquet(table).query("WELL == 'W4'").drop(columns=["RHOB"])
    lacking.to_parquet(tmp_path / "lacking.parquet")
    ev = runner.invoke(app, ["evaluate", str(tmp_path / "lacking.parquet"), "--model", model])
    assert ev.exit_code == 0, ev.output
    assert "well W4: RHOB absent (filled with training medians; see QC_IMPUTED)" in ev.output
    import mlflow

    run = mlflow.MlflowClient(tracking_uri).get_run(_last(ev.output, "run id:"))
    assert run.data.metrics["imputed_fraction/RHOB"] == pytest.approx(1.0)
    assert run.data.metrics["imputed_fraction/GR"] == pytest.approx(0.0)
    # predict writes the per-depth QC curve: one of three inputs imputed everywhere
    pr = _invoke("predict", tmp_path / "lacking.parquet", "--model", model, "--out", tmp_path / "pred")
    assert "RHOB absent" in pr.output
    pred = pd.read_parquet(tmp_path / "pred" / "predictions.parquet")
    np.testing.assert_allclose(pred["QC_IMPUTED"], 1 / 3)


def test_depth_only_when_asked(tmp_path, tracking_uri):
    out = _invoke("train", _wells(tmp_path), "--features", "+DEPTH_M", "--val-wells", "W4", *FAST)
    assert _last(out.output, "inputs:") == "DEPTH_M, GR, RHOB, RDEP"


def test_facies_csv_trains_with_no_options(tmp_path, tracking_uri):
    """A Kansas-style facies CSV (facies 1–9, GR, ILD_log10, DeltaPHI, PHIND, PE, NM_M, RELPOS)."""
    rng = np.random.default_rng(0)
    rows = []
    for w in range(3):
        n = 120
        facies = np.repeat(rng.integers(1, 10, n // 10), 10)
        rows.append(pd.DataFrame({
            "Facies": facies, "Formation": "A1 SH", "Well Name": f"KS-{w}", "Depth": 2800 + 0.5 * np.arange(n),
            "GR": 40 + 8 * facies + rng.normal(0, 3, n), "ILD_log10": 0.2 + 0.05 * facies,
            "DeltaPHI": rng.normal(3, 2, n), "PHIND": 10 + facies, "PE": 3 + 0.1 * facies,
            "NM_M": 1 + (facies > 3), "RELPOS": np.linspace(1, 0, n)}))
    csv = tmp_path / "facies.csv"
    pd.concat(rows).to_csv(csv, index=False)
    _invoke("ingest", csv, "--out", tmp_path / "facies.parquet", "--no-progress")
    out = _invoke("train", tmp_path / "facies.parquet", "--no-progress", "--epochs", "2", "--ensemble", "1")
    assert set(_last(out.output, "inputs:").split(", ")) == {"GR", "PEF", "DELTAPHI", "ILD_LOG10", "PHIND"}
    assert "left out NM_M: label" in out.output and "left out RELPOS: position" in out.output
    assert "val_macro_f1" in out.output and "penalty" not in out.output  # codes 1–9 are not FORCE codes


def test_cv_scores_every_well_once_and_logs_a_run_per_fold(tmp_path, tracking_uri):
    table = _wells(tmp_path, n_wells=4)
    out = _invoke("cv", table, "--folds", "2", *FAST[:-1])
    scored = [line for line in out.output.splitlines() if line.strip().startswith("well ")]
    assert len(scored) == 4 and {s.split()[1] for s in scored} == {"W0", "W1", "W2", "W3"}
    assert "cv score (macro_f1, higher is better)" in out.output
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    parent = client.get_run(_last(out.output, "run id:"))
    assert 0.0 <= parent.data.metrics["cv_macro_f1_mean"] <= 1.0 and "cv_macro_f1_std" in parent.data.metrics
    children = client.search_runs([parent.info.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert len(children) == 2
    names = {a.path for a in client.list_artifacts(parent.info.run_id)} | \
        {a.path for a in client.list_artifacts(parent.info.run_id, "plots")}
    assert {"cv_wells.csv", "cv.json", "plots/cv_wells.png"} <= names
    doc = json.loads(open(client.download_artifacts(parent.info.run_id, "cv.json", str(tmp_path))).read())
    assert sorted(w["well"] for w in doc["wells"]) == ["W0", "W1", "W2", "W3"]


def test_cv_refuses_more_folds_than_wells(tmp_path, tracking_uri):
    result = runner.invoke(app, ["cv", str(_wells(tmp_path, n_wells=3)), "--folds", "4"])
    assert result.exit_code != 0 and "3 wells cannot make 4 folds" in result.output


def test_sweep_ranks_trials_by_cv_score(tmp_path, tracking_uri):
    _wells(tmp_path, n_wells=4)
    sweep = tmp_path / "s.toml"
    sweep.write_text("[sweep]\ntable = 'wells.parquet'\ntarget = 'LITHOLOGY'\nepochs = 2\nensemble = 1\nbatch_size = 64\n"
                     "grid = {hidden = [[2], [16]]}\ncv = 2\n")
    from geonet.pipeline import load_sweep, run_pipeline

    summary = run_pipeline(load_sweep(sweep), tracking_uri=tracking_uri, echo=lambda s: None)
    result = summary.outcome("sweep").outputs
    assert result["metric"] == "cv_score" and result["mode"] == "max"  # macro-F1 of codes 1–3
    scores = [t["metrics"]["cv_score"] for t in result["trials"]]
    assert result["best"]["metrics"]["cv_score"] == max(scores)
    assert all("cv_macro_f1_std" in t["metrics"] for t in result["trials"])
