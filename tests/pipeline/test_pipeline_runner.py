"""Running pipelines of fake steps: references, skipping, re-running, --force, tracking."""


import pytest

from geonet.errors import ConfigError
from geonet.pipeline import load_pipeline, run_pipeline
from pipeline_fakes import FakeTrackers, install_fakes

PIPELINE = """
[pipeline]
name = "demo"

[[steps]]
kind = "ingest"
inputs = ["../data/a.txt", "../data/b.txt"]
out = "../out/all.txt"

[[steps]]
kind = "derive"
table = "@ingest.out_path"
out = "../out/derived.txt"
formulas = ["density_porosity"]

[[steps]]
kind = "train"
table = "../out/derived.txt"
target = "LITHOLOGY"
lr = 0.001

[[steps]]
kind = "evaluate"
name = "check"
model = "@train.model_uri"
table = "../out/derived.txt"

[[steps]]
kind = "predict"
model = "@train.model_uri"
inputs = ["../data/a.txt"]
out_dir = "../out/pred"
"""
ALL = ["ingest", "derive", "train", "check", "predict"]


@pytest.fixture
def setup(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text("a")
    (tmp_path / "data" / "b.txt").write_text("b")
    (tmp_path / "pipelines").mkdir()
    path = tmp_path / "pipelines" / "demo.toml"
    path.write_text(PIPELINE)
    calls = install_fakes(monkeypatch)
    lines: list[str] = []

    def run(*overrides, **kwargs):
        calls.clear()
        lines.clear()
        trackers = FakeTrackers()
        summary = run_pipeline(load_pipeline(path, list(overrides)), tracker_factory=trackers,
                               echo=lines.append, **kwargs)
        return summary, list(calls), list(lines), trackers

    return run, path, tmp_path


def test_references_and_outputs(setup):
    run, _, tmp = setup
    summary, calls, lines, _ = run()
    assert calls == ALL
    model_uri = summary.outcome("train").outputs["model_uri"]
    assert summary.outcome("check").outputs["model"] == model_uri
    assert (tmp / "out" / "pred" / "pred.txt").read_text() == model_uri
    assert summary.outcome("derive").outputs["out_path"] == str(tmp / "out" / "derived.txt")
    assert [line.split()[0] for line in lines] == ["[ok]"] * 5
    assert lines[2].startswith("[ok] train ") and lines[2].endswith("s")


def test_second_run_skips_everything_and_reuses_outputs(setup):
    run, path, _ = setup
    first, *_ = run()
    second, calls, lines, _ = run()
    assert calls == []
    assert lines == [f"[skipped] {name} (unchanged)" for name in ALL]
    assert second.outcome("train").outputs == first.outcome("train").outputs
    assert (path.parent / ".geonet-state" / "demo.json").is_file()


def test_changed_option_reruns_the_step_and_its_dependants(setup):
    run, *_ = setup
    run()
    summary, calls, lines, _ = run("train.lr=0.003")
    assert calls == ["train", "check", "predict"]  # evaluate/predict use the new model URI
    assert summary.skipped == ["ingest", "derive"]
    assert summary.outcome("train").outputs["metrics"]["val_loss"] == 0.003
    _, calls, *_ = run("train.lr=0.003")
    assert calls == []


def test_changed_input_file_reruns_downstream(setup):
    run, _, tmp = setup
    run()
    (tmp / "data" / "b.txt").write_text("B changed")
    _, calls, *_ = run()
    # ingest's output changed, so derive (reads it) and train (reads derive's output) re-run
    assert calls == ALL


def test_upstream_rerun_with_identical_output_leaves_downstream_skipped(setup):
    run, _, tmp = setup
    run()
    (tmp / "out" / "all.txt").unlink()
    summary, calls, *_ = run()
    assert calls == ["ingest"]  # rewritten with the same content: derive's input hash is unchanged


def test_deleted_output_reruns_the_step(setup):
    run, _, tmp = setup
    run()
    (tmp / "out" / "pred" / "pred.txt").unlink()
    summary, calls, lines, _ = run()
    assert calls == ["predict"]
    assert "[ok] predict" in lines[-1]
    assert summary.outcome("predict").reason.startswith("output gone")


def test_force_reruns_everything(setup):
    run, *_ = setup
    run()
    _, calls, *_ = run(force=True)
    assert calls == ALL


def test_dry_run_runs_nothing(setup):
    run, _, tmp = setup
    summary, calls, lines, trackers = run(dry_run=True)
    assert calls == [] and trackers.runs == []
    assert all(line.startswith("[would run]") for line in lines)
    assert not (tmp / "out").exists()
    run()
    _, calls, lines, _ = run("train.lr=0.01", dry_run=True)
    assert calls == []
    assert lines[:2] == ["[skipped] ingest (unchanged)", "[skipped] derive (unchanged)"]
    assert lines[2] == "[would run] train (changed)"
    assert lines[3] == "[would run] check (upstream step re-runs)"


def test_parent_and_nested_runs(setup):
    run, *_ = setup
    summary, _, _, trackers = run()
    parent = trackers.named("demo")[0]
    assert parent.parent_run_id is None and summary.run_id == parent.run_id
    for name in ("ingest", "derive", "predict"):  # the runner opens their nested runs
        (nested,) = trackers.named(name)
        assert nested.parent_run_id == parent.run_id
        assert nested.status == "FINISHED"
    assert trackers.named("ingest")[0].metrics["rows"] == len('ab' + "null")
    assert "inputs" in trackers.named("ingest")[0].params
    # train and evaluate open their own runs, given the pipeline run as parent
    assert summary.outcome("train").outputs["parent"] == parent.run_id
    assert trackers.named("train") == []
    assert parent.tags["geonet.steps.ran"] == ",".join(ALL)


def test_failed_step_keeps_earlier_state(setup, monkeypatch):
    run, *_ = setup
    from pipeline_fakes import FAKES

    def broken(options, ctx):
        raise ConfigError("unknown training option(s) ['lrr']")

    original = FAKES["train"]
    monkeypatch.setitem(FAKES, "train", broken)
    install_fakes(monkeypatch)
    with pytest.raises(ConfigError, match="step 'train' \\(train\\): unknown training option") as err:
        run()
    assert "demo.toml" in str(err.value)
    monkeypatch.setitem(FAKES, "train", original)
    install_fakes(monkeypatch)
    summary, *_ = run()
    assert summary.skipped == ["ingest", "derive"]  # saved before the failure


def test_missing_output_reference_at_run_time(setup, tmp_path):
    run, path, _ = setup
    path.write_text(PIPELINE.replace('"@train.model_uri"\ntable', '"@train.model_url"\ntable', 1))
    with pytest.raises(ConfigError, match="train has no output 'model_url'.*model_uri"):
        run()


def test_fingerprint_follows_the_code_a_step_runs(monkeypatch):
    from geonet.pipeline import state
    from geonet.pipeline.registry import STEP_KINDS

    ingest = STEP_KINDS["ingest"]
    before = state.fingerprint(ingest, {"out": "x"}, {})
    assert before == state.fingerprint(ingest, {"out": "x"}, {})
    monkeypatch.setattr(state, "code_hash", lambda parts: "changed" if "features" in parts else "same")
    assert state.fingerprint(ingest, {"out": "x"}, {}) != before


def test_code_hash_covers_the_step_packages():
    from geonet.pipeline.registry import STEP_KINDS
    from geonet.pipeline.state import code_hash

    code = {kind: k.code for kind, k in STEP_KINDS.items()}
    assert "nn" in code["train"] and "nn" not in code["ingest"]
    assert code_hash(code["ingest"]) != code_hash(code["train"])
    assert len(code_hash(("nn",))) == 64


def test_edit_with_same_size_and_restored_mtime_is_seen(setup):
    """Skipping is by content: an input rewritten to the same size with its mtime put back re-runs."""
    import os

    run, _, tmp = setup
    run()
    b = tmp / "data" / "b.txt"
    st = b.stat()
    b.write_text("c")  # same size
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert b.stat().st_size == st.st_size and b.stat().st_mtime_ns == st.st_mtime_ns
    _, calls, *_ = run()
    assert calls[0] == "ingest"


def test_state_is_kept_per_tracking_store(setup):
    run, *_ = setup
    run(tracking_uri="sqlite:///one.db")
    _, calls, *_ = run(tracking_uri="sqlite:///two.db")
    assert calls == ALL  # nothing ran into the second store yet
    _, calls, *_ = run(tracking_uri="sqlite:///one.db")
    assert calls == []


def test_all_skipped_opens_no_parent_run(setup):
    run, *_ = setup
    run()
    summary, calls, _, trackers = run()
    assert calls == [] and trackers.runs == [] and summary.run_id is None


def test_step_pointing_at_a_run_missing_from_the_store_reruns(setup):
    run, *_ = setup
    first, *_ = run()
    gone = first.outcome("train").outputs["run_id"]
    summary, calls, lines, _ = run(run_exists=lambda run_id: run_id != gone)
    assert calls == ["train", "check", "predict"]
    assert summary.outcome("train").reason == f"run {gone} is not in the tracking store"


def test_summary_prints_model_uris(setup):
    from geonet.pipeline import format_summary

    run, *_ = setup
    summary, *_ = run()
    text = format_summary(summary)
    assert f"train model: {summary.outcome('train').outputs['model_uri']}" in text


def test_plan_is_the_dry_run_and_writes_nothing(setup):
    from geonet.pipeline import load_pipeline, plan
    from geonet.pipeline.state import PipelineState, state_path

    run, path, tmp = setup
    pipeline = load_pipeline(path)
    decisions = plan(pipeline, PipelineState.load(state_path(pipeline.root, pipeline.name)))
    upstream = "upstream step re-runs"
    assert [d.reason for d in decisions] == ["first run", upstream, "first run", upstream, upstream]
    assert not (tmp / "out").exists() and not state_path(pipeline.root, pipeline.name).exists()
