"""A local SQLite tracking store that is created and upgraded atomically, by one process at a time.

MLflow builds its schema in place, in dozens of steps that are not one transaction: a process
killed 2–3 s into the first ``geonet train`` of a project (or a full disk) left a half-created
database that every later command refused (``table mcp_servers already exists``), and two first
trains started together raced each other's migrations (``duplicate column name: step``).

:func:`ensure_sqlite_store` runs before MLflow opens a ``sqlite:///`` store:

- **Fast path** (every command on a healthy store, ≈ 1 ms): the database is read-only inspected;
  at MLflow's head schema revision, with every table and no leftover ``_alembic_tmp_*`` table,
  nothing else happens and no lock is taken.
- **Otherwise**, under an exclusive ``fcntl.flock`` on ``<db>.lock`` beside the database (the
  second and later processes wait, then find a healthy store): the schema is built in a
  temporary database ``.<db>.XXXX.tmp`` in the same folder — from nothing, or from a copy of an
  older store that MLflow's migrations upgrade — and renamed onto ``<db>`` (``os.replace``), so
  the database is either absent, the old one, or complete; never half-built.
- **An incomplete store** (an older schema, or a creation interrupted between two steps) is
  completed by MLflow's own creation and migrations on a copy, swapped in the same way.
- **A damaged store** (leftover ``_alembic_tmp_*`` tables, a revision this MLflow does not know,
  not a database, or one that MLflow's migrations cannot complete: ``table mcp_servers already
  exists``) is renamed aside to ``<db>.broken-<UTC time>`` — never deleted: its runs stay
  readable there — and a fresh store is built. Each repair is one ``note:`` line on stderr.
Temporary databases left by a killed builder are swept under the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

from geonet.atomic import file_mode
from geonet.errors import TrackingError

SIDECARS = ("-journal", "-wal", "-shm")
LOCK_SUFFIX = ".lock"


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


@functools.cache
def _schema_facts() -> tuple[str, set[str], set[str]]:
    """MLflow's head revision, the tables its ORM needs, and every revision it knows."""
    from alembic.script import ScriptDirectory
    from mlflow.store.db.utils import Base, _get_alembic_config

    script = ScriptDirectory.from_config(_get_alembic_config(db_url=""))
    heads = script.get_heads()
    if len(heads) != 1:
        raise TrackingError(f"MLflow's migrations have {len(heads)} heads; cannot create a store")
    known = {rev.revision for rev in script.walk_revisions()}
    return heads[0], set(Base.metadata.tables), known


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _revision(conn: sqlite3.Connection, tables: set[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def is_healthy(db: Path, head: str, needed: set[str]) -> bool:
    """Whether ``db`` is a complete store at revision ``head`` (read-only look; False on any doubt)."""
    if not db.is_file() or db.stat().st_size == 0:
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=30)) as conn:
            tables = _tables(conn)
            return (_revision(conn, tables) == head and needed <= tables
                    and not any(t.startswith("_alembic_tmp") for t in tables))
    except sqlite3.Error:
        return False


def diagnose(db: Path, known: set[str]) -> tuple[str | None, int, str | None]:
    """``(problem or None, runs, revision)`` of an existing store that is not healthy.

    A problem (leftover migration tables, a revision this MLflow does not know, not a database)
    means a damaged store; None means MLflow's own creation or migrations may complete it. A
    database that is busy (locked by a writer) raises :class:`TrackingError` rather than being
    judged damaged.
    """
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:  # read-write: rolls back a hot journal
            tables = _tables(conn)
            runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0] if "runs" in tables else 0
            revision = _revision(conn, tables)
            leftovers = sorted(t for t in tables if t.startswith("_alembic_tmp"))
            if leftovers:
                return f"leftover table {leftovers[0]} of an interrupted migration", runs, revision
            if revision is not None and revision not in known:
                return f"schema version {revision} unknown to this MLflow", runs, revision
            return None, runs, revision
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise TrackingError(f"the MLflow store is busy (locked by another process): {db}") from exc
        return f"unreadable ({exc})", 0, None
    except sqlite3.DatabaseError as exc:
        return f"not a database ({exc})", 0, None


