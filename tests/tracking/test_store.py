
import pytest

from geonet.errors import TrackingError
from geonet.tracking.store import (
    default_artifact_root,
    get_or_create_experiment,
    make_client,
    resolve_tracking_uri,
)


def test_cli_value_beats_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://env:5000")
    assert resolve_tracking_uri("http://cli:5000", tmp_path) == "http://cli:5000"


def test_environment_beats_default(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://env:5000")
    assert resolve_tracking_uri(None, tmp_path) == "http://env:5000"
    assert not (tmp_path / "mlruns").exists()


def test_default_is_absolute_sqlite_under_root_mlruns(monkeypatch, tmp_path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = resolve_tracking_uri(None, tmp_path)
    assert uri == f"sqlite:///{(tmp_path.resolve() / 'mlruns' / 'mlflow.db').as_posix()}"
    assert uri.startswith("sqlite:////")  # four slashes: an absolute path
    assert (tmp_path / "mlruns").is_dir()
    assert default_artifact_root(uri) == tmp_path.resolve() / "mlruns" / "artifacts"


def test_default_root_is_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_tracking_uri(None).endswith(f"{tmp_path.resolve().as_posix()}/mlruns/mlflow.db")


def test_plain_db_path_becomes_sqlite_uri(tmp_path):
    uri = resolve_tracking_uri(str(tmp_path / "x" / "runs.db"), tmp_path)
    assert uri == f"sqlite:///{(tmp_path.resolve() / 'x' / 'runs.db').as_posix()}"
    with pytest.raises(TrackingError):
        resolve_tracking_uri("not-a-uri", tmp_path)


def test_no_artifact_root_for_servers():
    assert default_artifact_root("http://localhost:5000") is None


def test_experiment_gets_explicit_artifact_location(store):
    client = make_client(store)
    root = default_artifact_root(store)
    exp_id = get_or_create_experiment(client, "geonet/lithology test", root)
    assert get_or_create_experiment(client, "geonet/lithology test", root) == exp_id
    location = client.get_experiment(exp_id).artifact_location
    assert location == (root / "geonet_lithology_test").as_uri()
