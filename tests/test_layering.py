"""The one-way dependency rule of docs/DESIGN.md, checked on the source (AST), so it stays true."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "geonet"
#: lower layers first; a package may import geonet packages at its own level or below
LAYERS = ["errors", "atomic", "paths", "io", "features", "nn", "spec", "train", "tracking", "workflows", "pipeline", "cli"]
#: third-party packages only these geonet packages may import
ONLY_IN = {
    "mlflow": {"tracking"},
    "matplotlib": {"tracking"},
    "lasio": {"io"},
    "xarray": {"io"},
    "typer": {"cli"},
}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        package = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem
        yield path, package


def _imports(path: Path):
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = ["geonet", *path.relative_to(ROOT).with_suffix("").parts]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module
                continue
            base = here[: len(here) - node.level]
            if node.module:
                yield ".".join([*base, node.module])
            else:  # from . import x, y
                for alias in node.names:
                    yield ".".join([*base, alias.name])


def test_every_package_is_in_a_layer():
    packages = {pkg for _, pkg in _modules()} - {"__init__", "__main__"}
    assert packages <= set(LAYERS), packages - set(LAYERS)


@pytest.mark.parametrize("path,package", list(_modules()), ids=lambda v: str(v)[-40:] if isinstance(v, Path) else v)
def test_imports_flow_one_way(path, package):
    if package not in LAYERS:
        return
    level = LAYERS.index(package)
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "geonet" and "." in name:
            target = name.split(".")[1]
            if target in LAYERS:
                assert LAYERS.index(target) <= level, f"{path.name} ({package}) imports {name}"
        if top in ONLY_IN:
            assert package in ONLY_IN[top], f"{path.name} ({package}) imports {top}"


def test_nn_imports_only_numpy():
    for path in (ROOT / "nn").rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = top in {"numpy", "__future__"} or name in {"geonet.errors", "geonet.atomic"} or name.startswith("geonet.nn")
            assert allowed or _is_stdlib(top), f"{path.name} imports {name}"


def _is_stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names
