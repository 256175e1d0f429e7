"""The house of ``sim/``: the chain's layers, no import cycle, short modules with docstrings.

The chain is scenario -> engine -> experiment -> outputs -> cli, and imports may only point
down it: a module imports from its own layer or a layer before it. Imports are read with the
``ast`` module, including those under ``if TYPE_CHECKING:`` (they tie files together for a
reader as much as any other) and those inside functions (lazy imports still depend).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"
LAYERS = ["scenario", "engine", "experiment", "outputs", "cli"]
"""Each layer may import only from itself and the layers before it."""
MAX_LINES = 460
"""'About 450' lines: a module longer than this should be split by concept."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The ``sim`` modules that ``name`` imports (a package import counts as its ``__init__``)."""
    tree = ast.parse(path.read_text())
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target in MODULES:
                found.add(target)
            found |= {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES}
    # a package re-exporting its own children, and a module naming its own package, are not edges
    return {t for t in found if t != name and not t.startswith(name + ".") and not name.startswith(t + ".")}


def _layer(name: str) -> int | None:
    parts = name.split(".")
    if len(parts) < 2:
        return None  # the package itself: the public API at the top of the chain
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else len(LAYERS)


EDGES = {name: _imports(name, path) for name, path in MODULES.items()}


def test_every_module_belongs_to_a_layer() -> None:
    """Apart from the API package and ``__main__``, every module sits in one of the layers."""
    strays = [n for n in MODULES if _layer(n) == len(LAYERS) and n != "sim.__main__"]
    assert not strays, f"modules outside scenario/engine/experiment/outputs/cli: {strays}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down_the_chain(name: str) -> None:
    mine = _layer(name)
    if mine is None or name == "sim.__main__":
        return
    upward = [t for t in EDGES[name] if (_layer(t) or 0) > mine]
    assert not upward, f"{name} ({LAYERS[mine]}) imports from a later layer: {sorted(upward)}"


def test_no_import_cycle() -> None:
    """Depth-first search over the import graph finds no cycle."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(EDGES[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(MODULES):
        if node not in state:
            cycle = visit(node)
            assert cycle is None, " -> ".join(cycle)


def test_the_import_graph_is_read() -> None:
    """The checks are not vacuous: the real graph has edges in every layer."""
    assert "sim.engine.world" in EDGES["sim.engine.dispatch"]
    assert "sim.scenario.schema" in EDGES["sim.engine.world"]
    assert any(t.startswith("sim.engine") for t in EDGES["sim.experiment.runner"])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_short_and_say_what_they_hold(name: str) -> None:
    path = MODULES[name]
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_LINES, f"{path.relative_to(SIM.parent)} is over {MAX_LINES} lines"
    assert ast.get_docstring(ast.parse(text)), f"{path.relative_to(SIM.parent)} has no docstring"
