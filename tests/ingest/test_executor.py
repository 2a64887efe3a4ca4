"""The executor interface: every file once, failures as values; --jobs on this machine, --scheduler on Dask."""

import sys
from pathlib import Path

import pytest

from geonet.errors import InputError
from geonet.features.cluster import plan_batches
from geonet.features.executor import PARALLEL_MIN_BYTES, Failure, check_scheduler, cores, local_processes, map_files


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
    for kwargs in ({"jobs": 1}, {"jobs": 2}):
        got = dict(map_files(_fn, files, **kwargs))
        assert set(got) == set(files)
        assert got[tmp_path / "a"] == 10 and got[tmp_path / "d"] == 60
        assert isinstance(got[tmp_path / "bad1"], Failure) and got[tmp_path / "bad1"].reason == "bad file"
        boom = got[tmp_path / "boom"]
        assert boom.error is None and boom.reason.startswith("unexpected ZeroDivisionError")


def test_plain_runs_never_import_dask(tmp_path):
    (tmp_path / "a").write_bytes(b"x")
    before = "distributed" in sys.modules
    assert dict(map_files(_fn, [tmp_path / "a"])) == {tmp_path / "a": 1}
    assert ("distributed" in sys.modules) == before


def test_jobs_are_processes_here_and_the_default_depends_on_the_inputs_only():
    assert local_processes(5, jobs=2) == 2
    assert local_processes(5, jobs=1) == 1 and local_processes(1) == 1
    assert local_processes(3, jobs=8) == 3  # never more processes than files
    # by default, small inputs are read here: a helper would boot later than this process is done
    assert local_processes(5, n_bytes=PARALLEL_MIN_BYTES - 1) == 1
    assert local_processes(5, jobs=2, n_bytes=10) == 2
    assert local_processes(5, n_bytes=PARALLEL_MIN_BYTES) == min(cores(), 5)


@pytest.mark.parametrize("bad", ["local:0", "local", "8786", "http://x:8786", "tcp://", "local:two"])
def test_bad_schedulers_are_refused(bad):
    with pytest.raises(ValueError, match="not a scheduler"):
        check_scheduler(bad)


def test_batches_group_small_files_and_keep_big_ones_alone(tmp_path):
    sizes = {"big1": 5_000_000, "big2": 4_500_000, **{f"s{i}": 1000 for i in range(40)}}
    for n, size in sizes.items():
        with open(tmp_path / n, "wb") as fh:
            fh.truncate(size)
    batches = plan_batches([tmp_path / n for n in sizes], workers=2)
    flat = [p.name for b in batches for p in b]
    assert sorted(flat) == sorted(sizes)  # every file exactly once
    assert [p.name for p in batches[0]] == ["big1"] and [p.name for p in batches[1]] == ["big2"]
    assert max(len(b) for b in batches) == 42 // 8  # ≥ 4 tasks per worker: 42 files / 8
    assert len(plan_batches([tmp_path / "s1"], workers=4)) == 1
