"""The executor interface: every file once, failures as values, work shared by bytes."""

from pathlib import Path

from geonet.errors import InputError
from geonet.features.executor import Failure, map_files, share_out


def _fn(path: Path):
    if path.name.startswith("bad"):
        raise InputError("bad file", path=path)
    if path.name.startswith("boom"):
        raise ZeroDivisionError("x")
    return path.stat().st_size


def test_map_files_yields_each_file_once_with_failures_as_values(tmp_path):
    files = []
    for i, name in enumerate(["a", "bad1", "b", "boom", "c", "d"]):
        (tmp_path / name).write_bytes(b"x" * (i + 1) * 10)
        files.append(tmp_path / name)
    for jobs in (1, 2, 3):
        got = dict(map_files(_fn, files, jobs))
        assert set(got) == set(files)
        assert got[tmp_path / "a"] == 10 and got[tmp_path / "d"] == 60
        assert isinstance(got[tmp_path / "bad1"], Failure) and got[tmp_path / "bad1"].reason == "bad file"
        boom = got[tmp_path / "boom"]
        assert boom.error is None and boom.reason.startswith("unexpected ZeroDivisionError")


def test_share_out_balances_bytes(tmp_path):
    sizes = {"a": 100, "b": 90, "c": 20, "d": 10}
    for n, size in sizes.items():
        (tmp_path / n).write_bytes(b"x" * size)
    mine, theirs = share_out([tmp_path / n for n in sizes], 2)
    assert sorted(p.name for p in mine + theirs) == sorted(sizes)
    assert sum(sizes[p.name] for p in mine) == 110 and sum(sizes[p.name] for p in theirs) == 110
