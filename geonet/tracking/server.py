"""The ``mlflow server`` command line for browsing a project's runs (``geonet ui``).

A lean server: one worker and no job runner (``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``),
about 0.5 GB and 5 s to start instead of 3 GB and 13 s, bound to localhost unless asked.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from geonet.errors import ConfigError
from geonet.tracking.store import default_artifact_root, sqlite_path

#: MLflow 3.17's UI takes its view from this query parameter (else from the browser's last choice,
#: "GenAI" in a fresh browser); the experiment tag ``mlflow.experimentKind`` is read only when the
#: UI's view switch is disabled, so the link is what lands a user on the training runs
TRAINING_VIEW = "workflowType=machine_learning"


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


def check_port_free(host: str, port: int) -> None:
    """Refuse, in one line, a port that something already listens on (before starting a server)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(f"port {port} on {host} is already in use (another geonet ui?); "
                                  "choose another with --port") from None
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def start_server(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start the server in its own process group, so that :func:`stop_server` stops all of it."""
    return subprocess.Popen(command, env=env, start_new_session=True)


def stop_server(process: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """SIGTERM to the server's whole process group, SIGKILL after ``timeout_s``; nothing left running."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        # the group leader is gone; its children (workers) may linger a moment
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def experiment_url(base_url: str, experiment_id: str | None) -> str:
    """The UI page of an experiment's runs in the "Model training" view (the list when None).

    ``experiment_url("http://127.0.0.1:5000", "3")`` →
    ``http://127.0.0.1:5000/#/experiments/3?workflowType=machine_learning``.
    """
    page = "experiments" if experiment_id is None else f"experiments/{experiment_id}"
    return f"{base_url}/#/{page}?{TRAINING_VIEW}"


def experiment_to_show(tracking_uri: str, name: str | None) -> tuple[str, str] | None:
    """``(id, name)`` of experiment ``name`` in the store, or with ``name=None`` of the experiment
    of the latest run (None when the store has no runs). An unknown name is a ConfigError listing
    the store's experiments."""
    from geonet.tracking.store import make_client

    client = make_client(tracking_uri)
    if name is not None:
        experiment = client.get_experiment_by_name(name)
        if experiment is None or experiment.lifecycle_stage == "deleted":
            names = sorted(e.name for e in client.search_experiments())
            raise ConfigError(f"no experiment named {name!r} in {tracking_uri} "
                              f"(experiments: {', '.join(names) or 'none'})")
        return experiment.experiment_id, experiment.name
    ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(ids, max_results=1, order_by=["attributes.start_time DESC"]) if ids else []
    if not runs:
        return None
    experiment_id = runs[0].info.experiment_id
    return experiment_id, client.get_experiment(experiment_id).name


def open_when_ready(url: str, health_url: str, timeout_s: float = 90.0, opener=None):
    """Open ``url`` in a browser once ``health_url`` answers (a daemon thread; returns it)."""
    import threading
    import time
    import urllib.request
    import webbrowser

    opener = opener or webbrowser.open

    def wait_then_open() -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(health_url, timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            return
        opener(url)

    thread = threading.Thread(target=wait_then_open, name="geonet-ui-open", daemon=True)
    thread.start()
    return thread
