"""geonet's commands against ``geonet server`` on a real PostgreSQL (started by conftest.py)."""

from __future__ import annotations

import subprocess
import time

import pytest
from typer.testing import CliRunner

from geonet.cli.app import app
from geonet.tracking.team import NETWORK_DEFAULTS

from .conftest import clean_env, geonet_command

pytestmark = pytest.mark.slow
runner = CliRunner()
FAST = ("--hidden", "8", "--ensemble", "1", "--patience", "0", "--batch-size", "32", "--no-progress")


def _invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _last(output: str, prefix: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith(prefix)]
    assert lines, output
    return lines[-1][len(prefix):].strip()


@pytest.fixture
def tables(tmp_path, synthetic_wells):
    a, b, c = synthetic_wells
    _invoke("ingest", a, b, "--out", tmp_path / "train.parquet", "--no-progress")
    _invoke("ingest", c, "--out", tmp_path / "test.parquet", "--no-progress")
    _invoke("ingest", a, b, c, "--out", tmp_path / "all.parquet", "--no-progress")
    return tmp_path


@pytest.fixture
def http_settings(monkeypatch):
    """geonet sets these in the process it runs in; here they are restored after each test."""
    for name, value in NETWORK_DEFAULTS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def _runs_in_postgres(database: str, run_ids: list[str]) -> int:
    import psycopg

    with psycopg.connect(database) as connection:
        row = connection.execute("SELECT count(*) FROM runs WHERE run_uuid = ANY(%s)", (run_ids,)).fetchone()
    return int(row[0])


