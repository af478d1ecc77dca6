"""The benchmark harness on a tiny file: report schema, baselines, and failure reporting.

Fake tools (``python -c`` one-liners) stand in for compressors so the failure paths can be
tested without a broken real codec: one decompressor flips a byte, one exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import pytest

try:
    from seqcoder import bench
except ImportError:  # not installed: use the checkout's src/
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from seqcoder import bench

PY = sys.executable
ZIP = "import sys,zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1],'rb').read()))"
UNZIP = "import sys,zlib; sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1],'rb').read()))"
# decompresses, then flips one byte in the middle of the output
UNZIP_BAD = ("import sys,zlib; d=bytearray(zlib.decompress(open(sys.argv[1],'rb').read())); "
             "d[len(d)//2]^=1; sys.stdout.buffer.write(bytes(d))")
FAIL = "import sys; sys.stderr.write('boom'); sys.exit(3)"

GOOD = ((PY, "-c", ZIP, "{in}"), (PY, "-c", UNZIP, "{in}"))
TAMPERED = ((PY, "-c", ZIP, "{in}"), (PY, "-c", UNZIP_BAD, "{in}"))
CRASHING = ((PY, "-c", ZIP, "{in}"), (PY, "-c", FAIL, "{in}"))

FASTA = (b">rec1 tiny test record\nACGTACGTTTGACCAGTAGGACNNNNACGTACGATCGATCGTAGCTAGCTAGCATCGAT\n"
         b"acgtacgtagctagctagTTTTGGGGCCCCAAAA\n>rec2\nGGGGCCCCATATATATRYACGT\n")


def _args(files, *extra: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    bench.configure_parser(p)
    return p.parse_args([str(f) for f in files] + ["-q", *extra])


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    f = tmp_path / "tiny.fa"
    f.write_bytes(FASTA)
    return f


def test_count_acgt_skips_headers_and_counts_both_cases():
    assert bench.count_acgt(FASTA) == sum(FASTA.split(b"\n")[i].upper().count(c)
                                          for i in (1, 2, 4) for c in b"ACGT")
    assert bench.count_acgt(b"ACGTN") == 4  # raw sequence (DNAcorpus style): no header
    assert bench.bare_sequence(b">h\nacgN\nRT\n") == b"ACGT"


def test_json_report_schema(tiny: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    md = tmp_path / "r.md"
    rc = bench.run(_args([tiny], "--codecs", "none", "--baselines", "2bit,gzip",
                         "--json", str(out), "--markdown", str(md), "--repeat", "2"),
                   tools={"fakezip": GOOD})
    assert rc == 0
    rep = json.loads(out.read_text())
    assert rep["schema_version"] == 1
    for k in ("cpu", "cores", "python", "seqcoder_version", "date"):
        assert k in rep["machine"]
    assert rep["files"][0]["bases"] == bench.count_acgt(FASTA)
    assert rep["failures"] == 0
    labels = {r["label"] for r in rep["rows"]}
    has_gzip = shutil.which("gzip") is not None
    assert {"2-bit packing", "fakezip"} | ({"gzip -9"} if has_gzip else set()) <= labels
    for r in rep["rows"]:
        for k in ("file", "tool", "setting", "ok", "status", "bytes", "bpb", "bases", "compress",
                  "decompress", "roundtrip"):
            assert k in r, k
        assert r["bpb"] == pytest.approx(8 * r["bytes"] / r["bases"], rel=1e-5)
        if r["kind"] != "computed":
            assert r["ok"] and r["roundtrip"] == "verified"
            for step in ("compress", "decompress"):
                s = r[step]
                assert s["runs"] == 2 and s["wall_s"] >= 0 and s["cpu_s"] >= 0 and s["peak_rss_kib"] > 0
    two = next(r for r in rep["rows"] if r["kind"] == "computed")
    assert two["bytes"] == -(-bench.count_acgt(FASTA) // 4)
    tot = {t["label"]: t for t in rep["totals"]}
    assert tot["fakezip"]["bpb"] == pytest.approx(
        next(r for r in rep["rows"] if r["label"] == "fakezip")["bpb"], rel=1e-5)
    text = md.read_text()
    assert "| tool | setting | bytes | bpb |" in text and "✓" in text


def test_every_baseline_is_run_or_skipped(tiny: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    rc = bench.run(_args([tiny], "--codecs", "none", "--baselines", "all", "--json", str(out)))
    rep = json.loads(out.read_text())
    assert rc == 0, [r["reason"] for r in rep["rows"] if not r["ok"]]
    ran = {r["label"] for r in rep["rows"]}
    skipped = {f"{s['tool']} {s['setting']}" for s in rep["skipped"]}
    for name in bench.BASELINE_ORDER:
        label = "2-bit packing" if name == "2bit" else bench.BASELINES[name].label
        assert (label in ran) != (label in skipped), name
    for s in rep["skipped"]:
        assert "not found on PATH" in s["reason"]
    assert not ran & skipped


def test_tampered_round_trip_is_a_failure(tiny: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    md = tmp_path / "r.md"
    rc = bench.run(_args([tiny], "--codecs", "none", "--baselines", "none", "--json", str(out),
                         "--markdown", str(md)),
                   tools={"fakezip": GOOD, "tampered": TAMPERED})
    assert rc == 1
    rep = json.loads(out.read_text())
    rows = {r["label"]: r for r in rep["rows"]}
    assert rows["fakezip"]["ok"] is True
    bad = rows["tampered"]
    assert bad["ok"] is False and bad["status"] == "failed"
    assert "round trip differs" in bad["reason"] and bad["md5_out"] != bad["md5_in"]
    assert rep["failures"] == 1
    tot = {t["label"]: t for t in rep["totals"]}
    assert tot["tampered"]["bpb"] is None and tot["tampered"]["ok"] is False  # never counted
    assert "✗" in md.read_text()


def test_nonzero_exit_is_a_failure(tiny: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    rc = bench.run(_args([tiny], "--codecs", "none", "--baselines", "none", "--json", str(out)),
                   tools={"crashing": CRASHING})
    assert rc == 1
    (row,) = json.loads(out.read_text())["rows"]
    assert row["ok"] is False and "status 3" in row["reason"] and "boom" in row["reason"]


def test_missing_executable_is_a_failure_not_a_crash(tiny: Path, tmp_path: Path):
    rc = bench.run(_args([tiny], "--codecs", "none", "--baselines", "none", "--json", str(tmp_path / "r.json")),
                   tools={"ghost": (("no-such-tool-xyz", "{in}"), ("no-such-tool-xyz", "-d", "{in}"))})
    assert rc == 1


def test_plots_are_written(tiny: Path, tmp_path: Path):
    rc = bench.run(_args([tiny, tiny], "--codecs", "none", "--baselines", "2bit,gzip",
                         "--json", str(tmp_path / "r.json"), "--plots", str(tmp_path / "plots"),
                         "--plot-prefix", "t"),
                   tools={"fakezip": GOOD})
    assert rc == 0
    for name in ("t_bpb.png", "t_speed.png"):
        assert (tmp_path / "plots" / name).read_bytes()[:4] == b"\x89PNG"


def test_codec_and_level_grid():
    assert bench.parse_codecs("cm,ae-zstd@default", bench.parse_levels("1,6,9")) == [
        ("cm", 1), ("cm", 6), ("cm", 9), ("ae-zstd", None)]
    assert bench.parse_codecs("cm@9,2bit", [None]) == [("cm", 9), ("2bit", None)]
    t = bench.seqcoder_tool("cm", 9, None)
    assert t.compress[1:] == ("-m", "seqcoder", "compress", "-c", "--codec", "cm", "-9", "{in}")
    assert bench.seqcoder_tool("ae-zstd", None, "m1").compress[-3:] == ("--model", "m1", "{in}")


def test_seqcoder_codecs_round_trip(tiny: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    rc = bench.run(_args([tiny], "--codecs", "cm,2bit", "--baselines", "2bit", "--json", str(out), "--no-warmup"))
    rep = json.loads(out.read_text())
    assert rc == 0, [r["reason"] for r in rep["rows"] if not r["ok"]]
    assert {r["setting"] for r in rep["rows"] if r["kind"] == "seqcoder"} == {"cm default", "2bit default"}


# writes x -> x.z beside its input, and decodes only a file named *.z into *.z.out: the
# calling convention of GeCo3/JARVIS3-style tools (Tool.*_output = "{new}")
SUFFIX_ZIP = ("import sys,zlib; p=sys.argv[1]; "
              "open(p+'.z','wb').write(zlib.compress(open(p,'rb').read()))")
SUFFIX_UNZIP = ("import sys,zlib; p=sys.argv[1]; assert p.endswith('.z'), p; "
                "open(p+'.out','wb').write(zlib.decompress(open(p,'rb').read()))")
# rewraps FASTA to one line per record: only equal as records, not as bytes
REWRAP = ("import sys; d=open(sys.argv[1],'rb').read().split(b'\\n'); out=[]\n"
          "for l in d:\n"
          "    if l.startswith(b'>'): out.append(b'\\n'+l+b'\\n')\n"
          "    else: out.append(l.strip())\n"
          "sys.stdout.buffer.write(b''.join(out).lstrip(b'\\n')+b'\\n')")


def test_peer_style_tools_sequence_input_and_record_verification(tiny: Path, tmp_path: Path):
    out = tmp_path / "r.json"
    tools = {
        "suffix": bench.Tool("suffix", "", (PY, "-c", SUFFIX_ZIP, "{in}"), (PY, "-c", SUFFIX_UNZIP, "{in}"),
                             input="sequence", compress_output=bench.NEW_FILE,
                             decompress_output=bench.NEW_FILE),
        "rewrap-records": bench.Tool("rewrap-records", "", (PY, "-c", "import shutil,sys; "
                                     "shutil.copyfileobj(open(sys.argv[1],'rb'), sys.stdout.buffer)", "{in}"),
                                     (PY, "-c", REWRAP, "{in}"), verify="records"),
        "rewrap-bytes": bench.Tool("rewrap-bytes", "", (PY, "-c", "import shutil,sys; "
                                   "shutil.copyfileobj(open(sys.argv[1],'rb'), sys.stdout.buffer)", "{in}"),
                                   (PY, "-c", REWRAP, "{in}")),
    }
    rc = bench.run(_args([tiny], "--codecs", "none", "--baselines", "none", "--json", str(out), "--repeat", "2"),
                   tools=tools)
    rows = {r["label"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows["suffix"]["ok"], rows["suffix"]["reason"]
    assert rows["suffix"]["md5_in"] == __import__("hashlib").md5(bench.bare_sequence(FASTA)).hexdigest()
    assert rows["rewrap-records"]["ok"], rows["rewrap-records"]["reason"]
    assert rows["rewrap-records"]["verify"] == "records"
    assert not rows["rewrap-bytes"]["ok"]  # the same output fails a byte-exact check
    assert rc == 1
