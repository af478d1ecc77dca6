"""Every figure of README.md and docs/*.md, rendered from the committed results in
benchmarks/results/ (one command; `.ci/run` runs its ``--check``).

    python benchmarks/figures.py            # rewrite every figure block from the results
    python benchmarks/figures.py --check    # exit 1, naming the blocks, when text and results disagree
    python benchmarks/figures.py --provenance   # record new result files in results/provenance.json
    python benchmarks/figures.py --peers ../shared/docs/ANCHORS.md   # the peers' published figures

A figure is a block ``<!-- figure:NAME -->`` ... ``<!-- /figure:NAME -->``; NAME is a key of
:data:`FIGURES`, whose renderer reads result files only. Each block ends with where its
numbers come from: the result files, and the commit and machine load they were measured at
(``results/provenance.json``). Outside the blocks, the text holds no measured number: ``--check``
also fails on a decimal figure with a unit (bpb, MB/s, s, %, x) written by hand. Speed ratios
divide like by like: compression by compression, decompression by decompression.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "benchmarks"))

from cm_changes import ROWS, V4_ROWS, V5_ROWS, change_table, load, prior_table  # noqa: E402

BLOCK = re.compile(r"(<!-- figure:([\w-]+) -->\n)(.*?)(<!-- /figure:\2 -->)", re.S)
#: a measured number written by hand: a decimal with a unit, or a thousands-separated count
HAND_FIGURE = re.compile(r"\b\d+\.\d+ ?(?:bpb|bits per base|MB/s|s\b|%|x\b|×|MiB|GiB|MB|GB)|\b\d{1,3}(?:,\d{3})+\b")
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]


def _json(path: str) -> dict:
    return json.loads((RESULTS / path).read_text())


def _cm_total(path: str) -> float:
    rows = load(RESULTS / path)
    return 8 * sum(r[1] for r in rows.values()) / sum(r[0] for r in rows.values())


def cm_levels() -> tuple[str, list[str]]:
    """The cm coder's levels against the peers, on EsCo and on the 19 genomes (bare A/C/G/T)."""
    levels = {1: ("cm_v4/esco_L1_v4.txt", None), 4: ("cm_v4/esco_L4_v4.txt", "cm_v4/g19_L4_v4.txt"),
              5: ("cm_v5/esco_L5_v5.txt", "cm_v5/g19_L5_v5.txt"), 9: ("cm_v5/esco_L9_v5.txt", "cm_v5/g19_L9_v5.txt")}
    peers = _json("peers.json")
    shown = ["JARVIS3 -l 32", "MFCompress -3", "xz -9e"]
    head = "| | " + " | ".join(f"cm -{lv}" + (" (default)" if lv == 4 else "") for lv in levels)
    head += " | " + " | ".join(shown) + " |"
    lines = [head, "|---|" + "---:|" * (len(levels) + len(shown))]
    for label, key, col in (("EsCo, bits per base", "esco", 0), ("19 genomes, total bits per base", "genomes", 1)):
        cells = [f"{_cm_total(logs[col]):.4f}" if logs[col] else "–" for logs in levels.values()]
        cells += [f"{peers[key][tool]:.4f}" for tool in shown]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    sources = [p for logs in levels.values() for p in logs if p] + ["peers.json"]
    return "\n".join(lines), sources


def cm_v3() -> tuple[str, list[str]]:
    return change_table(RESULTS / "cm_v3", ROWS), _logs("cm_v3", ROWS)


def cm_v4() -> tuple[str, list[str]]:
    return change_table(RESULTS / "cm_v4", V4_ROWS), _logs("cm_v4", V4_ROWS)


def cm_v5() -> tuple[str, list[str]]:
    return change_table(RESULTS / "cm_v5", V5_ROWS), _logs("cm_v5", V5_ROWS)


def _logs(folder: str, rows: list[tuple[str, int, str, str]]) -> list[str]:
    return sorted({os.path.normpath(f"{folder}/{log}.txt") for _, _, a, b in rows for log in (a, b)})


