#!/usr/bin/env python3
"""Rewrite the README's benchmark section from the committed JSON results.

The section is everything between the two markers (kept in place)::

    <!-- bench:begin -->
    ... generated ...
    <!-- bench:end -->

Usage::

    python benchmarks/render_readme.py            # rewrite README.md in place
    python benchmarks/render_readme.py --check    # exit 1 if README.md is out of date
    python benchmarks/render_readme.py --print    # print the section only

Inputs: ``benchmarks/results/dnacorpus.json`` and ``benchmarks/results/genomes.json``
(``seqcoder bench`` reports, schema_version 1); either may be missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    from seqcoder import bench
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(ROOT / "src"))
    from seqcoder import bench

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"

#: Best published results, measured on bare sequences (docs/ANCHORS.md), for context only.
ANCHORS = {
    "dnacorpus": {"EsCo": ("JARVIS3 -l 35", 1.8701), "BuEb": ("XM --limit=500", 1.9607)},
    "genomes": {"total": ("JARVIS3 -l 32", 1.7945)},
}

CORPORA = (
    ("dnacorpus", "DNAcorpus files (EsCo, BuEb)"),
    ("genomes", "Development genomes (19 FASTA files)"),
)


def _machine_line(rep: dict) -> str:
    m = rep["machine"]
    return (f"seqcoder {m['seqcoder_version']}, measured {m['date'][:10]} on {m['cpu']} "
            f"({m['cores']} cores), one tool at a time, best of {rep['settings']['repeat']} run(s). "
            + bench.load_warning(rep)).rstrip()


def _status(rep: dict) -> str:
    bits = []
    if rep["failures"]:
        bits.append(f"**{rep['failures']} failed row(s)** (see the full table)")
    else:
        runs = sum(1 for r in rep["rows"] if r["kind"] != "computed")
        bits.append(f"All {runs} runs round-tripped (md5 of the output = md5 of the input)")
    if rep["skipped"]:
        bits.append("not installed, skipped: " + ", ".join(s["tool"] for s in rep["skipped"]))
    return "; ".join(bits) + "."


def _per_file_table(rep: dict, anchors: dict) -> list[str]:
    """Small corpora: one column pair per file (bpb, compress MB/s)."""
    files = [f["name"] for f in rep["files"]]
    head = "| tool | setting | " + " | ".join(f"{f} bpb" for f in files) + " | " + \
        " | ".join(f"{f} comp / decomp MB/s" for f in files[:1]) + " | peak RSS | round trip |"
    lines = [head, "|---|---|" + "---:|" * len(files) + "---:|---:|:---:|"]
    cell = {(r["file"], r["label"]): r for r in rep["rows"]}
    order = sorted(rep["totals"], key=lambda t: (t["bpb"] is None, t["bpb"] or 0))
    best = {f: min((r["bpb"] for r in rep["rows"] if r["file"] == f and r["ok"] and r.get("bpb") is not None),
                   default=None) for f in files}
    for t in order:
        rs = [cell.get((f, t["label"])) for f in files]
        vals = [bench.bpb_cell(r, best[f]) for f, r in zip(files, rs)]
        r0 = rs[0]
        if r0 and r0.get("compress"):
            speed = (f"{bench.fmt_rate(r0['compress']['mb_s'])} / "
                     f"{bench.fmt_rate((r0.get('decompress') or {}).get('mb_s'))}")
        else:
            speed = "–"
        peak = max((bench.peak_rss_kib(r) or 0 for r in rs if r), default=0) or None
        ok = all(r["ok"] for r in rs if r)
        rt = "computed" if t["kind"] == "computed" else ("✓" if ok else "✗")
        setting = f"`{t['setting']}`" if t["setting"] else ""
        lines.append(f"| {t['tool']} | {setting} | " + " | ".join(vals) +
                     f" | {speed} | {bench.fmt_mib(peak)} | {rt} |")
    if anchors:
        vals = [f"{anchors[f][1]:.4f} ({anchors[f][0]})" if f in anchors else "" for f in files]
        lines.append("| *best peer, bare sequence* | *ANCHORS.md* | " + " | ".join(vals) + " | | | |")
    return lines


def _totals_table(rep: dict, anchors: dict) -> list[str]:
    lines = ["| tool | setting | total bytes | bpb (total) | compress MB/s | decompress MB/s | peak RSS | round trip |",
             "|---|---|---:|---:|---:|---:|---:|:---:|"]
    order = sorted(rep["totals"], key=lambda t: (t["bpb"] is None, t["bpb"] or 0))
    best = min((t["bpb"] for t in order if t["bpb"] is not None and t["ok"]), default=None)
    for t in order:
        bpb = "–" if t["bpb"] is None else f"{t['bpb']:.4f}"
        if t["bpb"] is not None and t["bpb"] == best:
            bpb = f"**{bpb}**"
        nbytes = "–" if t["bytes"] is None else f"{t['bytes']:,}"
        c = (t.get("compress") or {}).get("mb_s")
        d = (t.get("decompress") or {}).get("mb_s")
        n = len(rep["files"])
        if t["kind"] == "computed":
            rt = "computed"
        elif t["ok"] and t["complete"]:
            rt = "✓"
        elif t.get("failed"):
            rt = f"✗ (failed on {t['failed']} of {n})"
        else:
            rt = f"ran on {t['files']} of {n}"
        setting = f"`{t['setting']}`" if t["setting"] else ""
        lines.append(f"| {t['tool']} | {setting} | {nbytes} | {bpb} | {bench.fmt_rate(c)} | {bench.fmt_rate(d)} "
                     f"| {bench.fmt_mib(bench.peak_rss_kib(t))} | {rt} |")
    if "total" in anchors:
        name, v = anchors["total"]
        lines.append(f"| *best peer, bare sequence* | *{name} (ANCHORS.md)* | | {v:.4f} | | | | |")
    return lines


def render_section(results: Path, readme_dir: Path) -> str:
    out = [BEGIN,
           "<!-- generated by benchmarks/render_readme.py from benchmarks/results/*.json: "
           "edit those scripts, not this text; regenerate with benchmarks/run_all.sh -->",
           ""]
    found = False
    for key, title in CORPORA:
        path = results / f"{key}.json"
        if not path.is_file():
            continue
        found = True
        rep = json.loads(path.read_text())
        if rep.get("schema_version") != 1:
            raise SystemExit(f"{path}: unsupported schema_version {rep.get('schema_version')!r}")
        bases = sum(f["bases"] for f in rep["files"])
        out += [f"### {title}", "",
                f"{len(rep['files'])} file(s), {bases:,} ACGT bases. " + _machine_line(rep) + " " + _status(rep),
                ""]
        if len(rep["files"]) <= 3:
            out += _per_file_table(rep, ANCHORS.get(key, {}))
        else:
            out += _totals_table(rep, ANCHORS.get(key, {})) + ["", "Bits per base per file:", ""]
            out += bench.bpb_matrix(rep)
        out.append("")
        rel = lambda p: Path(os.path.relpath(p.resolve(), readme_dir.resolve())).as_posix()  # noqa: E731
        imgs = [results / f"{key}_bpb.png", results / f"{key}_speed.png"]
        imgs = [p for p in imgs if p.is_file()]
        md = results / f"{key}.md"
        links = []
        if md.is_file():
            links.append(f"full tables: [{rel(md)}]({rel(md)})")
        links.append(f"raw data: [{rel(path)}]({rel(path)})")
        text = "; ".join(links)
        out += [text[0].upper() + text[1:] + ".", ""]
        if imgs:
            out += [" ".join(f"![{p.stem.replace('_', ' ')}]({rel(p)})" for p in imgs), ""]
    if not found:
        out += ["No benchmark results yet: run `benchmarks/run_all.sh`.", ""]
    out += ["bpb = 8 × compressed bytes / A, C, G, T bases (either case, sequence lines only); "
            "MB/s = 10⁶ bases per second of wall-clock time; peak RSS is the larger of compression "
            "and decompression, measured on the tool's own process. Every tool compresses the file "
            "as given, FASTA headers and line ends included, while the peers in ANCHORS.md saw bare "
            "sequences; 2-bit packing is ⌈bases/4⌉ bytes, computed.",
            END]
    return "\n".join(out)


def splice(text: str, section: str) -> str:
    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < 0 or j < i:
        raise SystemExit(f"README has no '{BEGIN}' ... '{END}' markers; add them where the section belongs")
    return text[:i] + section + text[j + len(END):]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--readme", type=Path, default=ROOT / "README.md")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--check", action="store_true", help="exit 1 if the README section is out of date")
    g.add_argument("--print", dest="print_only", action="store_true", help="print the section, touch nothing")
    a = p.parse_args(argv)
    section = render_section(a.results, a.readme.parent)
    if a.print_only:
        print(section)
        return 0
    text = a.readme.read_text(encoding="utf-8")
    new = splice(text, section)
    if a.check:
        if new != text:
            print(f"{a.readme}: benchmark section is out of date; run benchmarks/render_readme.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        a.readme.write_text(new, encoding="utf-8")
        print(f"updated {a.readme}", file=sys.stderr)
    else:
        print(f"{a.readme}: up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
