import subprocess
import sys

import pandas as pd
from typer.testing import CliRunner

from geonet.cli.app import app

from .conftest import FIXTURES, REPO

runner = CliRunner()


def test_help_is_quick_and_lists_options():
    r = runner.invoke(app, ["ingest", "--help"])
    assert r.exit_code == 0 and "--step-m" in r.output and "--strict" in r.output and "--well-col" in r.output
    code = "import sys; from geonet.cli.app import app; print([m for m in ('lasio','xarray','pyarrow') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO).stdout
    assert out.strip() == "[]"


def test_cli_success(tmp_path):
    r = runner.invoke(app, ["ingest", str(FIXTURES / "las20.las"), "--out", str(tmp_path / "f.parquet"), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "W-20" in r.stdout
    assert pd.read_parquet(tmp_path / "f.parquet").shape == (5, 5)


def test_cli_partial_failure_exit_3(tmp_path):
    args = ["ingest", str(FIXTURES / "las20.las"), str(FIXTURES / "empty.las"), str(FIXTURES / "no_data.las"),
            str(tmp_path / "nope.las"), "--out", str(tmp_path / "f.parquet")]
    r = runner.invoke(app, args)
    assert r.exit_code == 3
    assert f"skipped {FIXTURES / 'empty.las'}: empty file" in r.stderr
    assert "no_data.las: no ~A" in r.stderr and "nope.las: file not found" in r.stderr
    assert "Traceback" not in r.stderr
    assert (tmp_path / "f.parquet").exists()


def test_cli_strict_exit_1(tmp_path):
    args = ["ingest", str(FIXTURES / "empty.las"), str(FIXTURES / "las20.las"), "--strict", "--out", str(tmp_path / "f.parquet")]
    r = runner.invoke(app, args)
    assert r.exit_code == 1 and "error:" in r.stderr and "empty.las: empty file" in r.stderr
    assert not (tmp_path / "f.parquet").exists()


def test_cli_bundled_wells(tmp_path):
    r = runner.invoke(app, ["ingest", str(REPO / "data" / "las"), "--out", str(tmp_path / "f.parquet"), "--jobs", "2"])
    assert r.exit_code == 0, r.output
    df = pd.read_parquet(tmp_path / "f.parquet")
    assert df["WELL"].nunique() == 4
    assert {"GR", "RHOB", "NPHI", "DTC", "LITHOLOGY"} <= set(df.columns)


def test_ingest_options_have_one_name_everywhere():
    """IngestSpec, ingest()'s keywords, the CLI flags and the pipeline keys use the same names."""
    import inspect

    from geonet.features.ingest import ingest
    from geonet.pipeline.kinds.ingest import KIND
    from geonet.spec import IngestSpec

    names = [p.name for p in IngestSpec.params()]
    keywords = [k for k, p in inspect.signature(ingest).parameters.items() if p.kind is p.KEYWORD_ONLY]
    assert set(names) <= set(keywords) and set(names) <= KIND.keys - KIND.own
    help_text = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"}).output
    for name in names:
        assert "--" + name.replace("_", "-") in help_text, name
