"""The SQLite tracking store is created atomically, by one process, and repaired when found broken."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geonet.tracking.sqlite_store import _schema_facts, is_healthy
from geonet.tracking.store import make_client


def _uri(db: Path) -> str:
    return f"sqlite:///{db.as_posix()}"


def _healthy(db: Path) -> bool:
    head, needed, _ = _schema_facts()
    return is_healthy(db, head, needed)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """One freshly created store, copied by the tests that damage it (creating one takes seconds)."""
    db = tmp_path_factory.mktemp("pristine") / "mlflow.db"
    make_client(_uri(db))
    return db


def _copy(pristine: Path, tmp_path: Path) -> Path:
    db = tmp_path / "mlflow.db"
    db.write_bytes(pristine.read_bytes())
    return db


def _with_runs(db: Path, n: int = 2) -> None:
    client = make_client(_uri(db))
    exp = client.create_experiment("kept")
    for _ in range(n):
        client.create_run(exp)


def _sql(db: Path, statement: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(statement)


def test_new_store_is_complete_with_nothing_left_beside_it(pristine):
    assert _healthy(pristine)
    names = sorted(p.name for p in pristine.parent.iterdir())
    assert names == ["mlflow.db", "mlflow.db.lock"]  # no temporary database, no journal
    umask = os.umask(0)
    os.umask(umask)
    assert pristine.stat().st_mode & 0o777 == 0o666 & ~umask


def test_store_damaged_by_a_half_applied_migration_is_set_aside_and_rebuilt(pristine, tmp_path, capsys):
    db = _copy(pristine, tmp_path)
    _with_runs(db, 2)
    # a migration's DDL committed but not its version bump: MLflow then fails on "duplicate column"
    _sql(db, "UPDATE alembic_version SET version_num = '7f2a7d5fae7d'")
    client = make_client(_uri(db))
    assert [e.name for e in client.search_experiments()] == ["Default"]
    assert client.create_run("0").info.status == "RUNNING"
    note = capsys.readouterr().err.strip().splitlines()
    assert len(note) == 1 and note[0].startswith("note: MLflow store") and "2 run(s) stay readable" in note[0]
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("mlflow.db.broken-")]
    assert len(aside) == 1
    with sqlite3.connect(aside[0]) as conn:  # the runs are kept, never deleted
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


@pytest.mark.parametrize("damage", [
    "CREATE TABLE _alembic_tmp_latest_metrics (a INTEGER)",
    "UPDATE alembic_version SET version_num = 'ffffffffffff'",
])
def test_leftover_migration_table_or_unknown_revision_is_rebuilt(pristine, tmp_path, capsys, damage):
    db = _copy(pristine, tmp_path)
    _sql(db, damage)
    make_client(_uri(db)).search_experiments()
    assert _healthy(db)
    assert "half-created or damaged" in capsys.readouterr().err
    assert any(p.name.startswith("mlflow.db.broken-") for p in tmp_path.iterdir())


def test_not_a_database_is_set_aside(tmp_path, capsys):
    db = tmp_path / "mlflow.db"
    db.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 200)
    make_client(_uri(db)).search_experiments()
    assert _healthy(db)
    assert "not a database" in capsys.readouterr().err


def test_interrupted_creation_is_completed_in_place_of_a_copy(tmp_path, capsys):
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase
    from sqlalchemy import create_engine

    db = tmp_path / "mlflow.db"
    engine = create_engine(_uri(db))
    InitialBase.metadata.create_all(engine)  # MLflow's first step; killed before the migrations
    engine.dispose()
    make_client(_uri(db)).search_experiments()
    assert _healthy(db)
    assert "completed" in capsys.readouterr().err
    assert not any(p.name.startswith("mlflow.db.broken-") for p in tmp_path.iterdir())


def test_stale_temporary_databases_are_swept(tmp_path):
    stale = tmp_path / ".mlflow.db.abc123.tmp"
    stale.write_bytes(b"half")
    (tmp_path / ".mlflow.db.abc123.tmp-journal").write_bytes(b"j")
    make_client(_uri(tmp_path / "mlflow.db"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlflow.db", "mlflow.db.lock"]


def test_healthy_store_is_not_rebuilt(pristine, tmp_path, capsys):
    db = _copy(pristine, tmp_path)
    _with_runs(db, 1)
    inode = db.stat().st_ino
    make_client(_uri(db))
    assert db.stat().st_ino == inode and capsys.readouterr().err == ""


# -- processes: killed at many moments, and four at once ------------------------------------------

_CREATE = """
import sys
from geonet.tracking.store import make_client
client = make_client(sys.argv[1])
exp = client.get_experiment_by_name("race") or None
from geonet.tracking.store import get_or_create_experiment
run = client.create_run(get_or_create_experiment(client, "race"))
client.set_terminated(run.info.run_id)
"""


def _env() -> dict:
    return {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONWARNINGS": "ignore"}


@pytest.mark.slow
def test_first_store_creation_killed_at_many_moments_never_breaks_the_store(tmp_path):
    for delay in [0.0, 0.3, 0.7, 1.2, 2.0, 3.5]:
        folder = tmp_path / f"after-{delay}s"
        folder.mkdir()
        db = folder / "mlflow.db"
        proc = subprocess.Popen([sys.executable, "-c", _CREATE, _uri(db)], env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not any(p.name.endswith(".tmp") for p in folder.iterdir()) and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # whatever the moment, the database is absent or complete, and the next command works
        assert not db.exists() or _healthy(db), delay
        client = make_client(_uri(db))
        run = client.create_run("0")
        client.set_terminated(run.info.run_id)
        assert _healthy(db)
        assert not any(p.name.endswith(".tmp") for p in folder.iterdir())


@pytest.mark.slow
def test_four_first_commands_at_once_all_succeed(tmp_path):
    db = tmp_path / "mlflow.db"
    procs = [subprocess.Popen([sys.executable, "-c", _CREATE, _uri(db)], env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err[-300:] for _, err in results]
    client = make_client(_uri(db))
    exp = client.get_experiment_by_name("race")
    assert len(client.search_runs([exp.experiment_id])) == 4
    assert not any(p.name.startswith("mlflow.db.broken-") for p in tmp_path.iterdir())
