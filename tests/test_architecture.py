"""The import structure the design promises (docs/design.md), read from the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("model", "msim_app")
CORE = {  # the simulation: scenario in, recorded data out
    "model.agents",
    "model.calendar",
    "model.disability",
    "model.drugs",
    "model.kernels",
    "model.kinds",
    "model.metrics",
    "model.model",
    "model.mri",
    "model.patient",
    "model.records",
    "model.run",
    "model.scenario",
    "model.therapy",
}
FACES = ("model.cli", "model.commands", "model.batch", "model.clinical", "msim_app", "app")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    found["app"] = ROOT / "app.py"
    return found


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: set[str]) -> set[str]:
    """Project modules ``path`` imports anywhere (functions included), except for type checking."""
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in out if m in known}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(path, set(mods)) - {name} for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            connect(v)
    return found


def reachable(g: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for w in g[todo.pop()]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def is_face(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FACES)


def test_the_graph_is_read_from_real_imports():
    g = graph()
    assert "model.model" in g["model.run"] and "model.scenario" in g["model.model"]
    assert "model.batch.runner" in g["model.commands.batch"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_in_the_project():
    assert cycles(graph()) == []


def test_the_simulation_core_imports_no_face():
    g = graph()
    for core in sorted(CORE):
        faces = sorted(m for m in reachable(g, core) if is_face(m))
        assert not faces, f"{core} reaches {faces}"


def test_command_line_modules_are_leaves():
    g = graph()
    for name, deps in g.items():
        for dep in deps:
            if dep.startswith("model.commands.") and dep != "model.commands.options":
                assert name == "model.cli", f"{name} imports the command module {dep}"
            if dep == "model.cli":
                assert name == "model.__main__", f"{name} imports model.cli"
