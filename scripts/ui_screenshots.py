"""Look at geonet's runs in the MLflow UI the way a new user would, in headless Chromium.

Starts ``geonet ui`` on a store, opens the link it prints and a few pages behind it, and saves
one PNG per page:

  1_runs_list.png    the link ``geonet ui`` prints (the experiment's runs, "Model training" view)
  2_runs_charts.png  the same runs as charts (loss, gradient norms, validation scores)
  3_run_overview.png the training run: description, datasets, parameters, logged model
  4_run_charts.png   the training run's own metric charts (loss, per-layer gradient norms)
  5_model_page.png   the logged model's page (its metrics, linked to the validation wells)

Without ``--tracking-uri`` a small demo store is made first in a temporary folder (the bundled
wells in ``data/las``: ingest, a short training, an evaluation; about a minute). Needs Chromium
(Debian: ``apt-get install -y chromium``)::

    .venv/bin/python scripts/ui_screenshots.py --out screenshots/
    .venv/bin/python scripts/ui_screenshots.py --tracking-uri sqlite:///mlruns/mlflow.db --experiment geonet
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEONET = [sys.executable, "-c", "from geonet.cli.app import main; main()"]
WINDOW = "1600,1000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _geonet(*args: str, cwd: Path, env: dict) -> str:
    out = subprocess.run([*GEONET, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"geonet {' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return out.stdout


def demo_store(folder: Path, env: dict, experiment: str) -> str:
    """Ingest the bundled wells, train briefly, evaluate: a store with one of each run."""
    wells = sorted((ROOT / "data" / "las").glob("*.las"))
    if len(wells) < 3:
        sys.exit(f"need the bundled wells in {ROOT / 'data' / 'las'}")
    _geonet("ingest", *map(str, wells[:-1]), "--out", "train.parquet", "--no-progress", cwd=folder, env=env)
    _geonet("ingest", str(wells[-1]), "--out", "test.parquet", "--no-progress", cwd=folder, env=env)
    out = _geonet("train", "train.parquet", "--experiment", experiment, "--epochs", "8", "--patience", "0",
                  "--ensemble", "1", "--max-rows-per-well", "3000", "--no-progress", cwd=folder, env=env)
    model = [line for line in out.splitlines() if line.startswith("model:")][-1].split(":", 1)[1].strip()
    _geonet("evaluate", "test.parquet", "--model", model, "--experiment", experiment, cwd=folder, env=env)
    return env["MLFLOW_TRACKING_URI"]


def wait_for(url: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the UI did not answer at {url} within {timeout_s:.0f} s")


def screenshot(chromium: str, url: str, png: Path, budget_ms: int) -> None:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", f"--user-data-dir={profile}", f"--window-size={WINDOW}",
                        f"--virtual-time-budget={budget_ms}", f"--screenshot={png}", url],
                       capture_output=True, timeout=180)
    if not png.is_file():
        sys.exit(f"chromium wrote no screenshot for {url}")
    print(f"{png}  ←  {url}")


def pages(link: str, tracking_uri: str, experiment_id: str) -> dict[str, str]:
    """The pages to photograph: file name → URL."""
    from mlflow import MlflowClient

    base = link.split("/#/")[0]
    client = MlflowClient(tracking_uri)
    runs = client.search_runs([experiment_id], filter_string="tags.`geonet.command` = 'train'",
                              order_by=["attributes.start_time DESC"], max_results=1)
    if not runs:
        sys.exit(f"no training run in experiment {experiment_id}")
    run = runs[0]
    view = "workflowType=machine_learning"
    found = {
        "1_runs_list.png": link,
        # the run-list page keeps only a few query parameters when it redirects: name its tab
        "2_runs_charts.png": f"{base}/#/experiments/{experiment_id}/runs?{view}&compareRunsMode=CHART",
        "3_run_overview.png": f"{base}/#/experiments/{experiment_id}/runs/{run.info.run_id}?{view}",
        "4_run_charts.png": f"{base}/#/experiments/{experiment_id}/runs/{run.info.run_id}/model-metrics?{view}",
    }
    outputs = run.outputs.model_outputs if run.outputs else []
    if outputs:
        found["5_model_page.png"] = f"{base}/#/experiments/{experiment_id}/models/{outputs[-1].model_id}?{view}"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracking-uri", help="store to show (default: a demo store made in a temp folder)")
    parser.add_argument("--experiment", default="ui-screenshots", help="experiment to open")
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="folder for the PNGs")
    parser.add_argument("--budget-ms", type=int, default=60000, help="virtual time each page gets to render")
    args = parser.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        sys.exit("no Chromium found (Debian: apt-get install -y chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="geonet-ui-") as tmp:
        work = Path(tmp)
        if args.tracking_uri:
            uri = args.tracking_uri
        else:
            env["MLFLOW_TRACKING_URI"] = f"sqlite:///{(work / 'mlruns' / 'mlflow.db').as_posix()}"
            (work / "mlruns").mkdir()
            print("making a demo store (ingest, train, evaluate) ...", flush=True)
            uri = demo_store(work, env, args.experiment)
        port = _free_port()
        server = subprocess.Popen([*GEONET, "ui", "--tracking-uri", uri, "--port", str(port),
                                   "--experiment", args.experiment], cwd=work, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            link = None
            for line in server.stdout:
                found = re.search(r"open (http\S+)", line)
                if found:
                    link = found.group(1)
                    break
            if link is None:
                sys.exit("geonet ui printed no link")
            print(f"geonet ui printed: {link}")
            wait_for(f"http://127.0.0.1:{port}/health")
            experiment_id = re.search(r"/#/experiments/(\d+)", link).group(1)
            for name, url in pages(link, uri, experiment_id).items():
                screenshot(chromium, url, args.out / name, args.budget_ms)
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # geonet ui and the mlflow server it started
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
