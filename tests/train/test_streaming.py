"""Training on a table read well by well from Parquet row groups matches training on it in memory."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from geonet.errors import OptionError
from geonet.spec import TrainSpec
from geonet.train.fitting import fit_model, prepare
from geonet.train.streaming import StreamDataset, prepare_stream
from geonet.train.well_table import should_stream
from tests.synthetic import well_frame

WELLS = ["15/9-13", "16/1-2", "25/2-7", "31/2-9", "34/3-1 A", "35/11-1"]


def _table(n_wells: int = 6, n: int = 240) -> pd.DataFrame:
    frames = []
    for i, well in enumerate(WELLS[:n_wells]):
        depth, curves, rdep, codes = well_frame(i, n)
        df = pd.DataFrame({"WELL": well, "DEPTH_M": depth, "GR": curves[:, 0], "RHOB": curves[:, 1],
                           "NPHI": curves[:, 2], "DTC": curves[:, 3], "RDEP": rdep, "LITHOLOGY": codes})
        df.loc[::37, "GR"] = np.nan
        df.loc[::11, "LITHOLOGY"] = np.nan  # unlabelled rows inside the wells
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    return out.sample(frac=1.0, random_state=0).reset_index(drop=True)  # row order means nothing


def _dataset(df: pd.DataFrame, root: Path) -> Path:
    """well=<name>/part-0.parquet without a WELL column, rows shuffled, small row groups."""
    for well, rows in df.groupby("WELL"):
        folder = root / f"well={quote(well, safe='')}"
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(rows.drop(columns="WELL"), preserve_index=False),
                       folder / "part-0.parquet", row_group_size=100)
    return root


def _file(df: pd.DataFrame, path: Path) -> Path:
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=150)  # wells mixed
    return path


SPEC = dict(val_wells=["25/2-7"], context_windows=[3, 9], ensemble=1, epochs=6, hidden=[16], seed=1, lr=0.01)


@pytest.mark.parametrize("layout", ["dataset", "file"])
def test_streamed_preparation_equals_the_in_memory_one(tmp_path, layout):
    df = _table()
    path = _dataset(df, tmp_path / "ds") if layout == "dataset" else _file(df, tmp_path / "t.parquet")
    spec = TrainSpec.from_options(SPEC)
    mem = prepare(df, spec)
    streamed, frame = prepare_stream(path, spec, cache_dir=tmp_path / "cache")
    assert streamed.features == mem.features and streamed.split == mem.split
    assert streamed.encoder == mem.encoder and streamed.task == mem.task
    a, b = streamed.preprocessor, mem.preprocessor
    assert a.columns == b.columns and a.indicators == b.indicators and a.context_windows == b.context_windows
    np.testing.assert_allclose(list(a.medians.values()), list(b.medians.values()), rtol=1e-12)
    np.testing.assert_allclose(a.center, b.center, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.scale, b.scale, rtol=1e-9)
    assert isinstance(streamed.train, StreamDataset) and len(streamed.train) == len(mem.train)
    loaded = streamed.train.in_memory(10**9)
    order = np.lexsort((mem.train.rows["DEPTH_M"].to_numpy(), mem.train.wells.astype(str)))
    np.testing.assert_allclose(loaded.X, mem.train.X[order], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(loaded.Y, mem.train.Y[order])
    np.testing.assert_allclose(streamed.val.X, mem.val.X, rtol=1e-5, atol=1e-5)
    assert set(frame["WELL"]) == {"25/2-7"}


def test_streamed_training_matches_in_memory_quality(tmp_path):
    df = _table()
    spec = TrainSpec.from_options({**SPEC, "shuffle_rows": 10**6})  # a buffer larger than the table
    mem = fit_model(df, spec)
    streamed, _ = prepare_stream(_dataset(df, tmp_path / "ds"), spec, cache_dir=tmp_path / "cache")
    out = fit_model(None, spec, prepared=streamed)
    val = mem.prepared.val
    acc_mem = (mem.model.network.predict_output(val.X).argmax(1) == val.Y).mean()
    acc_stream = (out.model.network.predict_output(val.X).argmax(1) == val.Y).mean()
    assert acc_mem > 0.85
    assert acc_stream == pytest.approx(acc_mem, abs=0.04)
    assert out.history.val_loss[-1] == pytest.approx(mem.history.val_loss[-1], rel=0.3)


def test_small_buffer_bagging_regression_and_robust_scaling(tmp_path):
    df = _table()
    path = _dataset(df, tmp_path / "ds")
    spec = TrainSpec.from_options({**SPEC, "ensemble": 2, "bag_wells": 0.6, "shuffle_rows": 300, "epochs": 2,
                                   "scaler": "robust", "max_rows_per_well": 150, "class_weight": "balanced"})
    streamed, _ = prepare_stream(path, spec, cache_dir=tmp_path / "c1")
    mem = prepare(df, spec)
    np.testing.assert_allclose(streamed.preprocessor.center, mem.preprocessor.center, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(streamed.preprocessor.scale, mem.preprocessor.scale, rtol=1e-9)
    assert len(streamed.train) == len(mem.train)
    assert streamed.train.weight_mean == pytest.approx(float(mem.train.weight.mean()), rel=1e-6)
    out = fit_model(None, spec, prepared=streamed)
    assert len(out.model.extra_networks) == 1
    reg = TrainSpec.from_options({**SPEC, "target": "RHOB", "features": ["GR", "NPHI", "DTC"], "epochs": 2})
    r_stream, _ = prepare_stream(path, reg, cache_dir=tmp_path / "c2")
    r_mem = prepare(df, reg)
    assert r_stream.task == "regress"
    assert r_stream.encoder.center == pytest.approx(r_mem.encoder.center, rel=1e-12)
    assert r_stream.encoder.scale == pytest.approx(r_mem.encoder.scale, rel=1e-9)
    fit_model(None, reg, prepared=r_stream)


def test_when_to_stream(tmp_path):
    df = _table(2)
    ds, file = _dataset(df, tmp_path / "ds"), _file(df, tmp_path / "t.parquet")
    csv = tmp_path / "t.csv"
    df.to_csv(csv, index=False)
    assert should_stream(ds, TrainSpec())
    assert not should_stream(file, TrainSpec())
    assert should_stream(file, TrainSpec.from_options({"stream": True}))
    assert should_stream(file, TrainSpec.from_options({"memory_budget": "10KB"}))
    assert not should_stream(file, TrainSpec.from_options({"memory_budget": "2GB"}))
    with pytest.raises(OptionError, match="Parquet"):
        should_stream(csv, TrainSpec.from_options({"stream": True}))
    with pytest.raises(OptionError, match="missing_augment"):
        prepare_stream(ds, TrainSpec.from_options({"missing_augment": 1}), cache_dir=tmp_path / "c")
    with pytest.raises(OptionError, match="memory_budget"):
        TrainSpec.from_options({"memory_budget": "lots"})


@pytest.mark.slow
def test_cli_trains_on_a_dataset_directory(tmp_path, tracking_uri):
    from mlflow import MlflowClient
    from typer.testing import CliRunner

    from geonet.cli.app import app

    ds = _dataset(_table(), tmp_path / "ds")
    result = CliRunner().invoke(app, ["train", str(ds), "--val-wells", "25/2-7", "--hidden", "16", "--epochs", "6", "--lr", "0.01",
                                      "--ensemble", "1", "--context-windows", "3,9", "--shuffle-rows", "500",
                                      "--no-progress"])
    assert result.exit_code == 0, result.output + str(result.exception)
    run_id = [line for line in result.output.splitlines() if line.startswith("run id:")][-1].split(":", 1)[1].strip()
    run = MlflowClient(tracking_uri).get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["stream_buffer_rows"] == "500"
    assert run.data.metrics["model_val_accuracy"] > 0.8, run.data.metrics
    bad = CliRunner().invoke(app, ["train", str(ds), "--memory-budget", "lots"])
    assert bad.exit_code == 2 and "memory-budget" in bad.output


def test_out_of_bag_rows_in_memory_are_bounded(tmp_path):
    df = _table()
    spec = TrainSpec.from_options({**SPEC, "shuffle_rows": 300})
    streamed, _ = prepare_stream(_dataset(df, tmp_path / "ds"), spec, cache_dir=tmp_path / "c")
    part = streamed.train.in_memory(300)
    assert 250 <= len(part) <= 300 and part.X.shape[1] == streamed.train.n_columns
    assert set(part.wells) == set(streamed.split.train_wells)
    whole = streamed.train.in_memory(10**9)
    np.testing.assert_array_equal(part.X, whole.X[np.concatenate(
        [np.flatnonzero(whole.wells == w)[::-(-len(whole) // 300)] for w in pd.unique(whole.wells)])])


@pytest.mark.slow
def test_a_geonet_dataset_from_ingest_streams_like_it_loads(tmp_path):
    from typer.testing import CliRunner

    from geonet.cli.app import app
    from geonet.features.table import read_feature_table
    from tests.synthetic import write_las

    folder = tmp_path / "las"
    folder.mkdir()
    files = [write_las(folder / f"w{i}.las", f"W-{i}", i, drop_nphi=(i == 2)) for i in range(5)]
    ds = tmp_path / "wells"
    result = CliRunner().invoke(app, ["ingest", *map(str, files), "--out", f"{ds}/", "--no-progress", "--jobs", "1"])
    assert result.exit_code == 0, result.output + str(result.exception)
    spec = TrainSpec.from_options({**SPEC, "val_wells": ["W-3"], "features": ["GR", "RHOB", "NPHI", "DTC", "RDEP"]})
    mem = prepare(read_feature_table(ds), spec)
    streamed, _ = prepare_stream(ds, spec, cache_dir=tmp_path / "cache")
    assert streamed.split == mem.split and streamed.preprocessor.columns == mem.preprocessor.columns
    np.testing.assert_allclose(streamed.preprocessor.center, mem.preprocessor.center, rtol=1e-9, atol=1e-12)
    assert len(streamed.train) == len(mem.train)
    np.testing.assert_allclose(streamed.val.X, mem.val.X, rtol=1e-5, atol=1e-5)
