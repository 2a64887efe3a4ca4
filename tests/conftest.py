import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/synthetic.py helpers

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture
def tracking_uri(tmp_path, monkeypatch):
    """An MLflow store inside tmp_path; tests never touch the repository's mlruns/."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    return uri


@pytest.fixture
def synthetic_wells(tmp_path):
    """Three small labelled wells (A, B train/validate; C held out) as LAS 2.0 files."""
    from synthetic import write_las

    folder = tmp_path / "las"
    folder.mkdir()
    return [write_las(folder / f"{name}.las", f"WELL-{name}", seed) for name, seed in (("A", 1), ("B", 2), ("C", 3))]
