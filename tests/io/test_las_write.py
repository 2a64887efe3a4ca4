"""A predicted LAS keeps its source (comments, items, values as written) and reads back with lasio."""

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from geonet.io.las_write import format_values, write_las_with_curves

SOURCE = """# LAS format log file from PETREL
# Project units are specified as depth units
#==================================================================
~Version information
VERS.   2.0:
WRAP.   NO:
#==================================================================
~Well
STRT .m      668.93243408 :
STOP .m      669.38843408 :
STEP .m     0.15200000 :
NULL .        -999.250000 :
WELL.  31/6-8   : WELL
DATE.  2020-08-09 20:01:42   : Log Export Date {yyyy-MM-dd HH:mm:ss}
UWI.   31/6-8   : UNIQUE WELL ID
#==================================================================
~Curve
DEPT .m                   : DEPTH
GR .gAPI                  : GR
x_loc ._                  : x_loc
~Parameter
#==================================================================
~Ascii
668.93243408 81.123456789 476770.12345
669.08443408 -999.250000 476770.12346
669.23643408 82.5 476770.12347
669.38843408 83.25 476770.12348
"""


@pytest.fixture
def src(tmp_path) -> Path:
    path = tmp_path / "src.las"
    path.write_text(SOURCE)
    return path


def test_plain_copy_keeps_source_and_appends(tmp_path, src):
    import lasio

    probs = np.array([0.1, 0.30000001, np.nan, 1 / 3], dtype=np.float32)
    codes = np.array([65000.0, 30000.0, np.nan, 65030.0])
    out = write_las_with_curves(src, tmp_path / "o.las", {
        "LITHOLOGY_PRED": (codes, "code", "geonet predicted LITHOLOGY code"),
        "PROB_65000": (probs, "v/v", "probability: of Shale"),
    }, params={"CLASS_65000": ("Shale", "code name")},
        well={"GEONET_DATE": ("2026-12-02T13:45:00Z", "prediction time, UTC, ISO 8601"),
              "GEONET_MODEL": ("runs:/abc123/model", "model URI"), "GEONET_RUN_ID": ("abc123", "run")})
    text = out.read_text()
    src_lines = SOURCE.splitlines()
    # every source header line is there, unchanged and in order (comments, DATE, x_loc)
    header = [line for line in src_lines if not line[:1].isdigit()]
    it = iter(text.splitlines())
    assert all(any(line == got for got in it) for line in header)
    # every source data line starts its output line, as written
    data = [line for line in text.splitlines() if line[:1].isdigit()]
    assert [d.split()[:3] for d in data] == [s.split() for s in src_lines if s[:1].isdigit()]
    assert data[1].split()[3:] == ["30000", "0.3"] and data[2].split()[3:] == ["-999.250000", "-999.250000"]

    las = lasio.read(str(out))
    np.testing.assert_array_equal(las["LITHOLOGY_PRED"], codes)
    np.testing.assert_array_equal(las["PROB_65000"].astype(np.float32), probs)  # float32 round trip, exact
    np.testing.assert_array_equal(las["GR"], [81.123456789, np.nan, 82.5, 83.25])  # no rounding to 5 decimals
    assert las.curves["LITHOLOGY_PRED"].unit == "code" and las.curves["PROB_65000"].unit == "v/v"
    assert ":" not in las.curves["PROB_65000"].descr
    assert las.well["GEONET_DATE"].value == "2026-12-02T13:45:00Z"
    assert las.well["GEONET_RUN_ID"].value == "abc123" and las.well["GEONET_MODEL"].value == "runs:/abc123/model"
    assert las.params["CLASS_65000"].value == "Shale"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.las", "src.las"]  # no temporary file left


def test_no_parameter_section_is_created(tmp_path, src):
    import lasio

    src.write_text(SOURCE.replace("~Parameter\n", ""))
    out = write_las_with_curves(src, tmp_path / "o.las", {"X": (np.arange(4.0) + 0.5, "v/v", "x")},
                                params={"GEONET_VERSION": ("1.2.3", "geonet version")})
    las = lasio.read(str(out))
    assert las.params["GEONET_VERSION"].value == "1.2.3"
    np.testing.assert_array_equal(las["X"], np.arange(4.0) + 0.5)


def test_wrapped_file_goes_through_lasio_with_full_precision(tmp_path):
    import lasio

    src = tmp_path / "wrapped.las"
    src.write_text("""# a comment kept
~Version
VERS. 2.0 :
WRAP. YES :
~Well
STRT.m 1.0 :
STOP.m 2.0 :
STEP.m 1.0 :
NULL. -999.25 :
~Curve
DEPT.m : depth
GR.gAPI : gamma
RHOB.g/cm3 : density
~A
1.0
81.123456789 2.35
2.0
82.5 2.4
""")
    out = write_las_with_curves(src, tmp_path / "o.las", {"P": (np.array([0.123456789, np.nan]), "v/v", "p")},
                                well={"GEONET_MODEL": ("runs:/x/model", "model")})
    text = out.read_text()
    assert text.startswith("# a comment kept\n")
    las = lasio.read(str(out))
    np.testing.assert_allclose(las["GR"], [81.123456789, 82.5], rtol=1e-10)
    np.testing.assert_allclose(las["P"], [0.123456789, np.nan], rtol=1e-9)
    assert las.well["GEONET_MODEL"].value == "runs:/x/model"


def test_format_values_round_trips():
    x64 = np.array([0.1, 1 / 3, 1e-30, -2.5e20, 42.0, np.nan])
    x32 = x64.astype(np.float32)
    for x, dtype in ((x64, np.float64), (x32, np.float32)):
        text = format_values(x, "-999.25")
        back = np.array([np.nan if t == "-999.25" else float(t) for t in text]).astype(dtype)
        np.testing.assert_array_equal(back, x)
    assert format_values(np.array([65000.0]), "N")[0] == "65000"
    assert format_values(np.array([0.3], dtype=np.float32), "N")[0] == "0.3"
    # a float32 result held as float64: written in float32's shortest form, reads back to the same float32
    held = np.array([0.9536204934120178, np.nan])
    assert held[0] == np.float32(held[0])
    assert format_values(held, "N") == ["0.9536205", "N"]
    assert len(format_values(np.array([0.1]), "N")[0]) == 3  # a float64 that is not a float32: its own repr


def test_provenance_items(tmp_path):
    from geonet.workflows.predict import provenance

    when = datetime(2026, 12, 2, 13, 45, 7, tzinfo=timezone.utc)
    got = provenance("runs:/0123abc/model", tmp_path, when)
    assert got["GEONET_RUN_ID"][0] == "0123abc" and got["GEONET_MODEL"][0] == "runs:/0123abc/model"
    assert got["GEONET_DATE"][0] == "2026-12-02T13:45:07Z"
    from geonet import __version__

    assert got["GEONET_VERSION"][0] == __version__
    # a downloaded MLflow model: the run id comes from its MLmodel file
    (tmp_path / "MLmodel").write_text("artifact_path: model\nrun_id: feedbeef42\n")
    (tmp_path / "geonet_model").mkdir()
    assert provenance("models:/lith/3", tmp_path / "geonet_model", when)["GEONET_RUN_ID"][0] == "feedbeef42"
