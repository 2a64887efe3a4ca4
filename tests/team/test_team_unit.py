"""``geonet server``'s checks, command line and process handling, without PostgreSQL or MLflow."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from typer.testing import CliRunner

from geonet.cli.app import app
from geonet.errors import OptionError, TrackingError
from geonet.tracking import team

runner = CliRunner()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_network_defaults_only_for_http_and_never_over_the_users():
    env: dict[str, str] = {}
    assert team.apply_network_defaults("sqlite:///x/mlflow.db", env) == {} and env == {}
    env = {"MLFLOW_HTTP_REQUEST_TIMEOUT": "300"}
    added = team.apply_network_defaults("https://mlflow.example.org", env)
    assert env["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "300"  # the user's value stays
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in added
    assert env["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2" and env["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] == "1"


def test_resolving_an_http_uri_sets_the_defaults(monkeypatch):
    from geonet.tracking.store import resolve_tracking_uri

    for name in team.NETWORK_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    assert resolve_tracking_uri() == "http://127.0.0.1:9"
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "30"
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2"


def test_a_refused_connection_reads_as_one_short_line(monkeypatch):
    import requests

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    with pytest.raises(requests.ConnectionError) as info:
        requests.get(f"http://127.0.0.1:{_closed_port()}/api", timeout=2)
    assert team.network_failure(info.value) == "server not answering (connection refused; 3 attempts, 30 s timeout each)"
    assert team.network_failure(ValueError("bad value")) is None


def test_redact_and_database_uris():
    assert team.redact("postgresql://ann:s3cret@db:5432/mlflow") == "postgresql://ann:***@db:5432/mlflow"
    assert team.redact("postgresql://ann@db/mlflow") == "postgresql://ann@db/mlflow"
    assert team.check_database_uri("postgresql://ann@db/mlflow") == "postgresql://ann@db/mlflow"
    assert team.sqlalchemy_uri("postgresql://ann@db/mlflow") == "postgresql+psycopg://ann@db/mlflow"
    with pytest.raises(OptionError, match=r"PostgreSQL.*sqlite:///x.db"):
        team.check_database_uri("sqlite:///x.db")
    with pytest.raises(OptionError, match=r"not postgres://.*ann:\*\*\*@db"):
        team.check_database_uri("postgres://ann:s3cret@db/mlflow")
    with pytest.raises(OptionError, match="no database"):
        team.check_database_uri("postgresql://ann@db:5432")
    from geonet.spec import ServerSpec, UISpec

    for spec in (ServerSpec, UISpec):
        with pytest.raises(OptionError, match="--workers: must be >= 1"):
            spec.from_options({"workers": "0"}, text=True, flags=True)
        with pytest.raises(OptionError, match="--port: must be <= 65535"):
            spec.from_options({"port": "70000"}, text=True, flags=True)
    assert (ServerSpec().workers, UISpec().workers, ServerSpec().port) == (4, 1, 5000)


def test_server_command_and_urls(tmp_path):
    cmd = team.team_server_command("postgresql://ann@db/mlflow", str(tmp_path), port=5123, workers=2,
                                   allowed_hosts="mlflow.example.org")
    assert cmd[:4] == [sys.executable, "-m", "mlflow", "server"]
    assert "--serve-artifacts" in cmd
    args = dict(zip(cmd[4::2], cmd[5::2])) | dict(zip(cmd[5::2], cmd[6::2]))
    assert args["--backend-store-uri"] == "postgresql+psycopg://ann@db/mlflow"
    assert args["--artifacts-destination"] == str(tmp_path)
    assert args["--port"] == "5123" and args["--workers"] == "2"
    assert args["--allowed-hosts"] == "mlflow.example.org"
    assert team.tracking_url("127.0.0.1", 5000) == "http://127.0.0.1:5000"
    assert team.tracking_url("0.0.0.0", 5000) == f"http://{socket.gethostname()}:5000"
    assert team.local_url("0.0.0.0", 5000) == "http://127.0.0.1:5000"


def test_unreachable_database_is_one_line_with_the_password_hidden(tmp_path):
    port = _closed_port()
    start = time.monotonic()
    result = runner.invoke(app, ["server", "--backend-store-uri", f"postgresql://ann:s3cret@127.0.0.1:{port}/mlflow",
                                 "--artifacts-destination", str(tmp_path / "art"), "--port", str(_closed_port())])
    assert time.monotonic() - start < 10
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: cannot reach the database postgresql://ann:***@127.0.0.1:{port}/mlflow")
    assert "s3cret" not in result.output
    assert not (tmp_path / "art").exists()  # nothing created before the database answered


def test_bad_option_values_exit_2_before_anything(tmp_path):
    result = runner.invoke(app, ["server", "--backend-store-uri", "sqlite:///x.db", "--artifacts-destination",
                                 str(tmp_path / "art")])
    assert result.exit_code == 2 and "PostgreSQL" in result.output
    result = runner.invoke(app, ["server", "--backend-store-uri", "postgresql://a@h/db", "--artifacts-destination",
                                 str(tmp_path / "art"), "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output
    assert not (tmp_path / "art").exists()


def test_port_in_use_is_refused(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(Exception, match="cannot listen on 127.0.0.1"):
            team.check_port_free("127.0.0.1", busy.getsockname()[1])


def test_database_check_raises_tracking_error():
    with pytest.raises(TrackingError, match="cannot reach the database"):
        team.check_database(f"postgresql://postgres@127.0.0.1:{_closed_port()}/mlflow", timeout_s=2)


#: a stand-in for mlflow server: answers /health, and starts a worker (a grandchild) like uvicorn does
FAKE_SERVER = textwrap.dedent("""
    import http.server, subprocess, sys
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.end_headers(); self.wfile.write(b"OK")
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
""")

#: ``run_server`` as ``geonet server`` uses it, in a process of its own so that it can get signals
SUPERVISOR = textwrap.dedent("""
    import os, sys
    from geonet.tracking.team import run_server
    port = sys.argv[1]
    code = run_server([sys.executable, "-c", sys.argv[2], port], dict(os.environ), f"http://127.0.0.1:{port}",
                      on_ready=lambda: print("ready", flush=True), stop_timeout_s=float(sys.argv[3]))
    print("exit", code, flush=True)
""")


def _children(pid: int) -> list[int]:
    return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process groups from /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signals_stop_the_server_and_its_workers(sig):
    port = _closed_port()
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISOR, str(port), FAKE_SERVER, "10"],
                                  stdout=subprocess.PIPE, text=True)
    try:
        assert supervisor.stdout.readline().strip() == "ready"
        (server,) = _children(supervisor.pid)
        assert len(team.group_members(server)) == 2  # the server and its worker, in their own group
        supervisor.send_signal(sig)
        out, _ = supervisor.communicate(timeout=20)
        assert out.strip() == "exit 0"
        assert supervisor.returncode == 0
        assert team.group_members(server) == []
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process groups from /proc (Linux)")
def test_a_server_ignoring_sigterm_is_killed():
    stubborn = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('up', flush=True)\ntime.sleep(300)"
    process = subprocess.Popen([sys.executable, "-c", stubborn], start_new_session=True, stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "up"
    start = time.monotonic()
    team.stop_group(process, timeout_s=0.5)
    assert process.poll() == -signal.SIGKILL
    assert time.monotonic() - start < 5
    assert team.group_members(process.pid) == []
