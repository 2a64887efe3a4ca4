"""The typed spec: every option reachable from every door under one name, checked before anything runs."""

from __future__ import annotations

import enum
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from geonet.cli.app import app
from geonet.errors import OptionError
from geonet.pipeline.context import spec_options
from geonet.pipeline.registry import STEP_KINDS
from geonet.spec import IngestSpec, Param, PredictSpec, TrainSpec

runner = CliRunner()


def sample(param: Param) -> tuple[object, str, str]:
    """A valid non-default value of ``param``: (expected spec value, command-line text, TOML text)."""
    if param.choices:
        default = getattr(param.default, "value", param.default)
        choice = next(c for c in param.choices if c != default)
        return param.item(choice), choice, f'"{choice}"'
    if param.base is bool:
        return (not param.default), "", str(not param.default).lower()
    if param.is_list:
        items = {int: (7, 9), float: (10.0, 90.0), str: ("GR", "RHOB")}[param.item]
        text = ",".join(str(v) for v in items)
        toml = "[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in items) + "]"
        return items, text, toml
    if param.name == "scheduler":
        return "local:3", "local:3", '"local:3"'
    if param.name == "memory_budget":  # a text option with a format of its own
        return "2GB", "2GB", '"2GB"'
    if param.base is str:
        return "PHIT", "PHIT", '"PHIT"'
    value = {int: 3, float: 0.25}[param.base]
    return value, str(value), str(value)


def _cli_args(param: Param, text: str) -> list[str]:
    if param.base is bool:
        on, _, off = (param.option.flag or f"{param.flag}/--no-{param.flag[2:]}").partition("/")
        return [on if text == "" and not param.default else off]
    return [param.flag, text]


PARAMS = TrainSpec.params()


def _spec_value(spec: TrainSpec, param: Param):
    return getattr(getattr(spec, param.section), param.name)


