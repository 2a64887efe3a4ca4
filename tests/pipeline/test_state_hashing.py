"""The skip check's rule: small files re-hashed every run (once per run), large ones on a changed stamp."""

from __future__ import annotations

import os

from geonet.pipeline import state as state_mod
from geonet.pipeline.state import PipelineState


def _counting(monkeypatch):
    calls = []
    real = state_mod.sha256_file

    def counted(path):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(state_mod, "sha256_file", counted)
    return calls


def test_small_file_hashed_once_per_run_and_again_next_run(tmp_path, monkeypatch):
    f = tmp_path / "a.las"
    f.write_text("x" * 100)
    calls = _counting(monkeypatch)
    run1 = PipelineState(tmp_path / "s.json")
    first = run1.hash_paths([str(f)])[str(f)]
    assert run1.hash_paths([str(f), str(tmp_path)])[str(f)] == first  # named by two steps
    assert len(calls) == 1
    run2 = PipelineState(run1.path, file_hashes=dict(run1.file_hashes))
    st = f.stat()
    f.write_text("y" * 100)  # same size, mtime restored: still seen, by content
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert run2.hash_file(f) != first
    assert len(calls) == 2


def test_large_file_trusted_while_its_stamp_is_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(state_mod, "VERIFY_BYTES", 10)
    f = tmp_path / "big.las"
    f.write_text("x" * 100)
    calls = _counting(monkeypatch)
    run1 = PipelineState(tmp_path / "s.json")
    run1.hash_file(f)
    PipelineState(run1.path, file_hashes=dict(run1.file_hashes)).hash_file(f)
    assert len(calls) == 1
    f.write_text("z" * 101)
    PipelineState(run1.path, file_hashes=dict(run1.file_hashes)).hash_file(f)
    assert len(calls) == 2
