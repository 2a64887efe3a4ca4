"""A logged model installs and predicts in a new virtual environment that has no geonet.

The environment gets only the model's own ``requirements.txt`` (pinned mlflow-skinny, numpy,
pandas); geonet's code comes from the model's ``code/`` folder. With pip's cache the install takes
~25 s on an idle 2-core machine, 60–80 s when the machine is busy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv

import pandas as pd
import pytest
from typer.testing import CliRunner

from geonet.cli.app import app

pytestmark = pytest.mark.slow

PREDICT = """
import importlib.util, json, sys
assert importlib.util.find_spec("geonet") is None, "geonet must not be installed here"
import mlflow.pyfunc, pandas as pd
model = mlflow.pyfunc.load_model(sys.argv[1])
pred = model.predict(pd.read_csv(sys.argv[2]))
print(json.dumps({"pred": pred.iloc[:, 0].tolist(), "geonet": sys.modules["geonet"].__file__}))
"""


def _pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    return env


def test_logged_model_runs_in_fresh_venv_without_geonet(tmp_path, tracking_uri, synthetic_wells):
    import mlflow

    runner = CliRunner()
    table = tmp_path / "wells.parquet"
    assert runner.invoke(app, ["ingest", *map(str, synthetic_wells), "--out", str(table), "--no-progress"]).exit_code == 0
    out = runner.invoke(app, ["train", str(table), "--val-wells", "WELL-C", "--hidden", "8", "--epochs", "3",
                              "--ensemble", "1", "--no-progress"])
    assert out.exit_code == 0, out.output
    model_uri = [line for line in out.output.splitlines() if line.startswith("model:")][-1].split(":", 1)[1].strip()
    local = tmp_path / "downloaded"
    mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=str(local), tracking_uri=tracking_uri)
    model_path = next(p.parent for p in local.rglob("MLmodel"))

    requirements = (model_path / "requirements.txt").read_text().split()
    names = {r.split("==")[0] for r in requirements}
    assert names == {"mlflow-skinny", "numpy", "pandas"}, requirements  # no bare, unrelated `geonet`
    assert all("==" in r for r in requirements)
    assert (model_path / "code" / "geonet" / "train" / "model.py").is_file()
    assert (model_path / "code" / "geonet" / "train" / "lithology.toml").is_file()  # data tables too
    assert not list((model_path / "code").rglob("__pycache__"))

    wells = pd.read_parquet(table)
    wells = wells[wells["WELL"] == "WELL-C"]
    csv = tmp_path / "well_c.csv"
    wells.drop(columns=["LITHOLOGY"]).to_csv(csv, index=False)
    expected = mlflow.pyfunc.load_model(str(model_path)).predict(pd.read_csv(csv)).iloc[:, 0].tolist()

    env_dir = tmp_path / "fresh-venv"
    venv.create(env_dir, with_pip=True)  # no --system-site-packages: nothing of this environment
    python = env_dir / "bin" / "python"
    work = tmp_path / "elsewhere"
    work.mkdir()  # not the repository, so no geonet on the path by accident
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-compile", "-r", str(model_path / "requirements.txt")],
                             capture_output=True, text=True, cwd=work, env=_pip_env(), timeout=600)
    assert install.returncode == 0, install.stderr[-2000:]
    run = subprocess.run([str(python), "-c", PREDICT, str(model_path), str(csv)], capture_output=True, text=True,
                         cwd=work, env=_pip_env(), timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["geonet"].startswith(str(model_path / "code" / "geonet"))
    assert got["pred"] == expected
    assert len(got["pred"]) == len(wells) and sys.executable != str(python)
