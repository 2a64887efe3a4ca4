"""Hostile and broken inputs: bounded work, one-line refusals, never an internal error (issue 15)."""

import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from geonet.cli.app import app
from geonet.errors import GeonetError, LASError
from geonet.features.ingest import ingest
from geonet.features.loaders import LoadOptions, load_well
from geonet.io.las_limits import LasLimits

from .conftest import FIXTURES
from .lasgen import las, write

runner = CliRunner()


def test_huge_well_line_refused_fast_before_lasio(tmp_path):
    text = las("1000 45 2.1\n").replace(" WELL.    T-1 : WELL\n", " WELL.    " + "x" * 1_600_000 + " : WELL\n")
    path = write(tmp_path, "long.las", text)
    t0 = time.perf_counter()
    with pytest.raises(LASError, match=r"long\.las: line 9: header line over the limit of 16384 characters"):
        load_well(path)
    assert time.perf_counter() - t0 < 2.0


def test_long_token_in_data_refused_with_its_line(tmp_path):
    rows = "1000 45 2.1\n# a comment inside ~A\n1000.5 " + "x" * 3000 + " 2.2\n"
    with pytest.raises(LASError, match=r"tok\.las: line 17: a value of more than 256 characters"):
        load_well(write(tmp_path, "tok.las", las(rows)))


def test_limits_are_settable(tmp_path):
    path = write(tmp_path, "ok.las", las("1000 45 2.1\n1000.5 46 2.2\n"))
    with pytest.raises(LASError, match="over the limit of 0 MB"):
        load_well(path, options=LoadOptions(limits=LasLimits(max_file_bytes=10)))
    with pytest.raises(LASError, match="header is"):
        load_well(path, options=LoadOptions(limits=LasLimits(max_header_bytes=100)))
    with pytest.raises(LASError, match="line 2: header line"):
        load_well(path, options=LoadOptions(limits=LasLimits(max_line_chars=20)))


def test_not_las_message_shows_only_the_first_token(tmp_path):
    with pytest.raises(LASError) as info:
        load_well(write(tmp_path, "p.las", "root:x:0:0:root:/root:/bin/bash\n"))
    assert "root:x:0:0:root:/roo'" in str(info.value) and "/bin/bash" not in str(info.value)


@pytest.mark.parametrize("text", [
    las("1000 45 2.1\n", (("DEPT", "M"),)),  # depth-only
    las("1000 a b\n1000.5 c d\n"),  # text values in every curve
    las("x 45 2.1\n"),  # text depth
    las("1000 45 2.1\n").replace("~A", "~Curve\n~A"),
    "~V\n~A\n1 2\n",
    "~Version\n VERS. 2.0 :\n WRAP. YES :\n~Curve\n DEPT.M :\n~A\n1\n2 3 4 5 6\n",
    "\ufeff~V\n",
])
def test_odd_files_give_a_geonet_error_or_a_table(tmp_path, text):
    path = write(tmp_path, "odd.las", text)
    try:
        df = load_well(path)
    except GeonetError as exc:
        assert "\n" not in str(exc) and "odd.las" in str(exc) and "unexpected" not in str(exc)
    else:
        assert len(df) > 0 and list(df.columns)[:2] == ["WELL", "DEPTH_M"]


def test_step_and_bad_depths_do_not_abort_good_files(tmp_path):
    write(tmp_path, "inf.las", las("1000 45 2.1\n-inf 46 2.2\n1000.5 47 2.3\n", well="INF"))
    write(tmp_path, "far.las", las("0 45 2.1\n1e12 46 2.2\n", well="FAR"))
    r = ingest([FIXTURES / "las20.las", tmp_path / "inf.las", tmp_path / "far.las"], tmp_path / "o.parquet", step_m=0.25)
    df = pd.read_parquet(r.out_path)
    assert sorted(r.wells) == ["INF", "W-20"] and df["DEPTH_M"].notna().all()
    assert [p.split("/")[-1] for p, _ in r.skipped] == ["far.las"] and "would make" in r.skipped[0][1]
    assert any("non-finite depth dropped" in note for _, note in r.warnings)


def test_cli_hostile_file_is_one_line_and_others_are_kept(tmp_path):
    text = las("1000 45 2.1\n").replace(" WELL.    T-1 : WELL\n", " WELL.    " + "x" * 50_000 + " : WELL\n")
    write(tmp_path, "long.las", text)
    args = ["ingest", str(FIXTURES / "las20.las"), str(tmp_path / "long.las"), "--out", str(tmp_path / "o.parquet"),
            "--max-line-chars", "40000"]
    r = runner.invoke(app, args)
    assert r.exit_code == 3 and "Traceback" not in r.stderr
    assert "long.las: line 9: header line over the limit of 40000 characters (--max-line-chars)" in r.stderr