def prior_gain() -> tuple[str, list[str]]:
    return prior_table(RESULTS / "cm_v4"), ["cm_v4/prior_gain_shipped.json", "cm_v4/prior_gain_heldout.json"]


def cm_speed() -> tuple[str, list[str]]:
    """Whole processes on EsCo, each direction against xz -9e's same direction in the same rounds
    (a result without xz's decompression shows no ratio for decompression)."""
    d = _json("cm_v5/speed_vs_xz.json")
    xz = {r["step"].rsplit(" ", 1)[1]: r["wall_s"] for r in d["rows"] if r["step"].startswith("xz")}
    lines = ["| step (EsCo, whole process) | best s | × xz -9e, same direction | peak RSS MiB |",
             "|---|---:|---:|---:|"]
    for r in d["rows"]:
        way = r["step"].rsplit(" ", 1)[1]
        ratio = f"{xz[way] / r['wall_s']:.2f}" if way in xz else "– (xz not timed)"
        lines.append(f"| {r['step']} | {r['wall_s']:.2f} | {ratio} | {r['peak_rss_kib'] / 1024:.0f} |")
    return "\n".join(lines), ["cm_v5/speed_vs_xz.json"]


def collections() -> tuple[str, list[str]]:
    from seqcoder.bench.sets import markdown

    return markdown(_json("collections.json")).rstrip("\n"), ["collections.json"]


def max_depth() -> tuple[str, list[str]]:
    """What the bound on a member's chain of parents costs, against the format's largest."""
    lines = ["| set | `--max-depth` | archive bytes | × the first | get of the last member: members, literal "
             "bases decoded | s |", "|---|---:|---:|---:|---|---:|"]
    for r in _json("collection_depth.json")["rows"]:
        lines.append(f"| {r['set']} | {r['max_depth']} | {r['archive_bytes']:,} | {r['vs_first']:.3f} | "
                     f"{r['get_last_decodes_members']}, {r['get_last_decodes_literal_bases']:,} | "
                     f"{r['get_last_s']:.2f} |")
    return "\n".join(lines), ["collection_depth.json"]


def collection_changes() -> tuple[str, list[str]]:
    """Each collection-coder change turned on in order: bytes and speed on the shared sets."""
    d = _json("collection_changes.json")
    names = list(d["rows"][0]["sets"])
    short = {"phages_97": "phages", "chlamydia_trachomatis_50": "C. trachomatis", "escherichia_coli_49": "E. coli"}
    head = " | ".join(f"{short.get(n, n)} bytes (×)" for n in names)
    lines = [f"| change | {head} | phages pack / unpack MB/s |", "|---" + "|---:" * len(names) + "|---|"]
    prev = None
    for r in d["rows"]:
        cells = []
        for n in names:
            size = r["sets"][n]["archive_bytes"]
            ratio = f" ({size / prev['sets'][n]['archive_bytes']:.3f})" if prev else ""
            cells.append(f"{size:,}{ratio}" + ("" if r["sets"][n]["round_trip"] else " FAILED"))
        ph = r["sets"].get("phages_97")
        speed = f"{ph['pack_mb_s']:.1f} / {ph['unpack_mb_s']:.1f}" if ph else "–"
        lines.append(f"| {r['change']} | {' | '.join(cells)} | {speed} |")
        prev = r
    return "\n".join(lines), ["collection_changes.json"]


def collection_levels() -> tuple[str, list[str]]:
    """Each collection level's size and speed on the phages (whole processes, one thread)."""
    rows = _json("collection_levels.json")["rows"]
    lines = ["| set | level | archive bytes | × level 4 | pack MB/s | unpack MB/s |", "|---|---:|---:|---:|---:|---:|"]
    base = {r["set"]: r["archive_bytes"] for r in rows if r["level"] == 4}
    for r in rows:
        ok = "" if r["round_trip"] else " (round trip FAILED)"
        lines.append(f"| {r['set']} | {r['level']} | {r['archive_bytes']:,}{ok} | "
                     f"{r['archive_bytes'] / base[r['set']]:.3f} | {r['pack_mb_s']:.1f} | {r['unpack_mb_s']:.1f} |")
    return "\n".join(lines), ["collection_levels.json"]


