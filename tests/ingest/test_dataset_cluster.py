"""Ingest on a Dask cluster: a worker killed mid-run, then the rerun completes, nothing lost or twice."""

import os
import shutil
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster, WorkerPlugin

from geonet.features.ingest import ingest
from geonet.features.table import read_feature_table

from .conftest import FIXTURES

GOOD = ["las20.las", "aliases.las", "depth_ft.las", "wrapped.las", "las12.las", "force_labels.las"]


class KillOnce(WorkerPlugin):
    """Kills its worker process (as the OOM killer would) when the task of ``victim`` starts, once."""

    def __init__(self, victim: str, marker: str) -> None:
        self.victim, self.marker = victim, marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and self.victim in str(key) and not os.path.exists(self.marker):
            Path(self.marker).write_text("killed")
            os._exit(9)


@pytest.fixture
def cluster():
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.worker.multiprocessing-method": "fork"}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=50) as c, Client(c) as client:
            yield c, client


@pytest.mark.slow
def test_killed_worker_then_rerun_equals_a_clean_run(tmp_path, cluster):
    c, client = cluster
    src = tmp_path / "in"
    src.mkdir()
    for n in GOOD:
        shutil.copy(FIXTURES / n, src / n)
    clean = ingest([src], tmp_path / "clean", jobs=1)

    client.register_plugin(KillOnce("depth_ft", str(tmp_path / "killed")))
    out = tmp_path / "ds"
    cut = ingest([src], out, scheduler=c.scheduler_address)
    assert (tmp_path / "killed").exists()
    lost = [Path(p).name for p, _ in cut.skipped]  # the victim, and any task queued on its worker
    assert "depth_ft.las" in lost and len(lost) < len(GOOD)
    assert all("worker" in reason and "lost" in reason for _, reason in cut.skipped)
    assert cut.rows < clean.rows

    rerun = ingest([src], out, scheduler=c.scheduler_address)
    # the victim is read again; a file whose result died with the worker after its parts were
    # written is not (its receipt is on disk)
    assert rerun.skipped == [] and len(GOOD) - len(lost) <= rerun.reused < len(GOOD)
    a, b = read_feature_table(tmp_path / "clean"), read_feature_table(out)
    assert len(b) == clean.rows == rerun.rows
    assert not b.duplicated(["WELL", "DEPTH_M"]).any()
    assert sorted(b["WELL"].unique()) == sorted(a["WELL"].unique())
    assert len(list(out.glob("well=*/*.parquet"))) == len(list((tmp_path / "clean").glob("well=*/*.parquet")))


@pytest.mark.slow
def test_a_scheduler_nobody_listens_on_is_one_line_and_writes_nothing(tmp_path):
    from geonet.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        ingest([FIXTURES / "las20.las", FIXTURES / "aliases.las"], tmp_path / "ds", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "ds").exists()
