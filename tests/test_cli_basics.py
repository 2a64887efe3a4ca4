"""The CLI shell: quick help, versions, and one-line errors for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from geonet import __version__
from geonet.cli.app import app

runner = CliRunner()
COMMANDS = ["ingest", "train", "predict", "evaluate", "ui", "run", "sweep"]


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from geonet.cli.app import app; "
            "heavy = [m for m in ('mlflow', 'lasio', 'xarray', 'matplotlib', 'pyarrow') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_train_on_missing_table_is_one_line(tmp_path, tracking_uri):
    result = runner.invoke(app, ["train", str(tmp_path / "nope.parquet")])
    assert result.exit_code != 0
    assert "nope.parquet" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_bad_option_value_is_one_line(tmp_path, tracking_uri, synthetic_wells):
    table = tmp_path / "t.parquet"
    assert runner.invoke(app, ["ingest", *map(str, synthetic_wells[:2]), "--out", str(table), "--no-progress"]).exit_code == 0
    result = runner.invoke(app, ["train", str(table), "--val-wells", "NOT-A-WELL"])
    assert result.exit_code == 1
    assert "NOT-A-WELL" in result.output and "WELL-A" in result.output
    result = runner.invoke(app, ["train", str(table), "--activation", "swish", "--epochs", "1"])
    assert result.exit_code == 2 and "swish" in result.output  # a bad option value is a usage error


def test_predict_with_unknown_model_dir(tmp_path, synthetic_wells):
    result = runner.invoke(app, ["predict", str(synthetic_wells[0]), "--model", str(tmp_path / "nomodel")])
    assert result.exit_code == 1
    assert "nomodel" in result.output and "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path):
    result = runner.invoke(app, ["--debug", "train", str(tmp_path / "nope.parquet")])
    assert result.exit_code != 0
    assert result.exception is not None and not isinstance(result.exception, SystemExit)


def test_debug_does_not_leak_into_the_next_invocation(tmp_path):
    runner.invoke(app, ["--debug", "train", str(tmp_path / "nope.parquet")])
    result = runner.invoke(app, ["train", str(tmp_path / "nope.parquet")])
    assert result.exit_code == 1 and result.output.startswith("error: ")
