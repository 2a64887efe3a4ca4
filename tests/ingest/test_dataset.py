"""``ingest --out DIR``: a partitioned Parquet dataset, equal to the one-file table, resumable."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from geonet.cli.app import app
from geonet.errors import ConfigError, InputError
from geonet.features.ingest import ingest
from geonet.features.table import read_feature_table
from geonet.io.dataset import MANIFEST, SOURCES

from .conftest import FIXTURES

GOOD = ["las20.las", "aliases.las", "depth_ft.las", "wrapped.las", "las12.las"]


def _copy(tmp_path, names):
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    for n in names:
        shutil.copy(FIXTURES / n, src / n)
    return [src / n for n in names]


def _parts(out):
    return sorted(p.relative_to(out).as_posix() for p in out.glob("well=*/*.parquet"))


def test_dataset_reads_back_equal_to_the_one_file_table(tmp_path):
    files = _copy(tmp_path, GOOD)
    one = ingest(files, tmp_path / "one.parquet", jobs=1)
    ds = ingest(files, tmp_path / "ds", jobs=1)
    a, b = read_feature_table(one.out_path), read_feature_table(ds.out_path)
    pd.testing.assert_frame_equal(a, b, check_categorical=False)
    assert a.attrs["geonet"]["units"] == b.attrs["geonet"]["units"]
    assert [s["sha256"] for s in a.attrs["geonet"]["sources"]] == [s["sha256"] for s in b.attrs["geonet"]["sources"]]
    assert ds.rows == one.rows and ds.wells == one.wells and ds.reused == 0
    # one part per well, in its well= folder; pandas reads the folder as well (with a `well` column)
    assert len(_parts(tmp_path / "ds")) == len(one.wells)
    assert "well=W-20" in {p.split("/")[0] for p in _parts(tmp_path / "ds")}
    assert len(pd.read_parquet(tmp_path / "ds")) == one.rows


def test_rerun_skips_unchanged_files_and_redoes_a_changed_one(tmp_path):
    files = _copy(tmp_path, GOOD)
    out = tmp_path / "ds"
    first = ingest(files, out, jobs=1)
    before = read_feature_table(out)
    parts = _parts(out)
    again = ingest(files, out, jobs=1)
    assert again.reused == len(files) and _parts(out) == parts
    pd.testing.assert_frame_equal(read_feature_table(out), before)
    # a changed file: only it is read again; its old part is gone, nothing twice
    text = files[0].read_text().replace("W-20", "W-20B")
    files[0].write_text(text)
    third = ingest(files, out, jobs=1)
    assert third.reused == len(files) - 1
    df = read_feature_table(out)
    assert "W-20" not in set(df["WELL"]) and "W-20B" in set(df["WELL"]) and len(df) == first.rows
    assert len(_parts(out)) == len(parts)
    # a file dropped from the inputs leaves the dataset with it
    fourth = ingest(files[1:], out, jobs=1)
    assert fourth.reused == len(files) - 1 and "W-20B" not in set(read_feature_table(out)["WELL"])
    assert len(list((out / SOURCES).glob("*.json"))) == len(files) - 1


def test_changed_options_are_not_reused(tmp_path):
    files = _copy(tmp_path, GOOD[:2])
    ingest(files, tmp_path / "ds", jobs=1)
    r = ingest(files, tmp_path / "ds", jobs=1, step_m=0.5)
    assert r.reused == 0 and len(_parts(tmp_path / "ds")) == 2
    depth = read_feature_table(tmp_path / "ds").groupby("WELL")["DEPTH_M"].diff().dropna()
    assert np.allclose(depth, 0.5)


def test_bad_files_are_listed_and_never_stop_the_others(tmp_path):
    files = _copy(tmp_path, ["las20.las", "empty.las", "aliases.las", "not_las.las"])
    r = ingest(files, tmp_path / "ds", jobs=1)
    assert [p.split("/")[-1] for p, _ in r.skipped] == ["empty.las", "not_las.las"]
    assert r.wells == ["W-20", "ALIAS-1"]
    manifest = json.loads((tmp_path / "ds" / MANIFEST).read_text())
    assert [p["well"] for p in manifest["parts"]] == ["W-20", "ALIAS-1"] and manifest["rows"] == r.rows


def test_text_in_one_well_numbers_in_another_reads_as_numbers(tmp_path):
    pd.DataFrame({"WELL": "A", "DEPTH_M": [1.0, 2.0, 3.0], "ZONE": ["x", "y", "z"]}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"WELL": "B", "DEPTH_M": [1.0, 2.0], "ZONE": [4.0, 5.0]}).to_csv(tmp_path / "b.csv", index=False)
    r = ingest([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "ds", jobs=1)
    df = read_feature_table(tmp_path / "ds")
    assert df["ZONE"].dtype == np.float64 and df["ZONE"].isna().sum() == 3 and df["ZONE"].iloc[3:].tolist() == [4.0, 5.0]
    assert any("text in this well" in note for _, note in r.warnings)


def test_a_folder_that_is_not_a_dataset_is_never_touched(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    with pytest.raises(ConfigError, match="not a geonet dataset"):
        ingest([FIXTURES / "las20.las"], tmp_path / "mine", jobs=1)
    with pytest.raises(ConfigError, match="Parquet"):
        ingest([FIXTURES / "las20.las"], tmp_path / "new", format="csv", jobs=1)
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["keep.txt"]


def test_leftovers_of_a_cut_run_are_never_read(tmp_path):
    files = _copy(tmp_path, GOOD[:2])
    out = tmp_path / "ds"
    r = ingest(files, out, jobs=1)
    stray = out / "well=W-20" / "part-0123456789abcdef.parquet"  # a part no receipt claims
    shutil.copy(next(out.glob("well=W-20/*.parquet")), stray)
    assert len(read_feature_table(out)) == r.rows  # the manifest lists what is read
    ingest(files, out, jobs=1)
    assert not stray.exists()


def test_reading_a_folder_without_manifest_is_one_line(tmp_path):
    (tmp_path / "d" / SOURCES).mkdir(parents=True)
    with pytest.raises(InputError, match="not a finished geonet dataset"):
        read_feature_table(tmp_path / "d")


def test_cli_folder_out_and_rerun(tmp_path):
    files = _copy(tmp_path, ["las20.las", "empty.las", "aliases.las"])
    runner = CliRunner()
    args = ["ingest", str(tmp_path / "in"), "--out", str(tmp_path / "ds"), "--jobs", "1"]
    first = runner.invoke(app, args)
    assert first.exit_code == 3, first.output
    assert f"skipped {files[1]}" in first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 3 and "2 unchanged file(s)" in second.output


def test_a_client_killed_before_the_manifest_then_rerun_equals_a_clean_run(tmp_path):
    from geonet.features.dataset import PartJob, options_key
    from geonet.features.ingest import check_options
    from geonet.features.loaders import LoadOptions

    files = _copy(tmp_path, GOOD)
    clean = ingest(files, tmp_path / "clean", jobs=1)
    out = tmp_path / "ds"
    limits = check_options("parquet", None, "first", None, dict(max_line_chars=16_384, max_token_chars=256,
                                                                 max_header_mb=4.0, max_file_mb=2000.0))
    options = LoadOptions(limits=limits)  # as ingest builds them from its defaults
    job = PartJob(out.resolve(), options, None, (None, None, None), options_key(options, None, None))
    for f in files[:2]:  # two tasks finished, then the client died: parts and receipts, no manifest
        job(f)
    assert not (out / MANIFEST).exists()
    rerun = ingest(files, out, jobs=1)
    assert rerun.reused == 2 and rerun.rows == clean.rows
    pd.testing.assert_frame_equal(read_feature_table(out), read_feature_table(tmp_path / "clean"))
