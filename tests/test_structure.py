"""The code's shape, checked: no import cycles between the project's modules, and SQL only in `store/`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "blueprints", "cli", "cluster", "config", "operations", "providers", "store")
# What writes SQL: sqlalchemy's statement builders, and the tables they are built over.
SQL_NAMES = frozenset({"select", "insert", "update", "delete", "text", "func", "union_all", "exists"})


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _project(name: str) -> str | None:
    """Return the project module that importing name runs (a package's __init__ for a name in it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports_at_load(module: str, path: Path) -> Iterator[ast.Import | ast.ImportFrom]:
    """Yield the imports a module runs when it is loaded: not in functions, not under TYPE_CHECKING."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def walk(statements: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
        for statement in statements:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                if isinstance(statement, ast.ImportFrom) and statement.level:
                    parts = package.split(".")[: len(package.split(".")) - statement.level + 1]
                    statement.module = ".".join([*parts, *([statement.module] if statement.module else [])])
                    statement.level = 0
                yield statement
            elif isinstance(statement, ast.If) and "TYPE_CHECKING" not in ast.unparse(statement.test):
                yield from walk(statement.body)
                yield from walk(statement.orelse)
            elif isinstance(statement, ast.Try):
                yield from walk(statement.body)
                for handler in statement.handlers:
                    yield from walk(handler.body)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")).body)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for module, path in MODULES.items():
        for statement in _imports_at_load(module, path):
            if isinstance(statement, ast.Import):
                targets = [_project(alias.name) for alias in statement.names]
            else:
                base = statement.module or ""
                targets = [_project(f"{base}.{alias.name}") for alias in statement.names]
            graph[module] |= {t for t in targets if t is not None and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_when_loaded() -> None:
    graph = _graph()
    assert len(graph) > 200 and sum(len(targets) for targets in graph.values()) > 500
    assert _cycles(graph) == []


def test_sql_is_written_only_in_store() -> None:
    offenders = []
    for module, path in MODULES.items():
        if module.split(".")[0] == "store":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "sqlalchemy.sql"):
                named = sorted(SQL_NAMES & {alias.name for alias in node.names})
                if named:
                    offenders.append(f"{module} imports {', '.join(named)} from {node.module}")
            if isinstance(node, ast.ImportFrom) and node.module == "store.tables":
                offenders.append(f"{module} imports store.tables")
    assert offenders == []
