"""A real PostgreSQL for the team-server tests, and ``geonet server`` running on it.

Neither is mocked nor skipped: PostgreSQL is installed with apt-get when absent (see pgcluster.py).
Both live for the whole session and are stopped at its end; the server's teardown checks that
SIGTERM to ``geonet server`` left none of its processes running.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geonet.tracking.team import group_members

from .pgcluster import free_port, running_cluster


@pytest.fixture(scope="session")
def postgres_uri():
    """``postgresql://postgres@127.0.0.1:PORT/mlflow`` of a throwaway cluster."""
    with running_cluster() as uri:
        yield uri


def geonet_command() -> list[str]:
    """The ``geonet`` of this Python (the venv's console script)."""
    script = Path(sys.executable).parent / "geonet"
    return [str(script)] if script.is_file() else [sys.executable, "-c", "from geonet.cli.app import main; main()"]


def clean_env() -> dict[str, str]:
    """The environment for geonet processes: no tracking URI and no HTTP settings of the caller's."""
    drop = ("MLFLOW_TRACKING_URI", "MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
            "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR")
    return {k: v for k, v in os.environ.items() if k not in drop} | {"MLFLOW_DISABLE_TELEMETRY": "true"}


@dataclasses.dataclass
class TeamServer:
    url: str  # what `geonet server` printed for MLFLOW_TRACKING_URI
    artifacts: Path
    log: Path
    database: str


@pytest.fixture(scope="session")
def team_server(postgres_uri, tmp_path_factory):
    """``geonet server`` on the PostgreSQL database, with a shared artifact folder."""
    folder = tmp_path_factory.mktemp("team")
    artifacts, log = folder / "artifacts", folder / "server.log"
    command = geonet_command() + ["server", "--backend-store-uri", postgres_uri, "--artifacts-destination",
                                  str(artifacts), "--port", str(free_port()), "--workers", "2"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=clean_env())
    mlflow_pid = None
    try:
        url = _wait_for_ready(process, log, timeout_s=240)
        (mlflow_pid,) = _children(process.pid)
        yield TeamServer(url, artifacts, log, postgres_uri)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()[-2000:]
        assert group_members(mlflow_pid) == [], "mlflow server processes left running"
        assert "stopped" in log.read_text()
    finally:  # whatever failed above, leave nothing running
        if process.poll() is None:
            mlflow_pid = mlflow_pid or next(iter(_children(process.pid)), None)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if mlflow_pid and group_members(mlflow_pid):
            os.killpg(mlflow_pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # the process has ended
        return []


def _wait_for_ready(process, log: Path, timeout_s: float) -> str:
    prefix = "ready: export MLFLOW_TRACKING_URI="
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if line.startswith(prefix):
                return line[len(prefix):].split()[0]
        if process.poll() is not None:
            raise RuntimeError(f"geonet server exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    raise RuntimeError(f"geonet server not ready after {timeout_s} s:\n{log.read_text()[-3000:]}")
