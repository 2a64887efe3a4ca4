"""A team's tracking server: ``mlflow server`` on PostgreSQL with one shared artifact root.

``geonet server`` checks the database answers, then starts ``mlflow server`` with the
PostgreSQL database as its backend store (runs, metrics, the model registry) and serves
artifacts itself (``--serve-artifacts``) from one folder or bucket (``--artifacts-destination``),
so clients need no access to the database or the artifact store: only ``http://HOST:PORT``.

Network stores also get a stated timeout and retry count (:func:`apply_network_defaults`), so a
server that is down fails a command in seconds, not after MLflow's default of minutes of retries.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from geonet.errors import ConfigError, OptionError, TrackingError
from geonet.paths import is_uri

#: MLflow's HTTP client settings for http(s) tracking URIs, unless the user set them: each request
#: times out after 30 s, a refused or failed request is retried twice, 1 s then 2 s apart (MLflow's
#: own defaults: 120 s, 7 retries with a backoff factor of 2, several minutes against a dead server).
NETWORK_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
}

#: URI schemes of a PostgreSQL backend store that geonet's driver, psycopg 3, serves (SQLAlchemy 2.1's
#: default for ``postgresql://``)
POSTGRES_SCHEMES = ("postgresql", "postgresql+psycopg")
#: seconds to wait for the database to answer before ``geonet server`` gives up
DB_CONNECT_TIMEOUT_S = 5


def is_network_store(tracking_uri: str) -> bool:
    """Whether the tracking URI is a server reached over HTTP(S)."""
    return urlsplit(tracking_uri).scheme in ("http", "https")


def apply_network_defaults(tracking_uri: str, environ: dict | None = None) -> dict[str, str]:
    """For an http(s) tracking URI, set :data:`NETWORK_DEFAULTS` in ``environ`` (default:
    ``os.environ``) where the user has not set them; returns the values set."""
    env = os.environ if environ is None else environ
    if not is_network_store(tracking_uri):
        return {}
    added = {name: value for name, value in NETWORK_DEFAULTS.items() if not env.get(name)}
    env.update(added)
    return added


#: (text in a requests/urllib3 error, what it means), most specific first
_NETWORK_FAILURES = (
    ("Connection refused", "connection refused"),
    ("Name or service not known", "unknown host"),
    ("Temporary failure in name resolution", "unknown host"),
    ("nodename nor servname", "unknown host"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network unreachable"),
    ("timed out", "timed out"),
    ("Read timed out", "timed out"),
    ("Max retries exceeded", "no answer"),
)


def network_failure(exc: BaseException) -> str | None:
    """One line for an exception that means an HTTP tracking server did not answer, else None:
    ``server not answering (connection refused; 3 attempts, 30 s timeout each)``."""
    text = " ".join(str(e) for e in _chain(exc))
    if "HTTPConnectionPool" not in text and "HTTPSConnectionPool" not in text:
        return None
    reason = next((meaning for needle, meaning in _NETWORK_FAILURES if needle in text), None)
    if reason is None:
        return None
    retries = os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "7")
    timeout = os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "120")
    attempts = 1 + int(retries) if retries.isdigit() else retries
    return f"server not answering ({reason}; {attempts} attempts, {timeout} s timeout each)"


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def redact(uri: str) -> str:
    """``uri`` with its password replaced by ``***`` (for messages and logs)."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def check_database_uri(uri: str) -> str:
    """The backend store URI, checked to be a PostgreSQL one (``postgresql://USER:PASSWORD@HOST:PORT/DB``)."""
    scheme = urlsplit(uri).scheme
    if scheme in ("postgres", "postgresql+psycopg2"):
        raise OptionError(f"--backend-store-uri: write postgresql://..., not {scheme}://... ({redact(uri)})")
    if scheme not in POSTGRES_SCHEMES:
        raise OptionError(
            f"--backend-store-uri must be a PostgreSQL database, postgresql://USER:PASSWORD@HOST:PORT/DATABASE, "
            f"not {redact(uri)}"
        )
    if not urlsplit(uri).path.strip("/"):
        raise OptionError(f"--backend-store-uri names no database (…/DATABASE): {redact(uri)}")
    return uri


def sqlalchemy_uri(uri: str) -> str:
    """The URI with psycopg 3 named as its driver, whatever SQLAlchemy's default for ``postgresql://``."""
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


