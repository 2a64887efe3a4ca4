import json
import shutil

import numpy as np
import pandas as pd
import pytest

from geonet.errors import ConfigError, InputError
from geonet.features.aliases import assign_names, canonical_name, load_alias_table
from geonet.features.ingest import ingest, load_well
from geonet.features.resample import resample_well
from geonet.features.table import read_feature_table

from .conftest import FIXTURES


def test_alias_priority_rule_keeps_both_curves():
    names, notes = assign_names(["SGR", "GR", "DEN"])
    assert names == ["SGR", "GR", "RHOB"]
    assert "SGR" in notes[0]
    assert canonical_name("tnph") == "NPHI" and canonical_name("weird") == "WEIRD"


def test_user_alias_file_overrides(tmp_path):
    f = tmp_path / "a.toml"
    f.write_text('[aliases]\nGR = ["SGR"]\nMYCURVE = ["XYZ"]\n')
    table = load_alias_table(f)
    assert canonical_name("SGR", table) == "GR" and canonical_name("XYZ", table) == "MYCURVE"
    assert assign_names(["GR", "SGR"], table)[0] == ["GR_2", "GR"] or assign_names(["GR", "SGR"], table)[0][1] == "GR"


def test_table_inputs_csv_and_parquet(tmp_path):
    df = pd.DataFrame({"well": ["A"] * 3 + ["B"] * 2, "DEPTH_M": [1.0, 2, 3, 5, 6],
                       "gr": [10.0, -999.25, 30, 40, 50], "DEN": [2.1, 2.2, 2.3, 2.4, 2.5]})
    df.to_csv(tmp_path / "logs.csv", index=False)
    df.to_parquet(tmp_path / "logs.parquet")
    for name in ("logs.csv", "logs.parquet"):
        out = load_well(tmp_path / name)
        assert list(out.columns) == ["WELL", "DEPTH_M", "GR", "RHOB"]
        assert np.isnan(out["GR"].iloc[1]) and out["WELL"].tolist() == ["A", "A", "A", "B", "B"]


