"""Every command's --help: choices, defaults and literal <…> shown; usage without {…}; flags without
a value placeholder; shell completion offered."""

import re

import pytest
from typer.testing import CliRunner

from geonet.cli.app import COMMAND_MODULES, app

runner = CliRunner()
COMMANDS = [*COMMAND_MODULES, "sweep"]
WIDE = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_type_placeholders_or_braces(command):
    text = _help(command)
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage and "<" not in usage, usage
    for placeholder in ("<bool>", "<str>", "<int>", "<float>", "<path>", "<list[str]>"):
        assert placeholder not in text, (command, placeholder)


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_angle_brackets_are_literal(command):
    text = _help(command)
    assert "runs:/<id>/<model name>" in text and "models:/<name>/<version|latest>" in text


def test_choices_and_defaults_are_shown():
    train = _help("train")
    assert "[sigmoid|tanh|relu|leaky_relu]" in train and "[sgd|momentum|nesterov|adam]" in train
    assert "[default: adam]" in train and "[default: 64,64]" in train and "[default: --progress]" in train
    ingest = _help("ingest")
    assert "[parquet|csv]" in ingest and "[default: parquet]" in ingest and "[default: --no-strict]" in ingest
    assert "<out>.meta.json" in ingest
    ui = _help("ui")
    assert re.search(r"--port\s+INTEGER", ui) and "[default: 5000]" in ui
    assert "--open" in ui and "--experiment" in ui


def test_shell_completion_is_offered():
    text = _help()
    assert "--install-completion" in text and "--show-completion" in text
    result = runner.invoke(app, ["--show-completion", "bash"], env={**WIDE, "SHELL": "/bin/bash"})
    assert result.exit_code == 0 and "_GEONET_COMPLETE" in result.output
