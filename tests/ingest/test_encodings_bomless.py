"""UTF-16 without a byte-order mark is all ASCII bytes plus NULs: it must not take the ASCII fast path."""

from pathlib import Path

import numpy as np

from geonet.io.las import read_las

FIXTURES = Path(__file__).parent / "fixtures"


def test_bomless_utf16_reads_like_the_original(tmp_path):
    original = FIXTURES / "las20.las"
    text = original.read_bytes().decode("ascii")
    bomless = tmp_path / "bomless_utf16.las"
    bomless.write_bytes(text.encode("utf-16-le"))
    a, b = read_las(original), read_las(bomless)
    assert b.encoding == "utf-16-le"
    assert [c.mnemonic for c in a.curves] == [c.mnemonic for c in b.curves]
    np.testing.assert_array_equal(a.data, b.data)


def test_ascii_fast_path_matches_lasio(tmp_path):
    import lasio

    las = read_las(FIXTURES / "las20.las")
    assert las.encoding == "utf-8" and las.reader == "fast"
    np.testing.assert_array_equal(las.data, lasio.read(str(FIXTURES / "las20.las")).data)
