"""benchmarks/figures.py: figure blocks rendered from results, and no measured number by hand."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("figures", ROOT / "benchmarks" / "figures.py")
figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(figures)


def test_a_block_is_rendered_from_its_results_and_a_stale_one_is_replaced():
    page = "intro\n<!-- figure:inflate-speed -->\nstale 1.23 bpb\n<!-- /figure:inflate-speed -->\ntail\n"
    new = figures.render(page, {})
    assert "stale" not in new and "| inflater |" in new and "inflate_speed.json" in new
    assert figures.render(new, {}) == new  # idempotent
    assert figures.hand_figures("p.md", new) == []


def test_hand_written_figures_outside_blocks_are_found():
    text = "The default codes EsCo in 1.8654 bpb at 0.95x xz, 4,893,609 bytes.\n`1.5 s` in code is fine.\n"
    found = figures.hand_figures("p.md", text)
    assert len(found) == 3 and all(f.startswith("p.md:") for f in found)


def test_an_unknown_figure_is_an_error():
    with pytest.raises(SystemExit, match="unknown figure"):
        figures.render("<!-- figure:nope -->\n<!-- /figure:nope -->\n", {})


def test_the_pages_match_the_results():
    assert figures.main(["--check"]) == 0