@pytest.fixture
def captured(monkeypatch):
    """``geonet train`` with the workflow replaced: the spec it was given is kept."""
    import geonet.workflows as workflows

    seen = {}

    def fake_train(table, spec, **kwargs):
        seen["spec"] = spec
        return SimpleNamespace(train_wells=["A"], val_wells=[], metrics={}, run_id="r", model_uri="runs:/r/model",
                               features=["GR"], left_out={}, notes=[])

    monkeypatch.setattr(workflows, "train", fake_train)
    return seen


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_every_train_option_is_reachable_from_every_door_by_one_name(param, captured, tmp_path):
    from geonet.pipeline.config import load_pipeline

    def _train_config(options):
        return TrainSpec.from_options(spec_options(STEP_KINDS["train"], options))

    expected, text, toml = sample(param)
    # 1. the command line: --name
    result = runner.invoke(app, ["train", "t.parquet", *_cli_args(param, text)])
    assert result.exit_code == 0, result.output
    assert _spec_value(captured["spec"], param) == expected
    # 2. a --config file: name = value (flat and under [train])
    for body in (f"{param.name} = {toml}\n", f"[train]\n{param.name} = {toml}\n"):
        config = tmp_path / "c.toml"
        config.write_text(body)
        result = runner.invoke(app, ["train", "t.parquet", "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert _spec_value(captured["spec"], param) == expected
    # 3. a pipeline train step: name = value, and --set train.name=value
    pipeline = tmp_path / "p.toml"
    pipeline.write_text(f'[[steps]]\nkind = "train"\ntable = "t.parquet"\n{param.name} = {toml}\n')
    step = load_pipeline(pipeline).step("train")
    assert _spec_value(_train_config(step.options), param) == expected
    pipeline.write_text('[[steps]]\nkind = "train"\ntable = "t.parquet"\n')
    step = load_pipeline(pipeline, [f"train.{param.name}={toml}"]).step("train")
    assert _spec_value(_train_config(step.options), param) == expected


def test_help_shows_every_option_with_choices_and_defaults():
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for param in PARAMS:
        assert (param.option.flag or param.flag).split("/")[0] in result.output, param.name
    assert "[sigmoid|tanh|relu|leaky_relu]" in result.output
    assert "[default: 0.001]" in result.output and "[default: adam]" in result.output
    assert "runs:/<id>/<model name>" in result.output
    assert "<bool>" not in result.output and "{TABLE}" not in result.output and "Usage: geonet train [OPTIONS] TABLE" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--optimizer", "adamm"], "--optimizer: 'adamm' is not one of sgd, momentum, nesterov, adam (did you mean 'adam'?)"),
        (["--activation", "swish"], "--activation: 'swish' is not one of"),
        (["--l2", "-1"], "--l2: must be >= 0"),
        (["--l2", "nan"], "--l2: expected a finite number"),
        (["--patience", "-1"], "--patience: must be >= 0"),
        (["--max-rows-per-well", "0"], "--max-rows-per-well: must be >= 1"),
        (["--hidden", "64,a"], "--hidden: expected a whole number, got 'a'"),
        (["--target", "WELL"], "target: 'WELL' is a table's index column"),
        (["--epochs", "three"], "--epochs: expected a whole number, got 'three'"),
    ],
)
def test_bad_option_exits_2_before_any_run(args, message, tracking_uri, tmp_path, synthetic_wells):
    table = tmp_path / "t.parquet"
    assert runner.invoke(app, ["ingest", *map(str, synthetic_wells[:2]), "--out", str(table), "--no-progress"]).exit_code == 0
    result = runner.invoke(app, ["train", str(table), "--epochs", "1", *args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _runs_in_store(tracking_uri) == 0


def _runs_in_store(uri: str) -> int:
    db = Path(uri.removeprefix("sqlite:///"))
    if not db.exists():
        return 0
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    return len(client.search_runs(experiments)) if experiments else 0


@pytest.mark.parametrize(
    "body, message",
    [
        ('hidden = ["a"]\n', "hidden: expected a whole number, got 'a'"),
        ('epochs = "three"\n', "epochs: expected a whole number, got 'three'"),
        ("lrr = 0.1\n", "unknown option 'lrr'; did you mean 'lr'?"),
        ("root:x:0:0:root:/root:/bin/bash\n" * 3, "not a TOML file"),
    ],
)
def test_bad_config_file_is_one_line_naming_the_file(body, message, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(body)
    result = runner.invoke(app, ["train", "t.parquet", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert message in result.output and str(config) in result.output
    assert "root:x" not in result.output  # file contents are never echoed beyond the token at fault


def test_data_errors_are_found_before_the_run(tracking_uri, tmp_path):
    import numpy as np
    import pandas as pd

    table = tmp_path / "one_class.csv"
    pd.DataFrame({"WELL": ["A"] * 30 + ["B"] * 30, "DEPTH_M": np.arange(60.0), "GR": np.arange(60.0),
                  "LITHOLOGY": 65000.0}).to_csv(table, index=False)
    result = runner.invoke(app, ["train", str(table), "--epochs", "1"])
    assert result.exit_code == 1 and "single class" in result.output, result.output
    few = tmp_path / "few.csv"
    pd.DataFrame({"WELL": ["A", "A", "B", "B"], "DEPTH_M": [1.0, 2, 1, 2], "GR": [1.0, 2, 3, 4],
                  "LITHOLOGY": [65000.0, 30000, 65000, np.nan]}).to_csv(few, index=False)
    result = runner.invoke(app, ["train", str(few), "--epochs", "1"])
    assert result.exit_code == 1 and "3 labelled rows" in result.output, result.output
    assert _runs_in_store(tracking_uri) == 0


def test_choices_come_from_the_nn_registries():
    from geonet.nn.activations import ACTIVATIONS
    from geonet.nn.optimizers import OPTIMIZERS
    from geonet.nn.schedules import SCHEDULES

    assert set(TrainSpec.param("optimizer").choices) == set(OPTIMIZERS)
    assert set(TrainSpec.param("schedule").choices) == set(SCHEDULES)
    assert set(TrainSpec.param("activation").choices) <= set(ACTIVATIONS)


def test_specs_are_frozen_and_option_names_unique():
    spec = TrainSpec()
    with pytest.raises(Exception):
        spec.optimisation.lr = 1.0  # type: ignore[misc]
    names = [p.name for p in TrainSpec.params()]
    assert len(names) == len(set(names))
    assert isinstance(spec.network.activation, enum.Enum) and spec.network.activation == "relu"


def test_ingest_spec_accepts_the_old_pipeline_names():
    spec = IngestSpec.from_options({"fmt": "csv", "step_m": 0.5})
    assert spec.format == "csv" and spec.step_m == 0.5
    assert IngestSpec.from_options({"step": 0.25}).step_m == 0.25
    with pytest.raises(OptionError, match="jobs: must be >= 1"):
        IngestSpec.from_options({"jobs": 0})


def test_scheduler_is_checked_before_anything_runs():
    assert IngestSpec.from_options({"scheduler": "tcp://head:8786"}).scheduler == "tcp://head:8786"
    with pytest.raises(OptionError, match="not a scheduler"):
        IngestSpec.from_options({"scheduler": "localhost"})
    with pytest.raises(OptionError, match="give one"):
        IngestSpec.from_options({"scheduler": "local:2", "jobs": 2})


@pytest.mark.parametrize("command, spec, kind, target", [
    ("ingest", IngestSpec, "ingest", "geonet.features.ingest.ingest"),
    ("predict", PredictSpec, "predict", "geonet.workflows.predict"),
])
def test_ingest_and_predict_options_are_reachable_from_the_cli_and_a_step(command, spec, kind, target, monkeypatch,
                                                                          tmp_path):
    import importlib

    from geonet.pipeline.config import load_pipeline

    module, name = target.rsplit(".", 1)
    seen = {}

    def fake(*args, **kwargs):
        seen.update(kwargs)
        raise SystemExit(0)  # stop after the call: the arguments are what is checked

    monkeypatch.setattr(importlib.import_module(module), name, fake)
    head = {"ingest": ["a.las"], "predict": ["a.las", "--model", "m"]}[command]
    step_head = {"ingest": 'inputs = ["a.las"]\nout = "o.parquet"\n',
                 "predict": 'model = "m"\ninputs = ["a.las"]\nout_dir = "o"\n'}[command]
    for param in spec.params():
        expected, text, toml = sample(param)
        seen.clear()
        runner.invoke(app, [command, *head, *_cli_args(param, text)])
        assert spec.from_options(_kwargs_back(spec, seen)).to_options()[param.name] == expected, param.name
        pipeline = tmp_path / "p.toml"
        pipeline.write_text(f'[[steps]]\nkind = "{kind}"\n{step_head}{param.name} = {toml}\n')
        step = load_pipeline(pipeline).step(kind)
        assert spec.from_options(spec_options(STEP_KINDS[kind], step.options)).to_options()[param.name] == expected


def _kwargs_back(spec, kwargs: dict) -> dict:
    """The workflow's keyword arguments back under the spec's names (fmt → format)."""
    renamed = {"fmt": "format"}
    return {renamed.get(k, k): v for k, v in kwargs.items() if renamed.get(k, k) in spec.names()}
