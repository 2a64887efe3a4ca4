"""Fake step functions, a fake tracker and a picklable fake trial for the pipeline tests."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import time
from pathlib import Path

_ids = itertools.count(1)


class FakeRun:
    def __init__(self, log, run_name, parent_run_id, tags):
        self.log, self.run_name, self.parent_run_id, self.tags = log, run_name, parent_run_id, dict(tags or {})
        self.run_id = f"run{next(_ids)}"
        self.params, self.metrics = {}, {}

    def __enter__(self):
        self.log.runs.append(self)
        return self

    def __exit__(self, *exc):
        self.status = "FAILED" if exc[0] else "FINISHED"
        return False

    def log_params(self, params):
        self.params.update(params)

    def log_metrics(self, metrics, step=0):
        self.metrics.update(metrics)

    def set_tags(self, tags):
        self.tags.update(tags)


class FakeTrackers:
    """A tracker_factory recording every run it opens."""

    def __init__(self):
        self.runs: list[FakeRun] = []

    def __call__(self, tracking_uri, experiment, run_name=None, parent_run_id=None, tags=None):
        return FakeRun(self, run_name, parent_run_id, tags)

    def named(self, name):
        return [r for r in self.runs if r.run_name == name]


def fake_ingest(options, ctx):
    text = "".join(Path(p).read_text() for p in options["inputs"]) + json.dumps(options.get("step_m"))
    Path(options["out"]).parent.mkdir(parents=True, exist_ok=True)
    Path(options["out"]).write_text(text)
    return {"out_path": options["out"], "rows": len(text), "wells": ["A"]}


def fake_derive(options, ctx):
    Path(options["out"]).write_text(Path(options["table"]).read_text() + json.dumps(options["formulas"]))
    return {"out_path": Path(options["out"])}


def fake_train(options, ctx):
    run_id = f"train{next(_ids)}"
    return {
        "run_id": run_id, "model_uri": f"runs:/{run_id}/model",
        "metrics": {"val_loss": float(options.get("lr", 0.1))}, "parent": ctx.parent_run_id,
    }


def fake_evaluate(options, ctx):
    return {"run_id": f"eval{next(_ids)}", "metrics": {"val_accuracy": 0.5}, "model": options["model"]}


def fake_predict(options, ctx):
    out = Path(options["out_dir"]) / "pred.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(options["model"])
    return {"outputs": [out]}


FAKES = {
    "ingest": fake_ingest, "derive": fake_derive, "train": fake_train,
    "evaluate": fake_evaluate, "predict": fake_predict,
}


def install_fakes(monkeypatch) -> list[str]:
    """Replace the step functions; returns the list the names of the steps that ran go to."""
    from geonet.pipeline.registry import STEP_KINDS

    calls: list[str] = []
    for kind, fn in FAKES.items():
        def run(options, ctx, fn=fn):
            calls.append(ctx.step.name)
            return fn(options, ctx)

        monkeypatch.setitem(STEP_KINDS, kind, dataclasses.replace(STEP_KINDS[kind], run=run))
    return calls


def fake_trial(table, options, *, tracking_uri, experiment, run_name, parent_run_id, progress=False):
    """A picklable stand-in for geonet's train: val_loss is smallest at lr = 0.002, hidden small."""
    time.sleep(0.05)
    lr = float(options.get("lr", 0.001))
    width = sum(options.get("hidden", [1]))
    return {
        "run_id": f"{run_name}-id", "model_uri": f"runs:/{run_name}-id/model",
        "metrics": {"val_loss": (lr - 0.002) ** 2 * 1e6 + width / 1000, "val_accuracy": lr * 100},
        "pid": os.getpid(), "parent": parent_run_id, "table": table, "target": options["target"],
    }
