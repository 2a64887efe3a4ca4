"""Where runs are stored: the tracking URI, the artifact folder, experiments.

By default a project keeps everything under ``<root>/mlruns/``: the SQLite database
``mlruns/mlflow.db`` and artifacts in ``mlruns/artifacts/<experiment>/``. The artifact folder is
set explicitly when an experiment is created, because MLflow would otherwise fix it from
whatever the working directory happened to be.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path
from urllib.parse import unquote, urlparse

from geonet.errors import TrackingError
from geonet.paths import is_uri
from geonet.tracking.team import apply_network_defaults, network_failure

STORE_DIR = "mlruns"
DB_NAME = "mlflow.db"
ARTIFACTS_DIR = "artifacts"

_mlflow = None


def import_mlflow():
    """Import mlflow once, with telemetry off by default and its known noise quietened."""
    global _mlflow
    if _mlflow is None:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        _quieten_mlflow()
        import mlflow

        _mlflow = mlflow
    return _mlflow


def _quieten_mlflow() -> None:
    """Filter only warnings and log lines known to come from mlflow's own dependencies."""
    # SQLAlchemy deprecates `lazy="noload"`, which mlflow's ORM models use.
    warnings.filterwarnings("ignore", message=r".*noload.*", category=DeprecationWarning)
    try:
        from pandas.errors import Pandas4Warning
    except ImportError:  # pandas < 3
        pass
    else:
        warnings.filterwarnings("ignore", category=Pandas4Warning, module=r"mlflow(\.|$)")
    # Schema migrations on a fresh database print a dozen INFO lines.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.WARNING)


def default_tracking_uri(root: Path | None = None) -> str:
    """``sqlite:///<root>/mlruns/mlflow.db`` with an absolute path; creates ``mlruns/``."""
    store = (Path.cwd() if root is None else Path(root)).resolve() / STORE_DIR
    store.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(store / DB_NAME).as_posix()}"


def resolve_tracking_uri(cli_value: str | None = None, root: Path | None = None) -> str:
    """The tracking URI to use: ``--tracking-uri`` > ``$MLFLOW_TRACKING_URI`` > the project default.

    A plain path (no ``scheme:``) given on the command line or in the environment is taken as a
    SQLite database file. ``root`` (default: the working directory) anchors the default store.
    """
    for value in (cli_value, os.environ.get("MLFLOW_TRACKING_URI")):
        if value and value.strip():
            uri = _normalise(value.strip())
            apply_network_defaults(uri)  # a server that is down fails in seconds (tracking/team.py)
            return uri
    return default_tracking_uri(root)


def _normalise(uri: str) -> str:
    if is_uri(uri):
        return uri
    path = Path(uri).expanduser().resolve()
    if path.suffix != ".db":
        raise TrackingError(
            f"tracking URI {uri!r} is neither a URI (sqlite:///..., http://...) nor a .db file"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.as_posix()}"


def sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI, else None."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    return Path(unquote(tracking_uri[len("sqlite:///"):]))


def default_artifact_root(tracking_uri: str) -> Path | None:
    """Folder for the artifacts of a local store: ``artifacts/`` beside the SQLite database.

    For the default store that is ``<root>/mlruns/artifacts``. For a server (http, databricks)
    None: the server decides.
    """
    db = sqlite_path(tracking_uri)
    if db is not None and str(db) not in ("", ":memory:"):
        return db.resolve().parent / ARTIFACTS_DIR
    parsed = urlparse(tracking_uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).resolve() / ARTIFACTS_DIR
    return None


def _folder_name(experiment: str) -> str:
    """A file-system-safe folder name for an experiment name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", experiment).strip("._") or "experiment"


def get_or_create_experiment(client, name: str, artifact_root: Path | str | None = None) -> str:
    """The id of experiment ``name``, creating it with ``<artifact_root>/<name>`` as its artifacts.

    ``client`` is an ``mlflow.MlflowClient``. With ``artifact_root=None`` the store decides (right
    for servers). Restores the experiment if it was deleted.
    """
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            client.restore_experiment(experiment.experiment_id)
        return experiment.experiment_id
    location = None
    if artifact_root is not None:
        folder = Path(artifact_root).resolve() / _folder_name(name)
        location = folder.as_uri()
    try:
        return client.create_experiment(name, artifact_location=location)
    except Exception:  # noqa: BLE001 - created by a concurrent process meanwhile?
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


def ensure_store(tracking_uri: str) -> None:
    """Create, upgrade or repair a local SQLite store atomically (see :mod:`geonet.tracking.sqlite_store`).

    Other stores (servers, databases) are left to MLflow.
    """
    db = sqlite_path(tracking_uri)
    if db is None or str(db) in ("", ":memory:"):
        return
    from geonet.tracking.sqlite_store import ensure_sqlite_store

    import_mlflow()
    artifact_root = default_artifact_root(tracking_uri)
    ensure_sqlite_store(db.resolve(), artifact_root.as_uri())


def make_client(tracking_uri: str):
    """An ``MlflowClient`` for ``tracking_uri`` (also used as the model registry URI)."""
    mlflow = import_mlflow()
    ensure_store(tracking_uri)
    try:
        return mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    except Exception as exc:  # noqa: BLE001 - any failure to open the store
        raise TrackingError(f"cannot open MLflow tracking store {tracking_uri}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """First line of an exception message, shortened to ``limit`` characters (a server that does
    not answer: what happened, without the HTTP library's paragraph)."""
    if (failure := network_failure(exc)) is not None:
        return failure
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_exists(tracking_uri: str, run_id: str) -> bool:
    """Whether the store at ``tracking_uri`` holds a run with this id (deleted runs count as absent)."""
    from mlflow.exceptions import MlflowException

    try:
        run = make_client(tracking_uri).get_run(run_id)
    except MlflowException:
        return False
    return run.info.lifecycle_stage != "deleted"
