"""A real pipeline: ingest → derive → train → evaluate → predict, and a sweep, MLflow in tmp_path."""

import pytest
from typer.testing import CliRunner

from geonet.cli.app import app

pytestmark = pytest.mark.slow
runner = CliRunner()

PIPELINE = """
[pipeline]
name = "e2e"
experiment = "pipe-e2e"

[[steps]]
kind = "ingest"
name = "ingest_train"
inputs = ["las/A.las", "las/B.las"]
out = "out/train.parquet"

[[steps]]
kind = "ingest"
name = "ingest_test"
inputs = ["las/C.las"]
out = "out/test.parquet"

[[steps]]
kind = "derive"
table = "@ingest_train.out_path"
out = "out/train_derived.parquet"
formulas = ["density_porosity", {name = "vsh_larionov", rocks = "older"}, "log10_resistivities"]

[[steps]]
kind = "train"
table = "@derive.out_path"
target = "LITHOLOGY"
features = ["GR", "RHOB", "NPHI", "DTC", "RDEP"]
hidden = [8]
epochs = 3
batch-size = 32
val_wells = ["WELL-B"]

[[steps]]
kind = "evaluate"
model = "@train.model_uri"
table = "@ingest_test.out_path"

[[steps]]
kind = "predict"
model = "@train.model_uri"
inputs = ["las/C.las"]
out_dir = "out/pred"

[[steps]]
kind = "sweep"
table = "@ingest_train.out_path"
target = "LITHOLOGY"
hidden = [8]
epochs = 2
val_wells = ["WELL-B"]
grid = {lr = [0.001, 0.01]}
jobs = 2
metric = "val_loss"
mode = "min"
register = "pipe-lith"
"""


def test_real_pipeline(tmp_path, tracking_uri, synthetic_wells):
    path = tmp_path / "e2e.toml"
    path.write_text(PIPELINE)
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert result.output.count("[ok]") == 7, result.output

    from geonet.features.table import read_feature_table

    derived = read_feature_table(tmp_path / "out" / "train_derived.parquet")
    assert {"PHID", "VSH", "RDEP_LOG10"} <= set(derived.columns)
    assert derived.attrs["geonet"]["units"]["PHID"] == "v/v"
    assert list((tmp_path / "out" / "pred").iterdir())

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    assert client.search_model_versions("name = 'pipe-lith'")

    again = runner.invoke(app, ["run", str(path), "--set", "evaluate.table=out/train.parquet"])
    assert again.exit_code == 0, again.output
    assert again.output.count("[skipped]") == 6 and "[ok] evaluate" in again.output
