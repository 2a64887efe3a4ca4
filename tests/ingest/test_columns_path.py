"""The LAS fast path (NumPy columns straight to Parquet, no pandas) gives what the pandas path gives."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import geonet.features.ingest as ingest_module
import geonet.features.loaders as loaders
from geonet.features.columns import WellColumns
from geonet.features.ingest import ingest
from geonet.features.loaders import LoadOptions, load_file
from geonet.io.tables import read_table
from geonet.io.write import write_parquet_columns

from .conftest import FIXTURES, REPO
from .lasgen import las, write

ROWS_A = """
1000.0  45.0   2.31
1000.5  -999.25 2.35
1001.0  60.0   -999.25
"""
ROWS_B = """
2000.0  80.0   2400  0.31
2000.5  81.0   2410  -999.25
"""


CLEAN = ("depth_ft.las", "sentinels.las", "force_labels.las", "las30.las", "las12.las", "aliases.las")
REPAIRED = ("non_monotonic.las", "duplicate.las")


def _inputs(tmp_path, fixtures=CLEAN + REPAIRED):
    """Wells with different curves, nulls, a unit to convert, a feet depth[, files needing repairs]."""
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a.las", las(ROWS_A, well="A-1"))
    write(folder, "b.las", las(ROWS_B, curves=(("DEPT", "M"), ("GR", "gAPI"), ("RHOB", "kg/m3"), ("NPHI", "%")), well="B-2"))
    for name in fixtures:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def _pandas_only(monkeypatch):
    monkeypatch.setattr(loaders, "needs_no_repair", lambda depth: False)


@pytest.mark.parametrize("fixtures", [CLEAN, CLEAN + REPAIRED], ids=["all-clean", "some-repaired"])
def test_columns_path_writes_the_same_table_as_the_pandas_path(tmp_path, monkeypatch, fixtures):
    folder = _inputs(tmp_path, fixtures)
    writes = []
    monkeypatch.setattr(ingest_module, "write_parquet_columns", lambda *a: writes.append(a) or write_parquet_columns(*a))
    fast = ingest([folder], tmp_path / "fast.parquet", jobs=1)
    assert len(writes) == (fixtures == CLEAN)  # all clean: written without pandas; else the frames' path
    _pandas_only(monkeypatch)
    slow = ingest([folder], tmp_path / "slow.parquet", jobs=1)
    a, meta_a = read_table(tmp_path / "fast.parquet")
    b, meta_b = read_table(tmp_path / "slow.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert meta_a == meta_b
    arrow = [pq.read_table(tmp_path / f"{n}.parquet") for n in ("fast", "slow")]  # nulls, not NaN, both
    assert arrow[0].replace_schema_metadata(None).equals(arrow[1].replace_schema_metadata(None))
    assert (fast.rows, fast.curves, fast.wells, fast.per_well, fast.warnings) == \
        (slow.rows, slow.curves, slow.wells, slow.per_well, slow.warnings)
    b2 = a[a["WELL"] == "B-2"]
    assert b2["RHOB"].tolist() == pytest.approx([2.40, 2.41])  # kg/m³ converted on the fast path too
    assert np.isnan(a.loc[a["WELL"] == "A-1", "GR"]).sum() == 1


def test_only_clean_las_files_take_the_columns_path(fx):
    clean = load_file(fx("las20.las"), LoadOptions(), columns_ok=True)
    assert isinstance(clean.frame, WellColumns)
    repaired = load_file(fx("non_monotonic.las"), LoadOptions(), columns_ok=True)
    assert isinstance(repaired.frame, pd.DataFrame)  # sorted by pandas, as before
    assert isinstance(load_file(fx("las20.las"), LoadOptions()).frame, pd.DataFrame)  # the default: a frame


def test_to_frame_equals_the_frame_the_pandas_path_makes(fx, monkeypatch):
    fast = load_file(fx("las20.las"), LoadOptions(), columns_ok=True).to_frame()
    _pandas_only(monkeypatch)
    slow = load_file(fx("las20.las"), LoadOptions(), columns_ok=True).to_frame()
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.attrs["geonet"] == slow.attrs["geonet"]


def test_csv_output_and_labels_take_the_pandas_path(tmp_path):
    folder = _inputs(tmp_path)
    report = ingest([folder], tmp_path / "out.csv", format="csv", jobs=1)
    df = pd.read_csv(tmp_path / "out.csv")
    assert len(df) == report.rows and list(df.columns[:2]) == ["WELL", "DEPTH_M"]


@pytest.mark.skipif(not (REPO / "geonet").is_dir(), reason="needs the source tree")
def test_a_las_ingest_does_not_import_pandas(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a.las", las(ROWS_A, well="A-1"))
    write(folder, "b.las", las(ROWS_A, well="B-1"))
    code = ("import sys\nfrom geonet.features.ingest import ingest\n"
            f"ingest([{str(folder)!r}], {str(tmp_path / 'o.parquet')!r}, jobs=1)\n"
            "print(sorted(m for m in ('pandas', 'lasio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_write_parquet_columns_equals_write_parquet_of_the_frame(tmp_path):
    from geonet.io.write import write_parquet

    gr = np.array([1.0, np.nan, 3.0, 4.0, np.nan])
    depth = np.array([1.0, 2.0, 3.0, 10.0, 11.0])
    wells = [("Ødegård 1", {"DEPTH_M": depth[:3], "GR": gr[:3], "RHOB": np.array([2.1, 2.2, np.nan])}),
             ("B", {"DEPTH_M": depth[3:], "GR": gr[3:]})]  # B has no RHOB: nulls
    write_parquet_columns(wells, ["WELL", "DEPTH_M", "GR", "RHOB"], tmp_path / "a.parquet", {"k": 1})
    frame = pd.DataFrame({"WELL": ["Ødegård 1"] * 3 + ["B"] * 2, "DEPTH_M": depth, "GR": gr,
                          "RHOB": [2.1, 2.2, np.nan, np.nan, np.nan]})
    write_parquet(frame, tmp_path / "b.parquet", {"k": 1})
    a, b = (pq.read_table(tmp_path / f"{n}.parquet") for n in "ab")
    assert a.replace_schema_metadata(None).equals(b.replace_schema_metadata(None))
    assert a.column("GR").null_count == 2 and a.column("RHOB").null_count == 3
    assert pq.ParquetFile(tmp_path / "a.parquet").metadata.num_row_groups == 1
    assert a.schema.metadata[b"geonet"] == b.schema.metadata[b"geonet"]


def test_the_sha256_hashed_beside_the_parse_is_the_files(fx):
    import hashlib

    from geonet.io.las import read_las

    for name in ("las20.las", "non_monotonic.las", "wrapped.las"):  # fast, tolerant and lasio readers
        path = fx(name)
        assert read_las(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_las(fx("las20.las"), sha256="given").sha256 == "given"
