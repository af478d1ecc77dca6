"""docs/reliability.md and the README's reliability lines say what the committed JSON says."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("reliability_report", ROOT / "benchmarks" / "reliability_report.py")
assert spec and spec.loader
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def test_docs_match_the_committed_results():
    results = report.load()
    for path, body in ((ROOT / "docs" / "reliability.md", report.details(results)),
                       (ROOT / "README.md", report.summary(results))):
        text = path.read_text()
        assert report.render(text, body, path.name) == text, f"{path.name}: run benchmarks/reliability_report.py"


def test_render_replaces_only_between_the_markers():
    text = f"a\n{report.BEGIN}\nold\n{report.END}\nb\n"
    assert report.render(text, "new", "x") == f"a\n{report.BEGIN}\nnew\n{report.END}\nb\n"
