"""Loading pipelines: paths, --set overrides, references, errors."""

from pathlib import Path

import pytest

from geonet.errors import ConfigError
from geonet.pipeline.config import load_pipeline, parse_set

PIPELINE = """
[pipeline]
name = "demo"
experiment = "exp"

[[steps]]
kind = "ingest"
inputs = ["../data/*.txt", "~/home.txt", "{abs}"]
out = "../out/train.parquet"
step-m = 0.5

[[steps]]
kind = "train"
table = "@ingest.out_path"
target = "LITHOLOGY"
hidden = [32, 32]
lr = 0.001

[[steps]]
kind = "evaluate"
model = "@train.model_uri"
table = "../out/train.parquet"
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "b.txt").write_text("b")
    (tmp_path / "data" / "a.txt").write_text("a")
    (tmp_path / "pipelines").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "pipelines" / "demo.toml"
    path.write_text(PIPELINE.replace("{abs}", str(tmp_path / "abs.txt")))
    return path


def test_load_resolves_paths_relative_to_the_file(project):
    root = project.parent.parent
    p = load_pipeline(project)
    assert (p.name, p.experiment, [s.name for s in p.steps]) == ("demo", "exp", ["ingest", "train", "evaluate"])
    ingest = p.step("ingest")
    assert ingest.options["inputs"] == [
        str(root / "data" / "a.txt"), str(root / "data" / "b.txt"),  # glob expanded, sorted
        str(root / "home" / "home.txt"), str(root / "abs.txt"),
    ]
    assert ingest.options["out"] == str(root / "out" / "train.parquet")
    assert ingest.options["step_m"] == 0.5  # hyphen accepted
    assert p.step("train").options["table"] == "@ingest.out_path"  # references stay until run time
    assert p.step("evaluate").options["model"] == "@train.model_uri"


@pytest.mark.parametrize(
    "expr, key, value",
    [
        ("train.lr=0.003", "lr", 0.003),
        ("train.epochs=5", "epochs", 5),
        ("train.hidden=[64, 64]", "hidden", [64, 64]),
        ("train.activation=tanh", "activation", "tanh"),
        ('train.activation="sigmoid"', "activation", "sigmoid"),
        ("train.batch-size=128", "batch_size", 128),
        ("train.val_wells=[\"A\", \"B\"]", "val_wells", ["A", "B"]),
    ],
)
def test_set_overrides(project, expr, key, value):
    assert load_pipeline(project, [expr]).step("train").options[key] == value


def test_set_path_is_relative_to_the_pipeline(project):
    p = load_pipeline(project, ["evaluate.table=../out/test.parquet"])
    assert p.step("evaluate").options["table"] == str(project.parent.parent / "out" / "test.parquet")


def test_set_pipeline_table(project):
    assert load_pipeline(project, ["pipeline.experiment=other"]).experiment == "other"


def test_parse_set_nested_keys():
    assert parse_set("sweep.grid.lr=[1e-3, 3e-3]") == ("sweep", ["grid", "lr"], [1e-3, 3e-3])


@pytest.mark.parametrize(
    "expr, message",
    [
        ("nosuch.lr=1", "no step named 'nosuch'"),
        ("train.lr", "expected STEP.KEY=VALUE"),
        ("lr=1", "expected STEP.KEY=VALUE"),
        ("train.learning_rate=1", "unknown option"),
    ],
)
def test_bad_set_names_file_and_step(project, expr, message):
    with pytest.raises(ConfigError, match=message) as err:
        load_pipeline(project, [expr])
    assert str(project) in str(err.value)


def _write(tmp_path, body) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    "body, message",
    [
        ('[[steps]]\nkind = "bake"\n', "unknown step kind 'bake'"),
        ('[[steps]]\nkind = "evaluate"\nmodel = "m"\ntable = "t"\ncolour = 1\n', "step 'evaluate' .* unknown option"),
        ('[[steps]]\nkind = "evaluate"\nmodel = "@train.model_uri"\ntable = "t"\n', "reference '@train.model_uri'"),
        ('[[steps]]\nkind = "evaluate"\nmodel = "m"\n', "missing option.*table"),
        ('[[steps]]\nkind = "evaluate"\nmodel = "m"\ntable = "t"\n[[steps]]\nkind = "evaluate"\nmodel = "m"\ntable = "t"\n', "used twice"),
        ("[pipeline]\nname = 'x'\n", "no \\[\\[steps\\]\\]"),
        ("[[steps]\n", "invalid TOML"),
    ],
)
def test_config_errors_name_the_file(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError, match=message) as err:
        load_pipeline(path)
    assert str(path) in str(err.value)


def test_model_uri_is_not_a_path(tmp_path):
    path = _write(tmp_path, '[[steps]]\nkind = "evaluate"\nmodel = "models:/lith/latest"\ntable = "t.parquet"\n')
    step = load_pipeline(path).step("evaluate")
    assert step.options["model"] == "models:/lith/latest"
    assert step.options["table"] == str(tmp_path / "t.parquet")


def test_sweep_options_are_checked(tmp_path):
    body = '[[steps]]\nkind = "sweep"\ntable = "t"\ntarget = "LITHOLOGY"\nrandom = {lr = [0.1]}\n'
    with pytest.raises(ConfigError, match="trials"):
        load_pipeline(_write(tmp_path, body))
    body = '[[steps]]\nkind = "sweep"\ntable = "t"\ntarget = "L"\ngrid = {lr = [0.1]}\nrandom = {lr = [0.1]}\n'
    with pytest.raises(ConfigError, match="exactly one"):
        load_pipeline(_write(tmp_path, body))


@pytest.mark.parametrize("content", [b"root:x:0:0:root:/root:/bin/bash\n", b"\xff\xfe\x00binary"])
def test_unreadable_pipeline_is_refused_without_echoing_it(tmp_path, content):
    path = tmp_path / "p.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        load_pipeline(path)
    assert str(path) in str(err.value) and "root:x" not in str(err.value) and "binary" not in str(err.value)
