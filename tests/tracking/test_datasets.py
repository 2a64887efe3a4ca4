"""Feature tables as dataset inputs of a run; metrics linked to a logged model and a dataset."""

import json

import pandas as pd
import pytest

from geonet.tracking.datasets import log_table_inputs, table_dataset
from geonet.tracking.logger import RunTracker
from geonet.tracking.pyfunc_model import log_pyfunc_model, logged_model_id, model_name

SHA = "ab" * 32
FRAME = pd.DataFrame({"WELL": ["W2", "W1", "W1"], "DEPTH_M": [1.0, 2.0, 3.0], "GR": [50.0, 60.0, 70.0],
                      "LITHOLOGY": [65000.0, 30000.0, 30000.0]})


def test_table_dataset_carries_path_sha_wells_rows(tmp_path):
    entity = table_dataset(tmp_path / "wells.parquet", FRAME, sha256=SHA, label="training wells",
                           targets="LITHOLOGY")
    assert entity.name == "wells.parquet · training wells"
    assert entity.digest == SHA[:16] and entity.source_type == "local"
    assert json.loads(entity.source) == {"uri": str((tmp_path / "wells.parquet").resolve())}
    profile = json.loads(entity.profile)
    assert profile == {"num_rows": 3, "num_wells": 2, "sha256": SHA, "wells": ["W1", "W2"], "targets": "LITHOLOGY"}
    columns = [c["name"] for c in json.loads(entity.schema)["mlflow_colspec"]]
    assert columns == ["WELL", "DEPTH_M", "GR", "LITHOLOGY"]


def test_model_names():
    assert model_name("classify", "LITHOLOGY") == "lithology-classifier"
    assert model_name("regress", "RHOB") == "rhob-regressor"
    assert model_name("regress", "PHIT / core") == "phit-core-regressor"  # usable in runs:/<id>/<name>


def test_inputs_and_model_linked_metrics(store, tmp_path, model_dir, fake_model_module):
    from mlflow import MlflowClient

    example = pd.DataFrame({"GR": [10.0], "RHOB": [2.3]})
    with RunTracker(store, "datasets") as run:
        [train_in, val_in] = log_table_inputs(run, [
            (tmp_path / "w.parquet", FRAME.iloc[1:], SHA, "training wells", "training", "LITHOLOGY"),
            (tmp_path / "w.parquet", FRAME.iloc[:1], SHA, "validation wells", "validation", "LITHOLOGY")])
        uri = log_pyfunc_model(run, model_dir, example, pd.DataFrame({"PRED": [1.0]}), name="lithology-classifier")
        model_id = logged_model_id(uri, store)
        run.log_metrics({"model_val_accuracy": 0.75}, model_id=model_id, dataset=val_in)
        run.describe("**Classification of LITHOLOGY**")
    assert uri == f"runs:/{run.run_id}/lithology-classifier"
    assert model_id.startswith("m-") and logged_model_id(f"models:/{model_id}", store) == model_id
    assert logged_model_id(str(model_dir), store) is None
    client = MlflowClient(store)
    got = client.get_run(run.run_id)
    inputs = {d.dataset.name: {t.key: t.value for t in d.tags} for d in got.inputs.dataset_inputs}
    assert inputs["w.parquet · training wells"]["mlflow.data.context"] == "training"
    assert inputs["w.parquet · validation wells"]["geonet.sha256"] == SHA
    assert train_in.context == "training"
    assert got.data.tags["mlflow.note.content"] == "**Classification of LITHOLOGY**"
    assert got.data.metrics["model_val_accuracy"] == pytest.approx(0.75)
    model = client.get_logged_model(model_id)
    assert model.name == "lithology-classifier"
    [metric] = model.metrics
    assert (metric.key, metric.dataset_name, metric.dataset_digest) == (
        "model_val_accuracy", "w.parquet · validation wells", SHA[:16])


def test_runs_and_models_carry_source_and_description(store, model_dir, fake_model_module):
    from mlflow import MlflowClient

    example = pd.DataFrame({"GR": [10.0], "RHOB": [2.3]})
    with RunTracker(store, "source", tags={"geonet.command": "train"}) as run:
        uri = log_pyfunc_model(run, model_dir, example, pd.DataFrame({"PRED": [1.0]}), description="**about**")
    client = MlflowClient(store)
    tags = client.get_run(run.run_id).data.tags
    assert tags["mlflow.source.name"] == "geonet train" and tags["mlflow.source.type"] == "LOCAL"
    model = client.get_logged_model(logged_model_id(uri, store))
    assert model.tags["mlflow.note.content"] == "**about**"
    assert model.tags["mlflow.source.name"] == "geonet train"


class _RacingClient:
    """Forwards to a real client, but its first ``losses`` log_inputs calls lose an insert race."""

    def __init__(self, client, losses, message, error=RuntimeError):
        self._client, self.losses, self.message, self.error, self.calls = client, losses, message, error, 0

    def __getattr__(self, name):
        return getattr(self._client, name)

    def log_inputs(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.losses:
            raise self.error(self.message)
        return self._client.log_inputs(*args, **kwargs)


from mlflow.entities import DatasetInput  # noqa: E402 (beside the fakes that use it)

RACE = ('BAD_REQUEST: (psycopg.errors.UniqueViolation) duplicate key value violates unique constraint '
        '"dataset_pk"')


def test_a_lost_insert_race_on_a_dataset_is_retried(tracking_uri, tmp_path, monkeypatch):
    """Trainers logging one table at once race to create its dataset record (seen on a PostgreSQL
    team server); the losers repeat the call and find the record made."""
    monkeypatch.setattr("geonet.tracking.logger.time.sleep", lambda seconds: None)
    with RunTracker(tracking_uri, "race") as run:
        run.client = _RacingClient(run.client, 2, RACE)
        run.log_inputs([DatasetInput(table_dataset(tmp_path / "w.parquet", FRAME, sha256=SHA, label="training wells"))])
        assert run.client.calls == 3
        run_id = run.run_id
    from mlflow import MlflowClient

    inputs = MlflowClient(tracking_uri).get_run(run_id).inputs.dataset_inputs
    assert [d.dataset.name for d in inputs] == ["w.parquet · training wells"]


def test_other_log_input_failures_are_not_retried(tracking_uri, tmp_path):
    from geonet.errors import TrackingError

    with pytest.raises(TrackingError):
        with RunTracker(tracking_uri, "race") as run:
            run.client = _RacingClient(run.client, 5, "connection refused", error=ConnectionError)
            try:
                run.log_inputs([DatasetInput(table_dataset(tmp_path / "w.parquet", FRAME, sha256=SHA, label="x"))])
            finally:
                assert run.client.calls == 1
