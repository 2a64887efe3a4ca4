"""SIGTERM/SIGHUP end a run KILLED like Ctrl-C; runs left RUNNING by a SIGKILL are found and ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import typer

from geonet.cli._common import handle_errors
from geonet.signals import Interrupted, identity, process_alive
from geonet.tracking import orphans
from geonet.tracking.logger import FAILURE_TAG, RunTracker
from geonet.tracking.store import make_client


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_ends_the_run_killed_and_exits_128_plus_signal(store, sig, capsys):
    ids = []

    @handle_errors
    def command():
        with RunTracker(store, "signals") as run:
            ids.append(run.run_id)
            os.kill(os.getpid(), sig)
            time.sleep(30)  # interrupted long before

    with pytest.raises(typer.Exit) as exit_info:
        command()
    assert exit_info.value.exit_code == 128 + sig
    run = make_client(store).get_run(ids[0])
    assert run.info.status == "KILLED"
    assert signal.Signals(sig).name in run.data.tags[FAILURE_TAG]
    assert capsys.readouterr().err.strip() == f"interrupted ({signal.Signals(sig).name})"
    assert signal.getsignal(signal.SIGTERM) is not None  # handlers restored after the command


def test_signal_handlers_are_restored(store):
    before = signal.getsignal(signal.SIGTERM)
    handle_errors(lambda: None)()
    assert signal.getsignal(signal.SIGTERM) is before


def test_run_left_running_by_a_dead_process_is_ended_killed(store, monkeypatch, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not process_alive(str(dead.pid), "")
    client = make_client(store)
    exp = client.create_experiment("orphans")
    me = identity()
    orphan = client.create_run(exp, tags={orphans.PID_TAG: str(dead.pid), orphans.HOST_TAG: me["host"],
                                         orphans.START_TAG: "1"}).info.run_id
    alive = client.create_run(exp, tags={orphans.PID_TAG: me["pid"], orphans.HOST_TAG: me["host"],
                                        orphans.START_TAG: me["start"]}).info.run_id
    elsewhere = client.create_run(exp, tags={orphans.PID_TAG: str(dead.pid), orphans.HOST_TAG: "other-host",
                                            orphans.START_TAG: "1"}).info.run_id
    monkeypatch.setattr(orphans, "_checked", set())
    with RunTracker(store, "orphans") as run:
        assert run.client.get_run(run.run_id).data.tags[orphans.PID_TAG] == me["pid"]
    assert client.get_run(orphan).info.status == "KILLED"
    assert "ended without closing" in client.get_run(orphan).data.tags[FAILURE_TAG]
    assert client.get_run(alive).info.status == "RUNNING"  # this process still runs
    assert client.get_run(elsewhere).info.status == "RUNNING"  # another host's: cannot be checked
    assert f"1 run(s) left RUNNING by killed processes marked KILLED: {orphan}" in capsys.readouterr().err


def test_reused_pid_is_not_mistaken_for_the_runs_process():
    me = identity()
    assert process_alive(me["pid"], me["start"])
    assert not process_alive(me["pid"], str(int(me["start"] or 0) + 12345)) or not me["start"]


def test_interrupted_is_a_keyboard_interrupt():
    assert isinstance(Interrupted(signal.SIGTERM), KeyboardInterrupt)
    assert str(Interrupted(signal.SIGTERM)) == "SIGTERM"


_SLEEPER = """
import sys, time
from geonet.cli._common import handle_errors
from geonet.tracking.logger import RunTracker
@handle_errors
def main():
    with RunTracker(sys.argv[1], "sleeper") as run:
        print(run.run_id, flush=True)
        time.sleep(120)
try:
    main()
except Exception as exc:  # typer.Exit outside a Typer app
    sys.exit(exc.exit_code)
"""


@pytest.mark.slow
def test_sigterm_from_outside_and_sigkill_then_next_start(store):
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    client = make_client(store)
    ids = {}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        proc = subprocess.Popen([sys.executable, "-c", _SLEEPER, store], stdout=subprocess.PIPE, text=True, env=env)
        ids[sig] = proc.stdout.readline().strip()
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == (143 if sig == signal.SIGTERM else -signal.SIGKILL)
    assert client.get_run(ids[signal.SIGTERM]).info.status == "KILLED"
    assert client.get_run(ids[signal.SIGKILL]).info.status == "RUNNING"
    proc = subprocess.run([sys.executable, "-c", _SLEEPER.replace("time.sleep(120)", "pass"), store],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0
    assert client.get_run(ids[signal.SIGKILL]).info.status == "KILLED"
    assert "marked KILLED" in proc.stderr
