from dataclasses import dataclass, field

import pytest

from geonet.errors import TrackingError
from geonet.tracking.logger import FAILURE_TAG, MAX_PARAM_CHARS, RunTracker, flatten_params


@dataclass
class Event:
    epoch: int
    train_loss: float
    val_loss: float | None
    lr: float
    grad_norms: dict = field(default_factory=dict)
    weight_norms: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


def test_flatten_params():
    flat = flatten_params({"hidden": [64, 32], "opt": {"name": "adam", "lr": 0.001}, "early": True})
    assert flat == {"hidden": "64,32", "opt.name": "adam", "opt.lr": "0.001", "early": "true"}
    long = flatten_params({"x": "a" * 2000})["x"]
    assert len(long) == MAX_PARAM_CHARS and long.endswith("chars)")


def test_params_metrics_artifacts_and_finished(store, tmp_path, monkeypatch):
    calls = []
    with RunTracker(store, "logger", run_name="fit", tags={"geonet.task": "lithology"}, flush_every=7) as run:
        original = run.client.log_batch
        monkeypatch.setattr(run.client, "log_batch", lambda *a, **k: (calls.append(k), original(*a, **k)))
        run.log_params({f"p{i}": i for i in range(150)} | {"hidden": [64, 64]})
        for epoch in range(20):
            run.epoch_callback(
                Event(
                    epoch=epoch,
                    train_loss=1.0 / (epoch + 1),
                    val_loss=None if epoch == 0 else 2.0 / (epoch + 1),
                    lr=1e-3,
                    grad_norms={"W1": 0.5 * epoch, "b1": 0.1},
                    weight_norms={"W1": 3.0},
                    metrics={"val_accuracy": 0.5},
                )
            )
        (tmp_path / "notes.txt").write_text("hello")
        run.log_artifact(tmp_path / "notes.txt", "extra")
        run.log_dict({"accuracy": 0.9}, "metrics.json")
    client = run.client
    data = client.get_run(run.run_id)
    assert data.info.status == "FINISHED"
    assert data.info.run_name == "fit"
    assert data.data.params["hidden"] == "64,64" and data.data.params["p149"] == "149"
    assert data.data.tags["geonet.task"] == "lithology"
    history = client.get_metric_history(run.run_id, "train_loss")
    assert sorted((m.step, m.value) for m in history) == [(e, 1.0 / (e + 1)) for e in range(20)]
    grad = sorted((m.step, m.value) for m in client.get_metric_history(run.run_id, "grad_norm/W1"))
    assert grad == [(e, 0.5 * e) for e in range(20)]
    assert len(client.get_metric_history(run.run_id, "val_loss")) == 19  # None skipped
    for key in ("lr", "grad_norm/b1", "weight_norm/W1", "val_accuracy"):
        assert len(client.get_metric_history(run.run_id, key)) == 20
    # 2 param batches (≤ 100 each) + metrics flushed at steps 7, 14 and on exit: never per value
    metric_calls = [c for c in calls if c.get("metrics")]
    param_calls = [c for c in calls if c.get("params")]
    assert [len(c["params"]) for c in param_calls] == [100, 51]
    assert len(metric_calls) == 3
    artifacts = {f.path for f in client.list_artifacts(run.run_id)}
    assert {"extra", "metrics.json"} <= artifacts


def test_exception_marks_run_failed_with_reason(store):
    with pytest.raises(ValueError, match="loss is NaN"):
        with RunTracker(store, "logger") as run:
            run.log_metrics({"train_loss": 1.0}, step=0)
            raise ValueError("loss is NaN at epoch 3\nmore detail")
    data = run.client.get_run(run.run_id)
    assert data.info.status == "FAILED"
    assert data.data.tags[FAILURE_TAG] == "ValueError: loss is NaN at epoch 3"
    assert data.data.tags["mlflow.note.content"] == "ValueError: loss is NaN at epoch 3"
    assert len(run.client.get_metric_history(run.run_id, "train_loss")) == 1  # flushed


def test_nested_run_has_parent_tag(store):
    with RunTracker(store, "logger", run_name="sweep") as parent:
        with RunTracker(store, "logger", run_name="trial-1", parent_run_id=parent.run_id) as child:
            pass
    tags = child.client.get_run(child.run_id).data.tags
    assert tags["mlflow.parentRunId"] == parent.run_id


def test_unreachable_store_is_a_tracking_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    uri = f"sqlite:///{(blocker / 'mlflow.db').as_posix()}"
    with pytest.raises(TrackingError, match="mlflow.db"):
        with RunTracker(uri, "x"):
            pass


def test_not_started():
    with pytest.raises(RuntimeError):
        RunTracker("sqlite:///unused.db", "x").log_metrics({"a": 1.0}, step=0)


def test_unreachable_server_is_a_tracking_error(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with pytest.raises(TrackingError, match=r"http://127\.0\.0\.1:9"):
        RunTracker("http://127.0.0.1:9", "x").start()


def test_experiments_are_marked_as_model_training(store):
    from mlflow import MlflowClient

    from geonet.tracking.logger import EXPERIMENT_KIND_TAG

    with RunTracker(store, "kind-new") as run:
        pass
    client = MlflowClient(store)
    assert client.get_experiment(run.experiment_id).tags[EXPERIMENT_KIND_TAG] == "custom_model_development"
    # a kind chosen by the user (in the UI or by hand) is kept
    other = client.create_experiment("kind-user")
    client.set_experiment_tag(other, EXPERIMENT_KIND_TAG, "genai_development")
    with RunTracker(store, "kind-user"):
        pass
    assert client.get_experiment(other).tags[EXPERIMENT_KIND_TAG] == "genai_development"