def test_table_without_well_column(tmp_path):
    pd.DataFrame({"DEPTH": [1.0], "GR": [1.0]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InputError, match="well column"):
        load_well(tmp_path / "t.csv")


def test_labels_from_intervals_and_points(tmp_path):
    (tmp_path / "iv.csv").write_text("well,top,base,label\nW-20,1000.0,1000.5,65000\nW-20,1000.5,1002,Sandstone\n")
    (tmp_path / "pt.csv").write_text("well,depth,label\nW-20,1000.26,70000\nW-20,1000.75,30000\n")
    r = ingest([FIXTURES / "las20.las"], tmp_path / "a.parquet", labels=tmp_path / "iv.csv")
    df = read_feature_table(r.out_path)
    assert df["LITHOLOGY"].tolist() == [65000, 65000, 30000, 30000, 30000]
    r = ingest([FIXTURES / "las20.las"], tmp_path / "b.parquet", labels=tmp_path / "pt.csv")
    lith = read_feature_table(r.out_path)["LITHOLOGY"].tolist()
    assert lith[1] == 70000 and lith[3] == 30000 and np.isnan(lith[0])


def test_resample_linear_nearest_and_gaps():
    df = pd.DataFrame({"WELL": ["W"] * 5, "DEPTH_M": [0.0, 1.0, 2.0, 6.0, 7.0],
                       "GR": [0.0, 10.0, 20.0, 60.0, 70.0], "LITHOLOGY": [1.0, 1.0, 2.0, 3.0, 3.0]})
    out = resample_well(df, 0.5)
    assert out["DEPTH_M"].tolist()[:3] == [0.0, 0.5, 1.0]
    assert out["GR"].iloc[1] == 5.0  # linear
    assert set(out["LITHOLOGY"].iloc[:4]) <= {1.0, 2.0}  # nearest, never 1.5
    gap = out[(out["DEPTH_M"] > 2) & (out["DEPTH_M"] < 6)]
    assert gap["GR"].isna().all() and gap["LITHOLOGY"].isna().all()


def test_ingest_with_step(tmp_path):
    r = ingest([FIXTURES / "las20.las"], tmp_path / "s.parquet", step_m=0.1)
    df = read_feature_table(r.out_path)
    assert np.allclose(np.diff(df["DEPTH_M"]), 0.1)


def test_parquet_metadata_has_units_and_sha256(tmp_path):
    import hashlib

    r = ingest([FIXTURES / "las20.las", FIXTURES / "depth_ft.las"], tmp_path / "f.parquet")
    df = read_feature_table(r.out_path)
    meta = df.attrs["geonet"]
    assert meta["units"]["DEPTH_M"] == "m" and meta["units"]["GR"] == "gAPI"
    src = meta["sources"][0]
    assert src["sha256"] == hashlib.sha256((FIXTURES / "las20.las").read_bytes()).hexdigest()
    assert src["mnemonics"]["DEPTH_M"] == "DEPT" and meta["geonet_version"]
    assert df["WELL"].unique().tolist() == ["W-20", "FEET-1"]
    assert df["DEPTH_M"].dtype == np.float64


def test_csv_output_with_sidecar(tmp_path):
    r = ingest([FIXTURES / "las20.las"], tmp_path / "f.csv", format="csv")
    meta = json.loads((tmp_path / "f.csv.meta.json").read_text())
    assert meta["units"]["GR"] == "gAPI"
    assert read_feature_table(r.out_path).attrs["geonet"] == meta


def test_batch_with_broken_files_is_partial(tmp_path):
    bad = ["empty.las", "not_las.las", "no_data.las"]
    r = ingest([FIXTURES / "las20.las", *(FIXTURES / b for b in bad), FIXTURES / "aliases.las"], tmp_path / "f.parquet")
    assert r.wells == ["W-20", "ALIAS-1"] and r.rows == 10
    assert [p.split("/")[-1] for p, _ in r.skipped] == bad


def test_strict_raises_at_first_bad_file(tmp_path):
    with pytest.raises(InputError, match="empty.las"):
        ingest([FIXTURES / "las20.las", FIXTURES / "empty.las"], tmp_path / "f.parquet", strict=True)
    assert not (tmp_path / "f.parquet").exists()


def test_failing_write_leaves_existing_output_intact(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    out = tmp_path / "f.parquet"
    out.write_bytes(b"old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", boom)
    with pytest.raises(OSError):
        ingest([FIXTURES / "las20.las"], out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.parquet"]


def test_jobs_2_equals_jobs_1(tmp_path):
    files = [FIXTURES / n for n in ("las20.las", "aliases.las", "empty.las", "depth_ft.las", "wrapped.las")]
    r1 = ingest(files, tmp_path / "1.parquet", jobs=1)
    r2 = ingest(files, tmp_path / "2.parquet", jobs=2)
    pd.testing.assert_frame_equal(read_feature_table(r1.out_path), read_feature_table(r2.out_path))
    assert r1.skipped == r2.skipped


def test_folder_and_glob_inputs(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for n in ("las20.las", "aliases.las"):
        shutil.copy(FIXTURES / n, tmp_path / "in" / "sub" / n)
    r = ingest([str(tmp_path / "in" / "**" / "*.las")], tmp_path / "g.parquet")
    assert sorted(r.wells) == ["ALIAS-1", "W-20"]
    r = ingest([tmp_path / "in"], tmp_path / "in" / "d.parquet")
    assert r.rows == 10


def test_mixing_grids_and_wells_is_refused(tmp_path):
    (tmp_path / "g.nc").write_bytes(b"")
    with pytest.raises(ConfigError, match="cannot mix"):
        ingest([FIXTURES / "las20.las", tmp_path / "g.nc"], tmp_path / "f.parquet")