def collection_scale() -> tuple[str, list[str]]:
    """seqcoder pack against MBGC on the first n genomes of the simulated 1,000, in one run."""
    d = _json("collection_scale.json")
    rows = {(r["tool"], r["genomes"]): r for r in d["rows"]}
    lines = ["| genomes | MBGC -m 3 bytes | seqcoder bytes | × MBGC | pack MB/s (MBGC, seqcoder) | "
             "unpack MB/s (MBGC, seqcoder) | seqcoder pack peak RSS, MB | get first / middle / last, s | "
             "10 kb region, s |", "|---:|---:|---:|---:|---|---|---:|---|---:|"]
    for n in d["sizes"]:
        m, q = rows[("MBGC -m 3", n)], rows[("seqcoder pack", n)]
        ok = "" if m["round_trip"] and q["round_trip"] else " (a round trip FAILED)"
        gets = " / ".join(f"{q[f'get_{k}']['s']:.2f}" for k in ("first", "middle", "last"))
        lines.append(f"| {n:,} | {m['archive_bytes']:,} | {q['archive_bytes']:,} | "
                     f"{q['archive_bytes'] / m['archive_bytes']:.3f}{ok} | {m['pack_mb_s']:.1f}, {q['pack_mb_s']:.1f} "
                     f"| {m['unpack_mb_s']:.1f}, {q['unpack_mb_s']:.1f} | {q['pack']['rss_mb']:,.0f} | {gets} | "
                     f"{q['region_10kb']['s']:.2f} |")
    return "\n".join(lines), ["collection_scale.json"]


def inflate_speed() -> tuple[str, list[str]]:
    d = _json("inflate_speed.json")
    lines = ["| inflater | s | MB/s of FASTA |", "|---|---:|---:|"]
    lines += [f"| {r['inflater']} | {r['s']:.3f} | {r['mb_s']:.1f} |" for r in d["rows"]]
    return "\n".join(lines), ["inflate_speed.json"]


def reliability() -> tuple[str, list[str]]:
    from reliability_report import details, load

    return details(load(RESULTS)), _RELIABILITY


def reliability_summary() -> tuple[str, list[str]]:
    from reliability_report import load, summary

    return summary(load(RESULTS)), _RELIABILITY


_RELIABILITY = ["concurrent_adds.json", "kill_add.json", "mutated_archives.json", "fuzz_readers.json"]


def kernel_speed() -> tuple[str, list[str]]:
    d = _json("kernel_speed.json")["summary"]
    lines = ["| kernel | encode, CPU s | decode, CPU s | bits per base |", "|---|---:|---:|---:|"]
    for side in ("before", "after"):
        r = d[side]
        lines.append(f"| {side} | {r['enc_cpu']:.2f} | {r['dec_cpu']:.2f} | {r['bits_per_base']:.4f} |")
    return "\n".join(lines), ["kernel_speed.json"]


def first_run() -> tuple[str, list[str]]:
    d = _json("first_run.json")
    ok = "round-trips" if d["round_trip"] else "does NOT round-trip"
    lines = ["| step | whole process, s |", "|---|---:|",
             f"| `pip install -e .` (kernels warmed) | {d['install_s']:.1f} |",
             f"| first `compress` ({ok}) | {d['first_compress_s']:.2f} |",
             f"| a warm `compress` | {d['warm_compress_s']:.2f} |",
             f"| `compress` with an empty numba cache | {d['empty_cache_compress_s']:.1f} |"]
    return "\n".join(lines), ["first_run.json"]


