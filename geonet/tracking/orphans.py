"""Runs left RUNNING by a process that was killed (SIGKILL, power loss) are found and ended KILLED.

Every run geonet opens carries the tags ``geonet.pid``, ``geonet.host`` and ``geonet.pid_start``
(the process's start time, so a reused pid is not mistaken for the run's process). When geonet
opens a store (once per process and store) it looks for RUNNING runs of this host whose process
no longer runs, ends them KILLED with the reason in ``geonet.failure_reason``, and says so in one
line. Runs of other hosts are left alone: their processes cannot be checked from here. On a
tracking server only the experiment being opened is searched.
"""

from __future__ import annotations

import sys

from geonet.signals import identity, process_alive

PID_TAG, HOST_TAG, START_TAG = "geonet.pid", "geonet.host", "geonet.pid_start"
_checked: set[str] = set()


def process_tags() -> dict[str, str]:
    """The tags naming this process, for a run it opens."""
    me = identity()
    return {PID_TAG: me["pid"], HOST_TAG: me["host"], START_TAG: me["start"]}


def end_orphaned_runs(client, tracking_uri: str, failure_tag: str, experiment_id: str) -> list[str]:
    """End KILLED the RUNNING runs of this host whose process is gone; their ids. Once per store.

    A local SQLite store is searched whole; a server only in ``experiment_id`` (cheap on a big one).
    """
    if tracking_uri in _checked:
        return []
    _checked.add(tracking_uri)
    host = identity()["host"].replace("'", "")
    local = tracking_uri.startswith("sqlite:")
    experiments = [e.experiment_id for e in client.search_experiments()] if local else [experiment_id]
    if not experiments:
        return []
    runs = client.search_runs(experiments, filter_string=f"attributes.status = 'RUNNING' and tags.`{HOST_TAG}` = '{host}'",
                              max_results=1000)
    ended = []
    for run in runs:
        tags = run.data.tags
        if process_alive(tags.get(PID_TAG, ""), tags.get(START_TAG, "")):
            continue
        reason = f"process {tags.get(PID_TAG)} on {host} ended without closing the run (killed)"
        client.set_tag(run.info.run_id, failure_tag, reason)
        client.set_terminated(run.info.run_id, status="KILLED")
        ended.append(run.info.run_id)
    if ended:
        print(f"note: {len(ended)} run(s) left RUNNING by killed processes marked KILLED: {', '.join(ended[:5])}"
              + (" …" if len(ended) > 5 else ""), file=sys.stderr, flush=True)
    return ended