def check_database(uri: str, timeout_s: int = DB_CONNECT_TIMEOUT_S) -> None:
    """Connect to the database once; :class:`TrackingError` in one line if it does not answer."""
    import psycopg

    dsn = uri.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        connection = psycopg.connect(dsn, connect_timeout=timeout_s)
    except psycopg.Error as exc:
        raise TrackingError(f"cannot reach the database {redact(uri)}: {_first_line(exc)}") from exc
    connection.close()


def artifacts_destination(value: str) -> str:
    """``--artifacts-destination``: a URI (``s3://…``) as it is, a folder made absolute and created."""
    if is_uri(value):
        return value
    folder = Path(value).expanduser().resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the artifact folder: {exc.strerror}", path=folder) from exc
    return str(folder)


def check_port_free(host: str, port: int) -> None:
    """:class:`ConfigError` if ``host:port`` cannot be bound (another server is on it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def team_server_command(
    backend_store_uri: str,
    artifacts: str,
    host: str = "127.0.0.1",
    port: int = 5000,
    workers: int = 4,
    allowed_hosts: str | None = None,
    python: str | None = None,
) -> list[str]:
    """Arguments that start ``mlflow server`` on PostgreSQL, serving the artifacts in ``artifacts``."""
    from geonet.spec import ServerSpec

    check_database_uri(backend_store_uri)
    ServerSpec.from_options(dict(host=host, port=port, workers=workers, allowed_hosts=allowed_hosts))  # ranges
    command = [
        python or sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", sqlalchemy_uri(backend_store_uri),
        "--serve-artifacts",
        "--artifacts-destination", artifacts,
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
    ]
    if allowed_hosts:
        command += ["--allowed-hosts", allowed_hosts]
    return command


def tracking_url(host: str, port: int) -> str:
    """The URI users set as ``MLFLOW_TRACKING_URI``: a server bound to every interface
    (``0.0.0.0``, ``::``) is named by this machine's host name."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def local_url(host: str, port: int) -> str:
    """The address this machine reaches the server at (for the readiness check)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def wait_ready(url: str, alive, timeout_s: float = 180.0, poll_s: float = 0.5) -> bool:
    """Poll ``url``/health until it answers 200 (True), ``alive()`` turns False or time runs out (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and alive():
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(poll_s)
    return False


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0].strip() if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def run_server(command: list[str], env: dict[str, str], url: str, on_ready=None, on_slow=None,
               ready_timeout_s: float = 180.0, stop_timeout_s: float = 15.0) -> int:
    """Run ``command`` in a process group of its own until it exits or this process gets
    SIGTERM, SIGINT (Ctrl-C) or SIGHUP (its terminal closed), which stop the whole group (the server and every worker it started: nothing is
    left running). ``on_ready()`` is called once ``url``/health answers, ``on_slow()`` if it has
    not after ``ready_timeout_s``. Returns the server's exit code, or 0 when stopped by a signal.
    """
    import signal
    import subprocess

    process = subprocess.Popen(command, env=env, start_new_session=True)
    stopping: list[int] = []

    def forward(signum, _frame):
        stopping.append(signum)
        _signal_group(process.pid, signal.SIGTERM)

    stop_signals = [signal.SIGTERM, signal.SIGINT] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {sig: signal.signal(sig, forward) for sig in stop_signals}
    try:
        if wait_ready(url, lambda: process.poll() is None and not stopping, ready_timeout_s):
            if on_ready is not None:
                on_ready()
        elif process.poll() is None and not stopping and on_slow is not None:
            on_slow()
        code = process.wait()
    finally:
        stop_group(process, stop_timeout_s)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping else code


def stop_group(process, timeout_s: float = 15.0) -> None:
    """SIGTERM to the process group led by ``process``, then SIGKILL to whatever is left after
    ``timeout_s``; returns when no process of the group is running."""
    import signal

    pgid = process.pid
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        if not group_alive(pgid) and process.poll() is not None:
            return
        _signal_group(pgid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            process.poll()  # reap the leader, so it does not count as alive
            if not group_alive(pgid) and process.poll() is not None:
                return
            time.sleep(0.1)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_alive(pgid: int) -> bool:
    """Whether a live process (not a zombie) of process group ``pgid`` remains."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel (zombies count as alive here)
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return bool(group_members(pgid))


def group_members(pgid: int) -> list[int]:
    """Pids of the live (not zombie) processes of group ``pgid``, read from /proc (Linux)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members
