"""``geonet run`` / ``geonet sweep`` through Typer's CliRunner, with real MLflow in tmp_path."""

import re

import pytest
from typer.testing import CliRunner

from geonet.cli.app import app
from pipeline_fakes import install_fakes

runner = CliRunner()

PIPELINE = """
[pipeline]
name = "tiny"
experiment = "tiny-exp"

[[steps]]
kind = "ingest"
inputs = ["a.txt"]
out = "out/a.parquet"

[[steps]]
kind = "train"
table = "@ingest.out_path"
target = "LITHOLOGY"
"""


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("a")
    path = tmp_path / "tiny.toml"
    path.write_text(PIPELINE)
    from geonet.tracking import store

    real = store.run_exists  # the fake train step reports run ids "trainN" that no store holds
    monkeypatch.setattr(store, "run_exists", lambda uri, run_id: run_id.startswith("train") or real(uri, run_id))
    return path, uri, install_fakes(monkeypatch)


def test_help():
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--set", "--force", "--tracking-uri", "--dry-run"):
        assert option in result.output
    assert runner.invoke(app, ["sweep", "--help"]).exit_code == 0


def test_run_tiny_pipeline_with_mlflow(tiny):
    path, uri, calls = tiny
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 0, result.output
    assert re.search(r"^\[ok\] ingest \d+\.\ds$", result.output, re.M)
    assert re.search(r"^\[ok\] train \d+\.\ds$", result.output, re.M)
    assert "geonet ui" in result.output
    run_id = re.search(r"MLflow run (\w+)", result.output).group(1)

    from mlflow import MlflowClient

    client = MlflowClient(uri)
    parent = client.get_run(run_id)
    assert parent.info.run_name == "tiny" and parent.info.status == "FINISHED"
    experiment = client.get_experiment(parent.info.experiment_id)
    assert experiment.name == "tiny-exp"
    children = client.search_runs([experiment.experiment_id], f"tags.mlflow.parentRunId = '{run_id}'")
    (ingest,) = children  # the fake train opens no run of its own
    assert ingest.info.run_name == "ingest"
    assert ingest.data.metrics["rows"] == 5.0
    assert ingest.data.params["out"].endswith("a.parquet")

    again = runner.invoke(app, ["run", str(path)])
    assert again.exit_code == 0, again.output
    assert "[skipped] ingest (unchanged)" in again.output
    assert "[skipped] train (unchanged)" in again.output

    assert "nothing ran" in again.output and "look: geonet ui" not in again.output
    assert len(client.search_runs([experiment.experiment_id])) == 2  # no empty parent run for the rerun
    assert "train model: runs:/train" in again.output  # the summary names the model

    forced = runner.invoke(app, ["run", str(path), "--force", "--set", "train.lr=0.01"])
    assert forced.exit_code == 0 and forced.output.count("[ok]") == 2

    other = runner.invoke(app, ["run", str(path), "--tracking-uri", f"sqlite:///{path.parent / 'other.db'}"])
    assert other.exit_code == 0 and other.output.count("[ok]") == 2  # another store: every step runs there


def test_step_whose_run_left_the_store_reruns(tiny):
    path, uri, calls = tiny
    assert runner.invoke(app, ["run", str(path)]).exit_code == 0
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    (ingest,) = [r for r in client.search_runs(["1"]) if r.info.run_name == "ingest"]
    client.delete_run(ingest.info.run_id)
    again = runner.invoke(app, ["run", str(path)])
    assert again.exit_code == 0, again.output
    assert "[ok] ingest" in again.output and "[skipped] train (unchanged)" in again.output


def test_bad_option_value_exits_2_before_any_run(tiny):
    path, uri, calls = tiny
    for expr, message in (("train.epochs=\"three\"", "epochs: expected a whole number, got 'three'"),
                          ("train.hidden=[\"a\"]", "hidden: expected a whole number"),
                          ("train.optimizer=adamm", "did you mean 'adam'"),
                          ("ingest.jobs=0", "jobs: must be >= 1")):
        result = runner.invoke(app, ["run", str(path), "--set", expr])
        assert result.exit_code == 2, result.output
        assert message in result.output and "tiny.toml" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert calls == []
    assert not (path.parent / "mlflow.db").exists()


def test_run_bad_set_is_a_clean_error(tiny):
    path, *_ = tiny
    result = runner.invoke(app, ["run", str(path), "--set", "nosuch.lr=1"])
    assert result.exit_code == 1
    assert "error:" in result.output and "tiny.toml" in result.output and "nosuch" in result.output
    result = runner.invoke(app, ["run", str(path), "--set", "train"])
    assert result.exit_code == 1 and "STEP.KEY=VALUE" in result.output


def test_dry_run(tiny):
    path, _, calls = tiny
    result = runner.invoke(app, ["run", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "[would run] ingest (first run)" in result.output
    assert calls == []