@contextlib.contextmanager
def store_lock(db: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``<db>.lock`` (released when the process ends, even by SIGKILL)."""
    lock = db.with_name(db.name + LOCK_SUFFIX)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise TrackingError(f"cannot create the store's lock file ({exc.strerror})", path=lock) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def sweep_temporaries(db: Path) -> None:
    """Remove temporary databases left by builders that died (call only under the lock)."""
    for leftover in db.parent.glob(f".{db.name}.*.tmp*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def build(db: Path, artifact_uri: str, source: Path | None = None) -> None:
    """Build a complete store in a temporary database (from nothing, or upgrading a copy of
    ``source``) and rename it onto ``db``. Call under :func:`store_lock`."""
    import mlflow.store.db.utils as db_utils
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    fd, name = tempfile.mkstemp(prefix=f".{db.name}.", suffix=".tmp", dir=db.parent)
    os.close(fd)
    tmp = Path(name)
    uri = f"sqlite:///{tmp.as_posix()}"
    try:
        if source is not None:
            with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
                    contextlib.closing(sqlite3.connect(tmp)) as dst:
                src.backup(dst)
            engine = db_utils.create_sqlalchemy_engine(uri)
            try:
                if db_utils._all_tables_exist(engine):  # an older schema: MLflow's migrations
                    db_utils._upgrade_db(engine)
            finally:
                engine.dispose()
        # creates missing tables (all of them for a new store) and the default experiment
        store = SqlAlchemyStore(uri, artifact_uri)
        store.engine.dispose()
        SqlAlchemyStore._engine_map.pop(uri, None)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())  # as SQLite would have created it, not mkstemp's 0600
        os.replace(tmp, db)
        forget_engines(db)
        with contextlib.suppress(OSError):
            dir_fd = os.open(db.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    finally:
        for leftover in [tmp, *(tmp.with_name(tmp.name + s) for s in SIDECARS)]:
            with contextlib.suppress(OSError):
                leftover.unlink()


def forget_engines(db: Path) -> None:
    """Close this process's pooled MLflow connections to ``db``: after a swap they would still
    read the old file (the inode renamed aside)."""
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    for cls in (SqlAlchemyStore, RegistryStore):
        with cls._engine_map_lock:
            for uri, engine in list(cls._engine_map.items()):
                database = engine.url.database
                if database and Path(database).resolve() == db:
                    engine.dispose()
                    del cls._engine_map[uri]


def set_aside(db: Path) -> Path:
    """Rename a damaged ``db`` (and its journal files) to ``<db>.broken-<UTC time>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    aside = db.with_name(f"{db.name}.broken-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = db.with_name(f"{db.name}.broken-{stamp}-{n}")
    os.replace(db, aside)
    for suffix in SIDECARS:
        with contextlib.suppress(FileNotFoundError):
            os.replace(db.with_name(db.name + suffix), aside.with_name(aside.name + suffix))
    return aside


def ensure_sqlite_store(db: Path, artifact_uri: str) -> None:
    """Make ``db`` a complete MLflow store at the installed MLflow's schema (see the module doc)."""
    head, needed, known = _schema_facts()
    if is_healthy(db, head, needed):
        return
    if db.exists() and not db.is_file():
        raise TrackingError("the tracking store is not a regular file", path=db)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        with store_lock(db):
            if is_healthy(db, head, needed):
                return  # another process built it while we waited
            sweep_temporaries(db)
            _repair(db, artifact_uri, head, known)
    except OSError as exc:
        raise TrackingError(f"cannot create the MLflow store ({exc.strerror or exc})", path=db) from None


def _repair(db: Path, artifact_uri: str, head: str, known: set[str]) -> None:
    if not db.exists() or db.stat().st_size == 0:
        build(db, artifact_uri)
        return
    problem, runs, revision = diagnose(db, known)
    if problem is None:
        try:
            build(db, artifact_uri, source=db)  # completed or upgraded on a copy, then swapped in
        except Exception as exc:  # noqa: BLE001 - any migration failure means a damaged store
            text = str(exc).strip()
            problem = f"MLflow cannot complete it: {text.splitlines()[0][:200] if text else type(exc).__name__}"
        else:
            done = f"upgraded from schema {revision} to {head}" if revision else "completed (its creation had been interrupted)"
            _note(f"MLflow store {db} {done}, on a copy swapped in")
            return
    aside = set_aside(db)
    build(db, artifact_uri)
    kept = f"; its {runs} run(s) stay readable there" if runs else ""
    _note(f"MLflow store {db} was half-created or damaged ({problem}): moved to {aside.name}{kept}, "
          "and a new store was created")
