"""The one-way dependency rule of docs/DESIGN.md, checked on the source (AST), so it stays true."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "geonet"
#: lower layers first; a package may import geonet packages at its own level or below
LAYERS = ["errors", "atomic", "spawning", "paths", "signals", "io", "features", "nn", "spec", "train", "tracking", "workflows", "pipeline", "cli"]
#: third-party packages only these geonet packages may import
ONLY_IN = {
    "mlflow": {"tracking"},
    "matplotlib": {"tracking"},
    "lasio": {"io"},
    "xarray": {"io"},
    "segyio": {"io"},
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
            allowed = top in {"numpy", "__future__"} or name in {"geonet.errors", "geonet.atomic", "geonet.spawning"} or name.startswith("geonet.nn")
            assert allowed or _is_stdlib(top), f"{path.name} imports {name}"


def _is_stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names


def _module_name(path: Path) -> str:
    parts = ["geonet", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path):
    """Like :func:`_imports`, every import (those inside functions too), but not ``if TYPE_CHECKING:`` ones."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]  # relative imports start from the module's package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            start = package[: len(package) - node.level + 1]
            base = node.module if node.level == 0 else ".".join(start + ([node.module] if node.module else []))
            yield base
            yield from (f"{base}.{a.name}" for a in node.names)  # from pkg import submodule


def _import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: {m for m in _runtime_imports(path) if m in modules and m != name}
            for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (a list of modules, first = last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_inside_a_package():
    """Inside each package, modules import one way (a package's ``__init__`` re-exporting its
    modules is not a cycle: edges into an ``__init__`` from its own modules are left out)."""
    graph = _import_graph()
    for name, targets in graph.items():
        package = name.rsplit(".", 1)[0]
        graph[name] = {t for t in targets if not name.startswith(t + ".")}  # a module importing its package
        graph[name] = {t for t in graph[name] if t.rsplit(".", 1)[0] == package or t.startswith(package + ".")
                       or name == t.rsplit(".", 1)[0]}
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


def test_cycle_finder_finds_a_hidden_cycle():
    graph = {"p.steps": {"p.sweep"}, "p.sweep": {"p.steps"}, "p.config": {"p.steps"}}
    assert _cycle(graph) == ["p.steps", "p.sweep", "p.steps"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
