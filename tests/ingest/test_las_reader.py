import warnings

import numpy as np
import pytest

from geonet.errors import InputError
from geonet.features.ingest import load_well
from geonet.io.las import read_las

from .conftest import FIXTURES, REPO


def lasio_data(path):
    import lasio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lasio.read(str(path)).data


@pytest.mark.parametrize("name", ["las20.las", "las12.las", "sentinels.las", "null_custom.las", "aliases.las",
                                  "duplicate.las", "depth_ft.las", "force_labels.las", "latin1.las"])
def test_fast_reader_values_equal_lasio(name):
    raw = read_las(FIXTURES / name)
    assert raw.reader == "fast"
    np.testing.assert_array_equal(raw.data, lasio_data(FIXTURES / name))


def test_fast_reader_equals_lasio_on_a_real_well():
    path = REPO / "data" / "las" / "32_2-1.las"
    raw = read_las(path)
    assert raw.reader == "fast"
    np.testing.assert_array_equal(raw.data, lasio_data(path))


def test_las12_and_las20_read():
    df12 = load_well(FIXTURES / "las12.las")
    assert df12["WELL"].iloc[0] == "ANY ET AL OIL WELL #12"
    assert list(df12.columns) == ["WELL", "DEPTH_M", "RHOB", "DTC", "RDEP"]
    assert df12.attrs["geonet"]["las_version"].startswith("1.2")
    df20 = load_well(FIXTURES / "las20.las")
    assert df20["WELL"].iloc[0] == "W-20" and len(df20) == 5
    assert np.isnan(df20["GR"].iloc[2])


def test_wrapped_file_goes_through_lasio():
    df = load_well(FIXTURES / "wrapped.las")
    assert df.attrs["geonet"]["reader"] == "lasio"
    assert len(df) == 3 and df["DEPTH_M"].tolist() == [910.0, 909.75, 909.5]
    assert df["RDEP"].iloc[0] == pytest.approx(12.2681)  # ILD → RDEP
    assert "SFLA" in df.columns  # SFLU took RSHA; SFLA keeps its own name


def test_las30_read_by_lasio():
    df = load_well(FIXTURES / "las30.las")
    assert df["GR"].tolist()[:2] == [45.0, 50.0]
    assert df["WELL"].iloc[0] == "LAS3 WELL"


def test_depth_in_feet_becomes_metres():
    df = load_well(FIXTURES / "depth_ft.las")
    assert df["DEPTH_M"].iloc[0] == pytest.approx(1000 * 0.3048)
    assert df.attrs["geonet"]["units"]["DEPTH_M"] == "FT"


def test_latin1_and_utf16_files():
    assert load_well(FIXTURES / "latin1.las")["WELL"].iloc[0] == "Ødegård-1"
    df = load_well(FIXTURES / "utf16.las")
    assert df["WELL"].iloc[0] == "UTF16-1" and len(df) == 5


def test_sentinels_and_custom_null_become_nan():
    df = load_well(FIXTURES / "sentinels.las")
    assert df["GR"].isna().tolist() == [True, True, True, False]
    assert np.isnan(df["NPHI"].iloc[0]) and np.isnan(df["RHOB"].iloc[2])
    df = load_well(FIXTURES / "null_custom.las")
    assert np.isnan(df["GR"].iloc[0]) and np.isnan(df["RHOB"].iloc[1]) and df["GR"].iloc[1] == 50.2


def test_aliases_map_to_canonical_names():
    df = load_well(FIXTURES / "aliases.las")
    assert {"RHOB", "RDEP", "NPHI"} <= set(df.columns)
    assert df.attrs["geonet"]["mnemonics"]["RHOB"] == "DEN"
    assert df.attrs["geonet"]["units"]["RDEP"] == "ohm.m"


def test_duplicate_mnemonic_keeps_both_with_a_note():
    df = load_well(FIXTURES / "duplicate.las")
    assert df["GR"].iloc[0] == 45.1 and df["GR_2"].iloc[0] == 2.35
    assert any("duplicate" in n for n in df.attrs["geonet"]["notes"])


def test_force_labels_curve_becomes_lithology():
    df = load_well(FIXTURES / "force_labels.las")
    assert list(df.columns)[-2:] == ["LITHOLOGY_CONFIDENCE", "LITHOLOGY"]
    assert df["LITHOLOGY"].iloc[0] == 65000 and np.isnan(df["LITHOLOGY"].iloc[3])


@pytest.mark.parametrize("name, words", [
    ("no_data.las", "no ~A"),
    ("not_las.las", "not a LAS file"),
    ("empty.las", "empty file"),
    ("missing.las", "file not found"),
])
def test_bad_files_get_clear_errors(name, words):
    with pytest.raises(InputError) as info:
        load_well(FIXTURES / name)
    assert words in str(info.value) and name in str(info.value)


def test_bundled_wells_have_labels_and_canonical_curves():
    from geonet.features.ingest import load_inputs

    loaded = list(load_inputs([REPO / "data" / "las"]))
    assert len(loaded) == 4
    for _, df in loaded:
        assert {"GR", "RHOB", "NPHI", "DTC", "LITHOLOGY"} <= set(df.columns)
        assert df["LITHOLOGY"].notna().any()


@pytest.mark.parametrize("name", ["las20.las", "aliases.las", "duplicate.las", "force_labels.las", "latin1.las",
                                  "sentinels.las", "null_custom.las", "depth_ft.las", "wrapped.las"])
def test_quick_header_reads_what_lasio_reads(name):
    """The small LAS 2.0 header reader gives lasio's curves, units, NULL, STRT unit and well name."""
    import re

    from geonet.io.las import _header_fields, _lasio_read
    from geonet.io.las_header import quick_header

    text = (FIXTURES / name).read_bytes().decode("latin-1")
    m = re.search(r"^[ \t]*~A[^\n]*\n", text, re.M | re.I)
    quick = quick_header(text[: m.start()])
    ref = _header_fields(_lasio_read(text[: m.end()], name), text[: m.start()])
    assert quick is not None
    assert [c[:2] for c in quick["curves"]] == [(c.mnemonic, c.unit) for c in ref["curves"]]
    for key in ("wrap", "null_value", "strt_unit"):
        assert quick[key] == ref[key], key
    assert {k: quick["well"].get(k) for k in ("WELL", "UWI")} == {k: ref["well"].get(k) for k in ("WELL", "UWI")}


def test_quick_header_leaves_las12_and_las30_to_lasio():
    from geonet.io.las_header import quick_header

    for name in ("las12.las", "las30.las"):
        text = (FIXTURES / name).read_text(encoding="latin-1")
        assert quick_header(text[: text.upper().index("~A")]) is None
