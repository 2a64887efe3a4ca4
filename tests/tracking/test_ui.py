import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from geonet.cli import ui as ui_cli
from geonet.errors import ConfigError
from geonet.tracking.server import server_command, server_env, server_url


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    ui_cli.register(app)

    @app.command("other")  # a second command so that `ui` stays a named subcommand
    def _other() -> None:
        pass

    return app


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "mlruns" / "mlflow.db"
    path.parent.mkdir()
    path.write_bytes(b"")
    return path


def test_help(app):
    result = CliRunner().invoke(app, ["ui", "--help"])
    assert result.exit_code == 0
    for option in ("--tracking-uri", "--host", "--port", "--workers"):
        assert option in result.output


def test_server_command(db):
    uri = f"sqlite:///{db.as_posix()}"
    cmd = server_command(uri, port=5123)
    assert cmd[:4] == [sys.executable, "-m", "mlflow", "server"]
    args = dict(zip(cmd[4::2], cmd[5::2]))
    assert args == {
        "--backend-store-uri": uri,
        "--default-artifact-root": (db.parent / "artifacts").as_uri(),
        "--host": "127.0.0.1",
        "--port": "5123",
        "--workers": "1",
    }


def test_server_env_and_url():
    env = server_env({"PATH": "/bin"})
    assert env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"
    assert env["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert server_url("0.0.0.0", 5000) == "http://127.0.0.1:5000"


def test_bad_stores_and_options(db, tmp_path):
    with pytest.raises(ConfigError, match="SQLite"):
        server_command("http://localhost:5000")
    with pytest.raises(ConfigError, match="train a model first"):
        server_command(f"sqlite:///{(tmp_path / 'none.db').as_posix()}")
    with pytest.raises(ConfigError, match="port"):
        server_command(f"sqlite:///{db.as_posix()}", port=0)


def test_cli_reports_missing_store(app, tmp_path):
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code == 1
    assert "error: no MLflow database yet" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_server_starts_and_answers_health(store):
    from geonet.tracking.logger import RunTracker

    with RunTracker(store, "ui-smoke"):
        pass  # make sure the database exists
    port = _free_port()
    proc = subprocess.Popen(
        server_command(store, port=port), env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{server_url('127.0.0.1', port)}/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, "mlflow server exited"
                assert time.monotonic() < deadline, "mlflow server not ready after 60 s"
                time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_busy_port_is_one_line_and_non_zero(app, db, monkeypatch):
    monkeypatch.chdir(db.parent.parent)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["ui", "--port", str(port)])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert lines == [f"error: port {port} on 127.0.0.1 is already in use (another geonet ui?); choose another with --port"]


@pytest.mark.slow
def test_sigterm_stops_ui_and_its_server(store, tmp_path):
    import os
    import signal

    from geonet.tracking.logger import RunTracker

    with RunTracker(store, "ui-stop"):
        pass
    port = _free_port()
    env = {**server_env(), "MLFLOW_TRACKING_URI": store}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("geonet")), "ui", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{server_url('127.0.0.1', port)}/health", timeout=2):
                break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
    group = int(subprocess.run(["ps", "-o", "pgid=", "--ppid", str(proc.pid)], capture_output=True,
                               text=True).stdout.split()[0])
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert "stopped" in proc.stderr.read()
    time.sleep(1)
    left = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True).stdout.split()
    assert left == [], f"server processes left running: {left}"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server_url('127.0.0.1', port)}/health", timeout=2)


def test_experiment_url():
    from geonet.tracking.server import experiment_url

    assert experiment_url("http://127.0.0.1:5000", "7") == (
        "http://127.0.0.1:5000/#/experiments/7?workflowType=machine_learning")
    assert experiment_url("http://h:1", None) == "http://h:1/#/experiments?workflowType=machine_learning"


@pytest.fixture()
def ui_store(tmp_path):
    from geonet.tracking.logger import RunTracker

    uri = f"sqlite:///{(tmp_path / 'ui' / 'mlflow.db').as_posix()}"
    (tmp_path / "ui").mkdir()
    with RunTracker(uri, "older"):
        pass
    time.sleep(0.01)
    with RunTracker(uri, "latest") as run:
        pass
    return uri, run.experiment_id


class _FakeServer:
    def __init__(self, command, env=None):
        self.command = command

    def wait(self, timeout=None):
        return 0


def test_cli_prints_training_view_link(app, ui_store, monkeypatch):
    from mlflow import MlflowClient

    uri, latest_id = ui_store
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda cmd, **kw: started.append(cmd) or _FakeServer(cmd))
    opened = []
    monkeypatch.setattr("geonet.tracking.server.open_when_ready", lambda url, health: opened.append((url, health)))
    older_id = MlflowClient(uri).get_experiment_by_name("older").experiment_id

    result = CliRunner().invoke(app, ["ui", "--tracking-uri", uri, "--port", "5077", "--experiment", "older", "--open"])
    assert result.exit_code == 0, result.output
    link = f"http://127.0.0.1:5077/#/experiments/{older_id}?workflowType=machine_learning"
    assert f"open {link}" in result.output and "'older'" in result.output
    assert opened == [(link, "http://127.0.0.1:5077/health")] and started[0][3] == "server"

    # no --experiment: the experiment of the latest run; no --open: no browser
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", uri, "--port", "5077"])
    assert f"/#/experiments/{latest_id}?workflowType=machine_learning" in result.output
    assert len(opened) == 1


def test_cli_unknown_experiment_names_the_choices(app, ui_store, monkeypatch):
    uri, _ = ui_store
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("server started"))
    result = CliRunner().invoke(app, ["ui", "--tracking-uri", uri, "--experiment", "nope"])
    assert result.exit_code == 1
    assert "no experiment named 'nope'" in result.output and "latest" in result.output and "older" in result.output


def test_open_when_ready_waits_for_health():
    from geonet.tracking.server import open_when_ready

    opened = []
    thread = open_when_ready("http://x/#/", f"http://127.0.0.1:{_free_port()}/health", timeout_s=1.0,
                             opener=opened.append)
    thread.join(5)
    assert opened == []  # nothing answered: no browser on a dead page


def test_open_when_ready_opens_once_the_server_answers():
    import http.server
    import threading

    from geonet.tracking.server import open_when_ready

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        opened = []
        open_when_ready("http://x/#/e", f"http://127.0.0.1:{server.server_port}/", opener=opened.append).join(10)
        assert opened == ["http://x/#/e"]
    finally:
        server.shutdown()