def test_train_evaluate_predict_cv_run_on_the_team_server(team_server, tables, tmp_path, http_settings):
    from mlflow import MlflowClient

    url, client = team_server.url, MlflowClient(team_server.url)
    out = _invoke("train", tables / "train.parquet", "--tracking-uri", url, "--experiment", "team",
                  "--val-wells", "WELL-B", "--epochs", "4", *FAST)
    run_id = _last(out, "run id:")
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert len(client.get_metric_history(run_id, "train_loss")) == 4
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")  # served by the server, not a client path
    # on the shared artifact root: the run's plots, and the model's weights
    assert [p.name for p in team_server.artifacts.rglob(f"{run_id}/**/loss_curves.png")] == ["loss_curves.png"]
    assert any(team_server.artifacts.rglob("network.npz"))

    model = _last(out, "model:")  # the URI train printed (runs:/<id>/lithology-classifier)
    out = _invoke("evaluate", tables / "test.parquet", "--model", model, "--tracking-uri", url, "--experiment", "team")
    evaluation = client.get_run(_last(out, "run id:"))
    assert evaluation.data.tags["geonet.model_run_id"] == run_id
    assert 0.0 <= evaluation.data.metrics["accuracy"] <= 1.0

    _invoke("predict", tables / "las" / "C.las", "--model", model, "--tracking-uri", url, "--out", tmp_path / "pred",
            "--no-plots")
    assert (tmp_path / "pred" / "C_geonet.las").stat().st_size > 1000

    out = _invoke("cv", tables / "all.parquet", "--folds", "2", "--tracking-uri", url, "--experiment", "team",
                  "--epochs", "2", *FAST[:-1])
    parent = client.get_run(_last(out, "run id:"))
    children = client.search_runs([parent.info.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert len(children) == 2 and "cv_accuracy_mean" in parent.data.metrics

    pipeline = tmp_path / "team.toml"
    pipeline.write_text(PIPELINE)
    out = _invoke("run", pipeline, "--tracking-uri", url)
    assert out.count("[ok]") == 4, out
    pipeline_runs = client.search_runs([client.get_experiment_by_name("team-pipeline").experiment_id])
    assert len(pipeline_runs) == 7  # the pipeline's run, one per step, one per sweep trial
    # the model registry lives in PostgreSQL too
    assert [v.version for v in client.search_model_versions("name = 'team-lith'")] == ["1"]
    _invoke("predict", tables / "las" / "C.las", "--model", "models:/team-lith/latest", "--tracking-uri", url,
            "--out", tmp_path / "pred-registered", "--no-plots")
    assert (tmp_path / "pred-registered" / "C_geonet.las").is_file()
    out = _invoke("ui", "--tracking-uri", url)
    assert f"open {url}" in out

    # everything above is in the PostgreSQL database itself
    ids = [run_id, evaluation.info.run_id, parent.info.run_id] + [r.info.run_id for r in pipeline_runs]
    assert _runs_in_postgres(team_server.database, ids) == len(ids)


PIPELINE = """
[pipeline]
name = "team"
experiment = "team-pipeline"

[[steps]]
kind = "ingest"
inputs = ["las/A.las", "las/B.las"]
out = "out/train.parquet"

[[steps]]
kind = "train"
table = "@ingest.out_path"
hidden = [8]
epochs = 2
ensemble = 1
val_wells = ["WELL-B"]

[[steps]]
kind = "evaluate"
model = "@train.model_uri"
table = "@ingest.out_path"

[[steps]]
kind = "sweep"
table = "@ingest.out_path"
hidden = [8]
epochs = 2
ensemble = 1
val_wells = ["WELL-B"]
grid = {lr = [0.001, 0.01]}
metric = "val_loss"
mode = "min"
register = "team-lith"
"""

EPOCHS = 12


def test_four_trainers_at_once_lose_no_metrics(team_server, tables):
    """4 ``geonet train`` processes log to the server together: every epoch of every curve arrives."""
    from mlflow import MlflowClient

    command = geonet_command() + ["train", str(tables / "train.parquet"), "--tracking-uri", team_server.url,
                                  "--experiment", "team-concurrent", "--val-wells", "WELL-B",
                                  "--epochs", str(EPOCHS), *FAST]
    processes = [subprocess.Popen(command + ["--seed", str(seed)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, env=clean_env()) for seed in range(4)]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output
        assert "database is locked" not in output
    assert "database is locked" not in team_server.log.read_text()

    client = MlflowClient(team_server.url)
    run_ids = [_last(output, "run id:") for output in outputs]
    assert len(set(run_ids)) == 4
    per_epoch = ("train_loss", "val_loss", "val_accuracy", "val_macro_f1", "lr", "grad_norm/W1", "grad_norm/b2",
                 "weight_norm/W1")
    keys = None
    for run_id in run_ids:
        run = client.get_run(run_id)
        assert run.info.status == "FINISHED"
        assert run.data.params["seed"] in {"0", "1", "2", "3"}
        for name in per_epoch:
            history = client.get_metric_history(run_id, name)
            assert len(history) == EPOCHS, (run_id, name, len(history))
            assert len({m.step for m in history}) == EPOCHS  # one value per epoch, none twice
        keys = keys or set(run.data.metrics)
        assert set(run.data.metrics) == keys  # every run got every metric
    assert {r.data.params["seed"] for r in map(client.get_run, run_ids)} == {"0", "1", "2", "3"}
    assert _runs_in_postgres(team_server.database, run_ids) == 4


def test_a_server_that_is_down_fails_in_seconds(tables):
    """MLflow alone retries for minutes; geonet sets a 30 s timeout and 2 retries for http stores."""
    start = time.monotonic()
    result = subprocess.run(geonet_command() + ["train", str(tables / "train.parquet"), "--tracking-uri",
                                                "http://127.0.0.1:9", "--epochs", "1", *FAST],
                            capture_output=True, text=True, env=clean_env(), timeout=120)
    elapsed = time.monotonic() - start
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: MLflow could not start a run at http://127.0.0.1:9: "
        "server not answering (connection refused; 3 attempts, 30 s timeout each)"
    ]
    assert elapsed < 30, elapsed  # about 5 s here: import, read the table, 3 attempts 1 s and 2 s apart
