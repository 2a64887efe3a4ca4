"""Reading on this process and spawned helpers (features/pool.py): same results as one process,
failures named per file, a dead helper fails only its own files, helpers never outlive the call."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import geonet.features.executor as executor
import geonet.features.pool as pool
from geonet.cli.main import _will_read_here
from geonet.errors import InputError
from geonet.features.executor import Failure, map_files
from geonet.features.ingest import ingest
from geonet.io.tables import read_table

from .conftest import REPO
from .lasgen import las, write


def _wells(tmp_path, n=6, bad=()):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n):
        rows = "\n".join(f"{1000 + 0.5 * r:.1f} {40 + i + r % 7:.2f} {2.2 + 0.01 * (r % 5):.3f}" for r in range(50 + 40 * i))
        write(folder, f"w{i}.las", las(rows, well=f"W-{i}"))
    for name in bad:
        write(folder, name, "not a LAS file\n")
    return folder


def _pid_or_die(path: Path):
    """The process that read ``path``; a helper reading a file named die* exits at once."""
    if path.name.startswith("die") and multiprocessing.parent_process() is not None:
        os._exit(7)
    return os.getpid()


def test_two_processes_write_the_same_file_as_one(tmp_path):
    folder = _wells(tmp_path, bad=("bad.las",))
    one = ingest([folder], tmp_path / "one.parquet", jobs=1)
    two = ingest([folder], tmp_path / "two.parquet", jobs=2)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    assert (one.rows, one.wells, one.per_well, one.warnings) == (two.rows, two.wells, two.per_well, two.warnings)
    assert one.skipped == two.skipped and "bad.las" in two.skipped[0][0]  # a bad file on a helper is named
    a, _ = read_table(tmp_path / "two.parquet")
    assert list(a["WELL"].unique()) == [f"W-{i}" for i in range(6)]  # the input order, whoever read them


def test_the_default_uses_every_core_for_inputs_past_the_threshold(tmp_path, monkeypatch):
    folder = _wells(tmp_path)
    files = sorted(folder.glob("*.las"))
    monkeypatch.setattr(executor, "PARALLEL_MIN_BYTES", 1)
    readers = {p: r for p, r in map_files(_pid_or_die, files)}
    assert set(readers) == set(files)
    if executor.cores() > 1:
        assert os.getpid() in readers.values() and len(set(readers.values())) == 2  # here and a helper
    monkeypatch.setattr(executor, "PARALLEL_MIN_BYTES", 10**12)
    assert set(dict(map_files(_pid_or_die, files)).values()) == {os.getpid()}  # small inputs: here alone


def test_a_dead_helper_fails_only_its_files_and_the_rest_are_read(tmp_path):
    files = []
    for name in ["a", "b", "c", "die1", "d", "e"]:
        (tmp_path / name).write_bytes(b"x" * (100 if name.startswith("die") else 1000))  # smallest: a helper's
        files.append(tmp_path / name)
    got = dict(map_files(_pid_or_die, files, jobs=2))
    assert set(got) == set(files)
    died = got[tmp_path / "die1"]
    assert isinstance(died, Failure) and "helper process reading it died (exit code 7)" in died.reason
    ok = [r for r in got.values() if not isinstance(r, Failure)]
    assert len(ok) >= 3 and os.getpid() in ok  # the other files were read, here after the helper died


def test_helpers_end_with_the_call_even_when_the_caller_stops_early(tmp_path):
    folder = _wells(tmp_path)
    files = sorted(folder.glob("*.las"))
    parked = set(Path(pool._SHM).glob("geonet-read-*")) if os.path.isdir(pool._SHM) else set()
    results = map_files(_pid_or_die, files, jobs=2)
    next(results)
    assert [p for p in multiprocessing.active_children() if p.name == "geonet-read"]
    results.close()  # e.g. --strict stopping at the first bad file
    assert not [p for p in multiprocessing.active_children() if p.name == "geonet-read"]
    if os.path.isdir(pool._SHM):
        assert set(Path(pool._SHM).glob("geonet-read-*")) == parked  # the results folder is gone


def test_nothing_is_left_when_the_write_fails(tmp_path, monkeypatch):
    folder = _wells(tmp_path)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(InputError, match="f.parquet: cannot write .No space left"):
        ingest([folder], tmp_path / "f.parquet", jobs=2)
    assert [p.name for p in tmp_path.iterdir()] == ["in"]  # no table, no temporary file


@pytest.mark.parametrize("args,expected", [
    (["ingest", "{big}", "--out", "x.parquet"], True),
    (["--debug", "ingest", "{folder}"], True),
    (["ingest", "{small}"], False),  # the default reads small inputs in one process: no helper
    (["ingest", "{small}", "--jobs", "2"], True),
    (["ingest", "{big}", "--jobs", "1"], False),
    (["ingest", "{big}", "--jobs=1"], False),
    (["ingest", "{small}", "--out", "{big}"], False),  # an output is not an input
    (["ingest", "{big}", "--scheduler", "local:2"], False),
    (["ingest", "--help"], False),
    (["train", "{big}"], False),
    ([], False),
])
def test_the_script_starts_a_helper_early_only_for_an_ingest_that_will_use_it(tmp_path, monkeypatch, args, expected):
    (tmp_path / "d").mkdir()
    for name, size in (("d/big.las", executor.PARALLEL_MIN_BYTES), ("small.las", 1000)):
        with open(tmp_path / name, "wb") as fh:
            fh.truncate(size)  # sparse: the size is what counts
    paths = {"big": tmp_path / "d" / "big.las", "folder": tmp_path / "d", "small": tmp_path / "small.las"}
    monkeypatch.setattr(executor, "cores", lambda: 2)
    assert _will_read_here([a.format(**paths) for a in args]) is expected


@pytest.mark.skipif(not (REPO / "geonet").is_dir(), reason="needs the source tree")
def test_the_script_ends_an_early_helper_it_did_not_use(tmp_path):
    folder = _wells(tmp_path, n=1)
    out = subprocess.run([sys.executable, "-m", "geonet.cli.main", "ingest", str(folder), "--out",
                          str(tmp_path / "o.parquet"), "--no-progress"], capture_output=True, text=True, cwd=REPO,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert len(pd.read_parquet(tmp_path / "o.parquet")) == 50


def test_results_go_down_the_pipe_when_the_results_folder_is_full(tmp_path, monkeypatch):
    folder = _wells(tmp_path)
    one = ingest([folder], tmp_path / "one.parquet", jobs=1)
    # the helpers get a results folder they cannot write to (as a full /dev/shm would refuse the files)
    monkeypatch.setattr(pool.tempfile, "mkdtemp", lambda **kw: str(tmp_path / "missing"))
    two = ingest([folder], tmp_path / "two.parquet", jobs=2)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    assert not two.skipped and two.rows == one.rows
