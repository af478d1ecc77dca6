"""benchmarks/render_readme.py: the README section between the bench markers, from JSON."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
try:
    from seqcoder import bench
except ImportError:
    sys.path.insert(0, str(ROOT / "src"))
    from seqcoder import bench

spec = importlib.util.spec_from_file_location("render_readme", ROOT / "benchmarks" / "render_readme.py")
render_readme = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render_readme)

PY = sys.executable
GOOD = ((PY, "-c", "import sys,zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1],'rb').read()))", "{in}"),
        (PY, "-c", "import sys,zlib; sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1],'rb').read()))", "{in}"))


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    res = tmp_path / "benchmarks" / "results"
    files = []
    for name, seq in (("A", b"ACGTTGCAAGGCTTACGATCGATCGGGATCCA" * 8), ("B", b"TTGACCAGGT" * 30)):
        f = tmp_path / name
        f.write_bytes(seq)
        files.append(str(f))
    p = argparse.ArgumentParser()
    bench.configure_parser(p)
    args = p.parse_args(files + ["-q", "--codecs", "none", "--baselines", "2bit,gzip",
                                 "--json", str(res / "dnacorpus.json"), "--markdown", str(res / "dnacorpus.md"),
                                 "--plots", str(res), "--plot-prefix", "dnacorpus"])
    assert bench.run(args, tools={"fakezip": GOOD}) == 0
    return res


def test_section_is_spliced_between_markers(results: Path, tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nintro\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\n\ntail\n")
    argv = ["--readme", str(readme), "--results", str(results)]
    assert render_readme.main(argv) == 0
    text = readme.read_text()
    assert text.startswith("# x\n\nintro\n\n<!-- bench:begin -->") and text.endswith("<!-- bench:end -->\n\ntail\n")
    assert "old" not in text
    assert "| fakezip |" in text and "A bpb" in text and "B bpb" in text
    assert "benchmarks/results/dnacorpus_bpb.png" in text
    assert render_readme.main(argv + ["--check"]) == 0  # idempotent
    readme.write_text(text.replace("fakezip", "fakezap"))
    assert render_readme.main(argv + ["--check"]) == 1


def test_missing_markers_is_an_error(results: Path, tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    with pytest.raises(SystemExit):
        render_readme.main(["--readme", str(readme), "--results", str(results)])
    assert readme.read_text() == "# no markers\n"
