"""Sweeps: grid expansion, seeded random sampling, best selection, parallel trials, register."""

import os

import numpy as np
import pytest

import pipeline_fakes
from geonet.errors import ConfigError
from geonet.pipeline import load_pipeline, load_sweep, run_pipeline
from geonet.pipeline.kinds.sweep import expand_grid, sample_random, select_best
from pipeline_fakes import FakeTrackers


@pytest.fixture(autouse=True)
def fake_trainer(monkeypatch):
    """Sweeps name their trainer from the registry; the tests register a picklable fake."""
    from geonet.pipeline.kinds.train import TRAINERS

    monkeypatch.setitem(TRAINERS, "fake", pipeline_fakes.fake_trial)


def test_expand_grid():
    grid = {"lr": [1e-3, 3e-3], "hidden": [[32], [64, 64]]}
    assert expand_grid(grid) == [
        {"lr": 1e-3, "hidden": [32]}, {"lr": 1e-3, "hidden": [64, 64]},
        {"lr": 3e-3, "hidden": [32]}, {"lr": 3e-3, "hidden": [64, 64]},
    ]


def test_random_sampling_is_seeded_and_in_range():
    space = {"lr": {"log_uniform": [1e-4, 1e-2]}, "l2": {"uniform": [0, 0.1]},
             "epochs": {"int": [3, 5]}, "hidden": [[32], [64, 64]]}
    a = sample_random(space, 20, np.random.default_rng(7))
    b = sample_random(space, 20, np.random.default_rng(7))
    c = sample_random(space, 20, np.random.default_rng(8))
    assert a == b and a != c
    assert all(1e-4 <= t["lr"] <= 1e-2 and 0 <= t["l2"] <= 0.1 for t in a)
    assert {t["epochs"] for t in a} == {3, 4, 5}
    assert {tuple(t["hidden"]) for t in a} == {(32,), (64, 64)}


def test_select_best_by_metric_and_mode():
    trials = [
        {"trial": 0, "metrics": {"val_loss": 0.5, "val_penalty": 0.7}},
        {"trial": 1, "metrics": {"val_loss": 0.3, "val_penalty": 0.6}},
        {"trial": 2, "error": "diverged", "metrics": {}},
        {"trial": 3, "metrics": {"val_loss": float("nan"), "val_penalty": 0.9}},
    ]
    assert select_best(trials, "val_loss", "min")["trial"] == 1
    assert select_best(trials, "val_penalty", "max")["trial"] == 3
    with pytest.raises(ConfigError, match="val_r2"):
        select_best(trials, "val_r2", "max")


SWEEP = """
[pipeline]
name = "sw"

[[steps]]
kind = "sweep"
name = "search"
table = "t.parquet"
target = "LITHOLOGY"
epochs = 3
grid = {{lr = [0.001, 0.002, 0.004], hidden = [[8], [64, 64]]}}
metric = "val_loss"
mode = "min"
jobs = {jobs}
trainer = "fake"

[[steps]]
kind = "evaluate"
model = "@search.best.model_uri"
table = "t.parquet"
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_sweep_step_picks_the_best(tmp_path, monkeypatch, jobs):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.format(jobs=jobs))
    calls = pipeline_fakes.install_fakes(monkeypatch)
    trackers = FakeTrackers()
    summary = run_pipeline(load_pipeline(path), tracker_factory=trackers, echo=lambda s: None)
    out = summary.outcome("search").outputs
    assert len(out["trials"]) == 6
    assert out["best"]["params"] == {"lr": 0.002, "hidden": [8]}
    assert out["best"]["target"] == "LITHOLOGY" and out["best"]["table"] == str(tmp_path / "t.parquet")
    (sweep_run,) = trackers.named("search")
    assert all(t["parent"] == sweep_run.run_id for t in out["trials"])  # trials nest under the sweep
    assert sweep_run.params["best.lr"] == 0.002
    assert sweep_run.metrics["val_loss"] == out["best"]["metrics"]["val_loss"]
    assert summary.outcome("evaluate").outputs["model"] == out["best"]["model_uri"]
    pids = {t["pid"] for t in out["trials"]}
    if jobs == 1:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids  # trials ran in worker processes
    assert calls == ["evaluate"]


def test_sweep_random_max_and_register(tmp_path, monkeypatch):
    from geonet.pipeline.kinds import sweep

    registered = []
    monkeypatch.setattr(sweep, "_register_model", lambda uri, name, t: registered.append((uri, name)) or "3")
    path = tmp_path / "s.toml"
    path.write_text(
        "[sweep]\ntable = 't.parquet'\ntarget = 'LITHOLOGY'\n"
        "random = {lr = {log_uniform = [1e-4, 1e-2]}}\ntrials = 4\nseed = 1\n"
        "metric = 'val_accuracy'\nmode = 'max'\nregister = 'lith'\ntrainer = 'fake'\n"
    )
    summary = run_pipeline(load_sweep(path), tracker_factory=FakeTrackers(), echo=lambda s: None)
    out = summary.outcome("sweep").outputs
    lrs = [t["params"]["lr"] for t in out["trials"]]
    assert out["best"]["params"]["lr"] == max(lrs)
    assert registered == [(out["best"]["model_uri"], "lith")]
    assert out["registered"] == {"name": "lith", "version": "3", "model_uri": "models:/lith/3"}
    again = run_pipeline(load_sweep(path), tracker_factory=FakeTrackers(), echo=lambda s: None)
    assert again.skipped == ["sweep"] and len(registered) == 1
    other_seed = run_pipeline(load_sweep(path, ["sweep.seed=2"]), tracker_factory=FakeTrackers(), echo=lambda s: None)
    assert [t["params"]["lr"] for t in other_seed.outcome("sweep").outputs["trials"]] != lrs


@pytest.mark.parametrize(
    "extra, message",
    [
        ("trial_fn = 'this:nothing'\n", "trial_fn: import strings are refused"),
        ("trainer = 'os:system'\n", "trainer: 'os:system' is not one of"),
        ("grid = {hidden = [[8], ['a']]}\n", "hidden: expected a whole number, got 'a'"),
        ("grid = {epochs = [3, 'three']}\n", "epochs: expected a whole number, got 'three'"),
        ("grid = {lr = [0.1]}\nl2 = -1\n", "l2: must be >= 0"),
    ],
)
def test_sweep_values_and_trainer_are_checked_when_loaded(tmp_path, extra, message):
    from geonet.errors import OptionError

    body = "[sweep]\ntable = 't.parquet'\n" + ("" if "grid" in extra else "grid = {lr = [0.1]}\n") + extra
    path = tmp_path / "s.toml"
    path.write_text(body)
    with pytest.raises(OptionError, match=message):
        load_sweep(path)
