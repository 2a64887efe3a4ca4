"""geonet.nn imports nothing but numpy, the standard library, geonet.errors, geonet.atomic and geonet.spawning
(the last two standard-library only)."""

import ast
import subprocess
import sys
from pathlib import Path

import geonet.nn

NN_DIR = Path(geonet.nn.__file__).parent
ALLOWED = {"numpy", "geonet"}


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module
            elif node.level == 2:  # from .. import x / from ..x import y
                yield f"geonet.{node.module}" if node.module else f"geonet.{node.names[0].name}"


def test_only_numpy_stdlib_and_errors_imported():
    for path in sorted(NN_DIR.glob("*.py")):
        for name in imported_modules(path):
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in ALLOWED, f"{path.name} imports {name}"
            if top == "geonet":
                assert name in ("geonet.errors", "geonet.atomic", "geonet.spawning"), f"{path.name} imports {name}"


def test_importing_nn_loads_no_heavy_packages():
    code = (
        "import sys, geonet.nn, geonet.nn.estimator\n"
        "bad = [m for m in ('pandas', 'mlflow', 'lasio', 'typer', 'xarray', 'sklearn', 'scipy', 'torch')"
        " if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
