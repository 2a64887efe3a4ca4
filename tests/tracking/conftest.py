"""Every tracking test talks to an MLflow store under pytest's tmp dir, never ./mlruns."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_mlflow(tmp_path_factory):
    """Telemetry off, and MLFLOW_TRACKING_URI pointing at a throwaway store for the session."""
    root = tmp_path_factory.mktemp("mlflow-env")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{(root / 'stray.db').as_posix()}")
        mp.chdir(root)  # any stray ./mlflow.db or ./mlruns lands here, not in the repo
        yield


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> str:
    """One SQLite tracking store shared by the session (creating one costs about 2 s)."""
    root = tmp_path_factory.mktemp("store")
    return f"sqlite:///{(root / 'mlflow.db').as_posix()}"


class FakeGeonetModel:
    """Stands in for geonet.train.model's loaded model: PRED = GR × scale from preprocess.json."""

    def __init__(self, directory) -> None:
        self.scale = json.loads((Path(directory) / "preprocess.json").read_text())["scale"]

    def predict_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"PRED": df["GR"].to_numpy(dtype=float) * self.scale})


@pytest.fixture()
def fake_model_module(monkeypatch):
    """A ``geonet.train.model`` module whose ``load_model(dir)`` returns :class:`FakeGeonetModel`."""
    module = types.ModuleType("geonet.train.model")
    module.load_model = FakeGeonetModel
    monkeypatch.setitem(sys.modules, "geonet.train.model", module)
    return module


@pytest.fixture()
def model_dir(tmp_path) -> Path:
    """A minimal geonet model directory: network.npz + preprocess.json."""
    directory = tmp_path / "model"
    directory.mkdir()
    np.savez(directory / "network.npz", W1=np.ones((2, 2)))
    (directory / "preprocess.json").write_text(json.dumps({"scale": 2.0}))
    return directory
