"""Look at geonet's runs in the MLflow UI the way a new user would, in headless Chromium.

Starts ``geonet ui`` on a store, opens the link it prints and a few pages behind it, and saves
one PNG per page:

  1_runs_list.png    the link ``geonet ui`` prints (the experiment's runs, "Model training" view)
  2_runs_charts.png  the same runs as charts (loss, gradient norms, validation scores)
  3_run_overview.png the training run: description, datasets, parameters, logged model
  4_run_charts.png   the training run's own metric charts (per-layer gradient and weight norms)
  4b_run_loss_charts.png  the same page with the charts searched for "loss"
  5_model_page.png   the logged model's page (its metrics, linked to the validation wells)

Without ``--tracking-uri`` a small demo store is made first in a temporary folder (the bundled
wells in ``data/las``: ingest, a short training, an evaluation; about a minute). Needs Chromium
(Debian: ``apt-get install -y chromium``)::

    .venv/bin/python scripts/ui_screenshots.py --out screenshots/
    .venv/bin/python scripts/ui_screenshots.py --tracking-uri sqlite:///mlruns/mlflow.db --experiment geonet
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
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
WINDOW = (1600, 1000)
#: pages whose charts run below the fold get a taller window
TALL = (1600, 2400)


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


#: types into a React-controlled search box (the value setter of the prototype, then an input event)
_TYPE_SEARCH = """(() => {
  const box = document.querySelector('input[placeholder*="Search metric charts"]');
  if (!box) return false;
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(box, %s);
  box.dispatchEvent(new Event('input', {bubbles: true}));
  return true;
})()"""


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (its fds 3 and 4): standard
    library only. Unlike ``chromium --screenshot``, whose virtual time left the run page's charts
    spinning, each page gets real seconds to fetch and draw."""

    def __init__(self, chromium: str) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def as_fds_3_and_4() -> None:  # in the child, before exec: copies above 10 first, so
            # that placing one end on 3 or 4 never overwrites the other
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._profile = tempfile.TemporaryDirectory(prefix="chromium-")
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={self._profile.name}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=as_fds_3_and_4, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer, self._id = b"", 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def call(self, method: str, session: bool = False, **params) -> dict:
        """Send one DevTools command and return its result (events in between are skipped)."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def screenshot(self, url: str, png: Path, wait_s: float, size: tuple[int, int], search: str = "") -> None:
        """Open ``url``, wait, optionally type ``search`` into the page's chart search box, save a PNG."""
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=size[0], height=size[1],
                  deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", session=True, url=url)
        time.sleep(wait_s)
        if search:
            self.call("Runtime.evaluate", session=True, expression=_TYPE_SEARCH % json.dumps(search))
            time.sleep(wait_s / 3)
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        png.write_bytes(base64.b64decode(data))
        print(f"{png}  <-  {url}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._profile.cleanup()


def pages(link: str, tracking_uri: str, experiment_id: str) -> dict[str, tuple[str, str]]:
    """The pages to photograph: file name → (URL, text for the chart search box)."""
    from mlflow import MlflowClient

    base = link.split("/#/")[0]
    client = MlflowClient(tracking_uri)
    runs = client.search_runs([experiment_id], filter_string="tags.`geonet.command` = 'train'",
                              order_by=["attributes.start_time DESC"], max_results=1)
    if not runs:
        sys.exit(f"no training run in experiment {experiment_id}")
    run = runs[0]
    view = "workflowType=machine_learning"
    run_page = f"{base}/#/experiments/{experiment_id}/runs/{run.info.run_id}"
    found = {
        "1_runs_list.png": (link, ""),
        # the run-list page keeps only a few query parameters when it redirects: name its tab
        "2_runs_charts.png": (f"{base}/#/experiments/{experiment_id}/runs?{view}&compareRunsMode=CHART", ""),
        "3_run_overview.png": (f"{run_page}?{view}", ""),
        "4_run_charts.png": (f"{run_page}/model-metrics?{view}", ""),  # per-layer gradient norms first
        "4b_run_loss_charts.png": (f"{run_page}/model-metrics?{view}", "loss"),
    }
    outputs = run.outputs.model_outputs if run.outputs else []
    if outputs:
        found["5_model_page.png"] = (f"{base}/#/experiments/{experiment_id}/models/{outputs[-1].model_id}?{view}", "")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracking-uri", help="store to show (default: a demo store made in a temp folder)")
    parser.add_argument("--experiment", default="ui-screenshots", help="experiment to open")
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="folder for the PNGs")
    parser.add_argument("--wait", type=float, default=15.0, help="seconds each page gets to load and draw")
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
            browser = Browser(chromium)
            try:
                for name, (url, search) in pages(link, uri, experiment_id).items():
                    size = TALL if name.endswith("_charts.png") and not search else WINDOW
                    browser.screenshot(url, args.out / name, args.wait, size, search)
            finally:
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # geonet ui and the mlflow server it started
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
