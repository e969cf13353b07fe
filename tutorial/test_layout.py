"""The code's layout: parts that depend one way, and modules a reader can hold in mind."""

import ast
from pathlib import Path

from tutorial.paths import BASE_DIR

PACKAGES = ("lessons", "tutorial", "scripts")
MAX_MODULE_LINES = 400


def production_modules() -> dict[str, Path]:
    """Every module of the project but tests and migrations, by dotted name."""
    modules = {}
    for package in PACKAGES:
        for path in (BASE_DIR / package).rglob("*.py"):
            relative = path.relative_to(BASE_DIR)
            if {"tests", "migrations"} & set(relative.parts) or path.name.startswith("test_"):
                continue
            name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def part_of(module: str) -> str:
    """A package's sub-packages and top-level modules are its parts (lessons.lab, lessons.views)."""
    return ".".join(module.split(".")[:2])


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules this one imports, at the top or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {candidate for candidate in candidates if candidate in known}
    return found


def part_graph() -> dict[str, set[str]]:
    modules = production_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        source = part_of(name)
        for target in imported_modules(name, path, set(modules)):
            if part_of(target) != source:
                graph.setdefault(source, set()).add(part_of(target))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each pair of parts that reach each other, as the path from one back to itself."""

    def reaches(start: str) -> dict[str, list[str]]:
        paths, stack = {start: [start]}, [start]
        while stack:
            node = stack.pop()
            for following in graph.get(node, ()):
                if following not in paths:
                    paths[following] = [*paths[node], following]
                    stack.append(following)
        return paths

    found, seen = [], set()
    for part in sorted(graph):
        for other in sorted(graph[part]):
            back = reaches(other).get(part)
            if back and frozenset(back) not in seen:
                seen.add(frozenset(back))
                found.append([part, *back])
    return found


def test_the_parts_of_the_project_import_each_other_one_way():
    graph = part_graph()
    assert graph["lessons.lab"] >= {"lessons.models"}, "the import graph came out empty"
    assert cycles(graph) == []


def test_a_cycle_is_found_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []


def test_no_production_module_is_over_400_lines():
    lengths = {
        name: len(path.read_text().splitlines()) for name, path in production_modules().items()
    }
    assert {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES} == {}