def collection_checks() -> tuple[str, list[str]]:
    """pack against bzip2 -9's compression of the same bytes, in the same run; get; add."""
    d = _json("collection_checks_ecoli.json")
    s, add = d["speed"], d["add"]
    lines = ["| check (E. coli 49, whole processes, one thread) | result |", "|---|---|",
             f"| `pack -T 1` | {s['pack_s']:.2f} s ({s['pack_MBps']:.2f} MB/s), peak RSS {s['pack_rss_MB']} MB |",
             f"| `bzip2 -9` of the same bytes, same run | {s['bzip2_9_s']:.2f} s ({s['bzip2_9_MBps']:.2f} MB/s): "
             f"pack compresses {s['bzip2_9_s'] / s['pack_s']:.2f} × as fast |",
             f"| `unpack` | {s['unpack_s']:.2f} s ({s['unpack_MBps']:.2f} MB/s), peak RSS {s['unpack_rss_MB']} MB "
             f"(bzip2's decompression was not timed) |"]
    for name, g in d["get"].items():
        lines.append(f"| `get` {name} | {g['s']:.2f} s, {'exact' if g['exact'] else 'NOT exact'} |")
    lines.append(f"| pack {add['members_packed']}, then `add` {add['members_added']} | "
                 f"{add['packed_then_added_bytes']:,} bytes against {add['packed_at_once_bytes']:,} at once "
                 f"({add['ratio']:.5f}); old bytes {'unchanged' if add['old_bytes_unchanged'] else 'CHANGED'} |")
    return "\n".join(lines), ["collection_checks_ecoli.json"]


def batch_scaling() -> tuple[str, list[str]]:
    """1 against 2 workers; the first run of the series also compiled the kernels (cold), so the
    speed-up compares warm runs only."""
    d = _json("batch_scaling.json")
    runs = d["runs"]
    lines = ["| run | workers | wall s | cores used | archives |", "|---:|---:|---:|---:|---|"]
    first = runs[0]["report"]["archives"]
    for i, r in enumerate(runs):
        same = "same bytes" if r["report"]["archives"] == first else "DIFFERENT"
        lines.append(f"| {i + 1}{' (cold)' if i == 0 else ''} | {r['workers']} | {r['wall_seconds']:.1f} | "
                     f"{r['cores_used']:.2f} | {same} |")
    one = [r["wall_seconds"] for r in runs[1:] if r["workers"] == 1]
    two = [r["wall_seconds"] for r in runs[1:] if r["workers"] == 2]
    ups = sorted(a / b for a in one for b in two)
    lines += ["", f"Warm runs: 2 workers {ups[0]:.2f}-{ups[-1]:.2f} × as fast as 1 "
                  f"({d['genomes']} genomes, {d['groups']} groups, {d['bytes_in']:,} -> {d['bytes_out']:,} bytes)."]
    return "\n".join(lines), ["batch_scaling.json"]


def ae_eval() -> tuple[str, list[str]]:
    from eval_table import table

    paths = ["eval_published.json", "eval_shipped.json"]
    return table([str(RESULTS / p) for p in paths]), paths


FIGURES: dict[str, Callable[[], tuple[str, list[str]]]] = {
    "cm-levels": cm_levels, "cm-v3": cm_v3, "cm-v4": cm_v4, "cm-v5": cm_v5, "prior-gain": prior_gain,
    "cm-speed": cm_speed, "collections": collections, "max-depth": max_depth,
    "kernel-speed": kernel_speed, "first-run": first_run, "reliability": reliability,
    "reliability-summary": reliability_summary, "inflate-speed": inflate_speed,
    "collection-scale": collection_scale, "collection-checks": collection_checks,
    "batch-scaling": batch_scaling, "ae-eval": ae_eval, "collection-changes": collection_changes,
    "collection-levels": collection_levels,
}


def provenance_line(sources: list[str]) -> str:
    """Where a figure's numbers come from: its result files, grouped by commit and load."""
    known = _json("provenance.json")
    groups: dict[tuple[str, str], list[str]] = {}
    for s in sources:
        p = known.get(s)
        if p is None:
            raise SystemExit(f"results/{s}: not in results/provenance.json (run --provenance)")
        groups.setdefault((p["commit"], p["load"]), []).append(f"`{s}`")
    parts = [f"{', '.join(files)} (commit {commit}, load {load})" for (commit, load), files in groups.items()]
    return "<sub>From benchmarks/results/: " + "; ".join(parts) + ".</sub>"


