"""Imports only go down the layers: a module never imports one of a higher layer, and no
modules import each other in a circle (also not inside a layer, e.g. among the CLI's)."""

from __future__ import annotations

import ast
from pathlib import Path

import seqcoder

PACKAGE = Path(seqcoder.__file__).parent
#: top-level module or subpackage -> layer; a module may import its own layer and lower ones
LAYERS = {
    "extras": 1, "alphabet": 1,
    "format": 2,
    "io": 3, "entropy": 3, "models": 3,
    "codecs": 4, "train": 4, "collection": 4,
    "api": 5, "batch": 5,
    "errors": 0, "levels": 0, "reports": 0,
    "evaluate": 6, "bench": 6, "warm": 6,
    "cli": 7, "__init__": 8, "__main__": 8,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported seqcoder module) of every import in ``path``."""
    package = ["seqcoder", *path.relative_to(PACKAGE).with_suffix("").parts[:-1]]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [f"{target}.{a.name}" for a in node.names] if not node.module else [target]
            else:
                names = [node.module or ""]
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, name) for line, name in found if name.startswith("seqcoder.")]


def test_imports_go_down_the_layers():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if unit not in LAYERS:
            continue  # a new part: give it a layer above
        for line, name in _imports(path):
            target = name.split(".")[1]
            if target in LAYERS and LAYERS[target] > LAYERS[unit]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {name}")
    assert not wrong, "imports that go up a layer:\n" + "\n".join(wrong)


def _module(name: str) -> str | None:
    """The seqcoder module ``name`` stands for (``seqcoder.cli.x`` may be a name inside ``seqcoder.cli``)."""
    parts = name.split(".")[1:]
    while parts:
        where = PACKAGE.joinpath(*parts)
        if where.with_suffix(".py").is_file() or (where / "__init__.py").is_file():
            return ".".join(["seqcoder", *parts])
        parts.pop()
    return None


def _graph() -> dict[str, set[str]]:
    """Module -> the seqcoder modules it imports (anywhere in it, at the top or inside a function)."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(["seqcoder", *(parts[:-1] if parts[-1] == "__init__" else parts)])
        graph[name] = {m for _, n in _imports(path) if (m := _module(n)) is not None and m != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each once, as the modules along it.

    >>> circles({"a": {"b"}, "b": {"a"}, "c": {"a"}})
    [['a', 'b', 'a']]
    """
    found, done = [], set()
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    found.append(path + [start])
                elif nxt not in path and nxt not in done:
                    stack.append((nxt, path + [nxt]))
        done.add(start)
    return found


def test_circle_detection_sees_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


#: the one circle on purpose: an architecture registers itself when its module is imported, and
#: the registry imports that module the first time a model is built (torch loads only then)
REGISTRY_CIRCLE = ["seqcoder.models.autoencoder", "seqcoder.models.registry", "seqcoder.models.autoencoder"]


def test_no_import_circle():
    graph = _graph()
    assert {"seqcoder.cli.main", "seqcoder.cli.genome", "seqcoder.cli.common"} <= set(graph)
    assert "seqcoder.cli.genome" in graph["seqcoder.cli.main"]  # relative imports are seen
    found = [c for c in circles(graph) if c != REGISTRY_CIRCLE]
    assert not found, "modules that import each other in a circle:\n" + "\n".join(" -> ".join(c) for c in found)
