"""Imports only go down the layers: a module never imports one of a higher layer."""

from __future__ import annotations

import ast
from pathlib import Path

import seqcoder

PACKAGE = Path(seqcoder.__file__).parent
#: top-level module or subpackage -> layer; a module may import its own layer and lower ones
LAYERS = {
    "errors": 0, "levels": 0,
    "extras": 1, "alphabet": 1,
    "format": 2,
    "io": 3, "entropy": 3, "models": 3,
    "codecs": 4, "train": 4, "collection": 4,
    "api": 5, "batch": 5,
    "evaluate": 6, "bench": 6, "bench_collections": 6,
    "cli": 7, "cli_collection": 7, "cli_batch": 7, "__init__": 8, "__main__": 8,
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
                names = [f"{target}.{a.name}" for a in node.names] if not node.module and len(base) == 1 else [target]
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
