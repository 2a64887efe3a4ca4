from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geonet.errors import ModelError
from geonet.tracking.logger import RunTracker
from geonet.tracking.pyfunc_model import log_pyfunc_model, register_model, resolve_model_dir

INPUT = pd.DataFrame({"GR": [10.0, 20.0], "RHOB": [2.3, 2.4]})
OUTPUT = pd.DataFrame({"PRED": [20.0, 40.0]})


@pytest.fixture()
def logged(store, model_dir, fake_model_module):
    with RunTracker(store, "pyfunc", run_name="fit") as run:
        uri = log_pyfunc_model(run, model_dir, INPUT, OUTPUT)
    return run, uri


def test_logged_model_predicts_through_geonet_loader(logged, store):
    import mlflow

    run, uri = logged
    assert uri == f"runs:/{run.run_id}/model"
    mlflow.set_tracking_uri(store)
    model = mlflow.pyfunc.load_model(uri)
    got = model.predict(pd.DataFrame({"GR": [1.0, 3.0], "RHOB": [2.0, 2.1]}))
    pd.testing.assert_frame_equal(got, pd.DataFrame({"PRED": [2.0, 6.0]}))
    assert model.metadata.get_input_schema().input_names() == ["GR", "RHOB"]


def test_resolve_model_dir_from_run_and_local(logged, store, tmp_path, model_dir):
    _, uri = logged
    local = resolve_model_dir(uri, store, dst_path=tmp_path / "download")
    assert (local / "network.npz").is_file() and (local / "preprocess.json").is_file()
    assert resolve_model_dir(str(model_dir), store) == model_dir
    assert resolve_model_dir(str(tmp_path / "download"), store) == local  # a downloaded MLflow model
    with pytest.raises(ModelError):
        resolve_model_dir(str(tmp_path / "missing"), store)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="network.npz"):
        resolve_model_dir(str(tmp_path / "empty"), store)


def test_register_and_resolve_latest(logged, store):
    _, uri = logged
    first = register_model(uri, "geonet-lith", store)
    second = register_model(uri, "geonet-lith", store)
    assert int(second) == int(first) + 1
    for ref in ("models:/geonet-lith/latest", f"models:/geonet-lith/{first}"):
        local = resolve_model_dir(ref, store)
        assert np.load(local / "network.npz")["W1"].shape == (2, 2)


def test_unknown_model_uri_is_a_model_error(store):
    with pytest.raises(ModelError, match="no-such-model"):
        resolve_model_dir("models:/no-such-model/1", store)


def test_not_a_model_directory(store, tmp_path):
    with RunTracker(store, "pyfunc") as run:
        with pytest.raises(ModelError, match="network.npz"):
            log_pyfunc_model(run, tmp_path, INPUT, OUTPUT)


def test_logged_model_carries_geonet_code_and_pinned_requirements(logged, store, tmp_path):
    import mlflow
    from importlib.metadata import version

    _, uri = logged
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(tmp_path / "m"),
                                                     tracking_uri=store))
    requirements = (local / "requirements.txt").read_text().split()
    assert sorted(requirements) == sorted([f"mlflow-skinny=={version('mlflow-skinny')}",
                                           f"numpy=={version('numpy')}", f"pandas=={version('pandas')}"])
    code = local / "code" / "geonet"
    assert (code / "__init__.py").is_file() and (code / "train" / "model.py").is_file()
    assert (code / "features" / "aliases.toml").is_file()
    assert not list(code.rglob("*.pyc"))


def test_pinned_requirements_fall_back_to_full_mlflow(monkeypatch):
    from importlib import metadata

    from geonet.tracking import pyfunc_model

    real = metadata.version

    def version(name):
        if name == "mlflow-skinny":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(pyfunc_model.metadata, "version", version)
    pins = pyfunc_model.pinned_requirements()
    assert pins[0] == f"mlflow=={real('mlflow')}" and pins[1].startswith("numpy==")
