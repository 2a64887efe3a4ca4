"""Writers refuse what is not a regular file or folder at an output path; temporary files never stay."""

from __future__ import annotations

import errno
import os
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geonet import atomic
from geonet.atomic import atomic_path, check_output_target, sweep_stale_temporaries
from geonet.cli.app import app
from geonet.errors import InputError

runner = CliRunner()


def _one_error_line(result) -> str:
    lines = [line for line in result.output.strip().splitlines() if line]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("kind", ["fifo", "symlink", "socket", "directory"])
def test_ingest_refuses_special_out_before_any_work(tmp_path, synthetic_wells, kind):
    out = tmp_path / "out.parquet"
    target = tmp_path / "target.parquet"
    target.write_bytes(b"keep me")
    if kind == "fifo":
        os.mkfifo(out)
    elif kind == "symlink":
        out.symlink_to(target)
    elif kind == "directory":
        out.mkdir()
    else:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(out))
    result = runner.invoke(app, ["ingest", str(synthetic_wells[0]), "--out", str(out)])
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert line.startswith(f"error: {out}: is ") and "unexpected" not in line
    assert target.read_bytes() == b"keep me"
    assert out.is_symlink() or not out.is_file()  # still what it was
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_follow_symlinks_writes_to_the_target(tmp_path, synthetic_wells):
    out, target = tmp_path / "link.parquet", tmp_path / "real.parquet"
    out.symlink_to(target)
    result = runner.invoke(app, ["--follow-symlinks", "ingest", str(synthetic_wells[0]), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert out.is_symlink() and target.is_file() and target.stat().st_size > 0


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_devices_are_refused(device):
    with pytest.raises(InputError, match="is a character device, not a regular file"):
        check_output_target(device)
    with pytest.raises(InputError):
        with atomic_path(device):
            raise AssertionError("never reached")


def test_predict_out_must_be_a_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="is a file; give a folder"):
        check_output_target(tmp_path / "f", folder=True)
    assert check_output_target(tmp_path, folder=True) == tmp_path


def test_interrupted_write_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "table.csv"
    out.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(out) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_stale_temporaries_are_swept_fresh_ones_kept(tmp_path):
    stale = tmp_path / ".features.parquet.ab12cd34.tmp"
    fresh = tmp_path / ".features.parquet.zz99yy88.tmp"
    other = tmp_path / ".notes.tmp"  # not one of geonet's
    for p in (stale, fresh, other):
        p.write_bytes(b"x")
    old = time.time() - atomic.STALE_TMP_S - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    assert sweep_stale_temporaries(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, other.name])


def test_ingest_sweeps_stale_temporaries_at_start(tmp_path, synthetic_wells):
    stale = tmp_path / ".out.parquet.ab12cd34.tmp"
    stale.write_bytes(b"x" * 1000)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    result = runner.invoke(app, ["ingest", str(synthetic_wells[0]), "--out", str(tmp_path / "out.parquet"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert not stale.exists()


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_full_disk_or_read_only_is_one_line_naming_the_output(tmp_path, err):
    out = tmp_path / "t.parquet"
    with pytest.raises(InputError) as info:
        with atomic_path(out):
            raise OSError(err, os.strerror(err))
    assert str(info.value) == f"{out}: cannot write ({os.strerror(err)})"
    assert list(tmp_path.iterdir()) == []


def test_pyarrow_style_error_without_errno_is_recognised(tmp_path):
    with pytest.raises(InputError, match="cannot write"):
        with atomic_path(tmp_path / "t.parquet"):
            raise OSError("IOError: No space left on device. Detail: [errno 28]")


def test_other_os_errors_stay_as_they_are(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / "t.parquet"):
            raise FileNotFoundError(2, "gone")
