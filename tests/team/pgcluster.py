"""A throwaway PostgreSQL cluster for the team-server tests: Debian's ``postgresql`` package
(installed with apt-get when absent and running as root), ``initdb`` in a temporary folder, a
server on a free loopback port, one database; stopped and deleted at the end.

PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres`` user and its
commands run through ``runuser``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
OWNER = "postgres"


def pg_bin() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (or the folder of ``initdb`` on PATH);
    installs Debian's ``postgresql`` with apt-get first when there is none."""
    found = _find_bin()
    if found is None:
        _install()
        found = _find_bin()
    if found is None:
        raise RuntimeError("PostgreSQL's initdb not found after installing the postgresql package")
    return found


def _find_bin() -> Path | None:
    versions = sorted(PG_ROOT.glob("*/bin/initdb"), key=lambda p: _version(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _version(name: str) -> tuple:
    return tuple(int(x) if x.isdigit() else 0 for x in name.split("."))


def _install() -> None:
    """``apt-get install -y postgresql`` (after ``apt-get update`` if the first try fails); the
    package starts a ``main`` cluster of its own, which these tests do not use: it is stopped."""
    if os.geteuid() != 0:
        raise RuntimeError("PostgreSQL is not installed: run `apt-get install -y postgresql` as root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    for version in PG_ROOT.glob("*"):
        subprocess.run(["pg_ctlcluster", version.name, "main", "stop"], capture_output=True)


def _ensure_owner() -> None:
    """As root, the ``postgres`` user that owns the cluster (the package creates it; made if missing)."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(OWNER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", OWNER], check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", OWNER, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_owner(command), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed: {result.stderr.strip() or result.stdout.strip()}")


@contextlib.contextmanager
def running_cluster(database: str = "mlflow"):
    """Yield ``postgresql://postgres@127.0.0.1:PORT/<database>`` of a new cluster; stop and delete it after."""
    bin_dir = pg_bin()
    _ensure_owner()
    folder = Path(tempfile.mkdtemp(prefix="geonet-pg-"))  # not under pytest's 0700 root-only tmp
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, OWNER, OWNER)
    port = free_port()
    started = False
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
              "--no-sync", "--no-instructions"])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        try:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"),
                  "-w", "-t", "60", "start"])
        except RuntimeError as exc:
            log = folder / "server.log"
            raise RuntimeError(f"{exc}\n{log.read_text()[-2000:] if log.is_file() else ''}") from None
        started = True
        _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database])
        yield f"postgresql://postgres@127.0.0.1:{port}/{database}"
    finally:
        if started:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)
