"""The ``mlflow server`` command line for browsing a project's runs (``geonet ui``).

A lean server: one worker and no job runner (``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``),
about 0.5 GB and 5 s to start instead of 3 GB and 13 s, bound to localhost unless asked.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from geonet.errors import ConfigError
from geonet.tracking.store import default_artifact_root, sqlite_path

UI_MODE_TIP = (
    'Tip: the UI opens in "GenAI" mode; switch to "Model training" (top left) to see the '
    "experiments, runs and charts."
)


def server_command(
    tracking_uri: str,
    host: str = "127.0.0.1",
    port: int = 5000,
    workers: int = 1,
    python: str | None = None,
) -> list[str]:
    """Arguments that start ``mlflow server`` on the store ``tracking_uri`` (a sqlite:/// URI).

    New experiments created through the server keep their artifacts in ``artifacts/`` beside
    the database, like those created by geonet itself.
    """
    db = sqlite_path(tracking_uri)
    if db is None:
        raise ConfigError(
            f"geonet ui serves a local SQLite store (sqlite:///...), not {tracking_uri}; "
            "open that server's own address in a browser instead"
        )
    if not db.is_file():
        raise ConfigError(f"no MLflow database yet (train a model first): {db}")
    if not 0 < port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")
    artifact_root = default_artifact_root(tracking_uri)
    assert artifact_root is not None  # a sqlite store always has one
    return [
        python or sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        tracking_uri,
        "--default-artifact-root",
        Path(artifact_root).as_uri(),
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the server: the caller's, without job execution or telemetry."""
    env = dict(os.environ if base is None else base)
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    return env


def server_url(host: str, port: int) -> str:
    """The address to open in a browser (``0.0.0.0`` / ``::`` shown as localhost)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"