def render(text: str, cache: dict[str, str]) -> str:
    def block(m: re.Match) -> str:
        name = m.group(2)
        if name not in FIGURES:
            raise SystemExit(f"unknown figure {name!r} (known: {', '.join(FIGURES)})")
        if name not in cache:
            body, sources = FIGURES[name]()
            cache[name] = body + "\n\n" + provenance_line(sources) + "\n"
        return m.group(1) + cache[name] + m.group(4)

    return BLOCK.sub(block, text)


def hand_figures(page: str, text: str) -> list[str]:
    """Measured numbers outside the figure blocks (code blocks and links excepted)."""
    outside = BLOCK.sub("", re.sub(r"```.*?```", "", text, flags=re.S))
    found = []
    for line in outside.splitlines():
        line = re.sub(r"`[^`]*`|\]\([^)]*\)", "", line)
        found += [f"{page}: {m.group(0)!r} in: {line.strip()[:100]}" for m in HAND_FIGURE.finditer(line)]
    return found


def record_provenance() -> None:
    """Add every result file not yet in provenance.json: the commit that brought it (git) and the
    load average it recorded (else "not recorded")."""
    path = RESULTS / "provenance.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    for f in sorted(RESULTS.rglob("*")):
        rel = str(f.relative_to(RESULTS))
        if not f.is_file() or rel in known or f.name == "provenance.json" or f.suffix == ".png":
            continue
        log = subprocess.run(["git", "log", "--follow", "--diff-filter=A", "--format=%h", "--", str(f)],
                             capture_output=True, text=True, cwd=ROOT).stdout.split()
        commit = log[-1] if log else "uncommitted"
        load = "n/a: published figures" if rel == "peers.json" else "not recorded"
        if f.suffix == ".json":
            text = f.read_text()
            m = re.search(r'"(?:load_average_at_start|load_at_start|load_before|loadavg_1m)": ([\d.]+)', text)
            load = f"{float(m.group(1)):.2f}" if m else load
            measured = re.search(r'"measured_at_commit": "([0-9a-f]+)"', text)  # the code that ran
            commit = measured.group(1)[:7] if measured else commit
        known[rel] = {"commit": commit, "load": load}
    path.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")


def record_peers(anchors: Path) -> None:
    """The peers' bits per base from the shared ANCHORS.md: its EsCo table and its 19-genome totals."""
    text = anchors.read_text()
    esco_part = text.split("### EsCo", 1)[1].split("###", 1)[0]
    esco = {}
    for m in re.finditer(r"^\| \**([A-Za-z0-9]+)[^|]*\| `([^`]+)` \| [^|]+ \| \**([\d.]+)\**", esco_part, re.M):
        esco.setdefault(f"{m.group(1)} {m.group(2)}", float(m.group(3)))
    head = next(line for line in text.splitlines() if line.startswith("| genome | ACGT bases"))
    total = next(line for line in text.splitlines() if line.startswith("| **total**"))
    cols = [c.strip() for c in head.strip("|").split("|")]
    vals = [c.strip().strip("*") for c in total.strip("|").split("|")]
    names = {"xz -9e": "xz -9e", "MFCompress -3": "MFCompress -3", "JARVIS3 -l32": "JARVIS3 -l 32"}
    genomes = {names[c]: float(v) for c, v in zip(cols, vals) if c in names}
    out = {"source": "shared/docs/ANCHORS.md (bare sequences)", "esco": esco, "genomes": genomes}
    (RESULTS / "peers.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if a page is not as rendered")
    ap.add_argument("--provenance", action="store_true", help="record new result files in provenance.json")
    ap.add_argument("--peers", type=Path, metavar="ANCHORS_MD", help="write results/peers.json from ANCHORS.md")
    args = ap.parse_args(argv)
    if args.peers:
        record_peers(args.peers)
    if args.provenance:
        record_provenance()
    cache: dict[str, str] = {}
    problems = []
    for page in PAGES:
        old = (ROOT / page).read_text()
        new = render(old, cache)
        problems += hand_figures(page, new)
        if new != old:
            if args.check:
                problems.append(f"{page}: figures differ from the results (run python benchmarks/figures.py)")
            else:
                (ROOT / page).write_text(new)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
