"""Turn the logs of ``benchmarks/cm_v3.sh``, ``cm_v4.sh`` and ``cm_v5.sh`` (cm_tune.py output)
into the tables of the cm changes (docs/cm-coder.md, through ``benchmarks/figures.py``), and
list every genome that got worse.

Usage::

    python benchmarks/cm_changes.py benchmarks/results/cm_v3
    python benchmarks/cm_changes.py benchmarks/results/cm_v4   # version 4, + per genome
    python benchmarks/cm_changes.py benchmarks/results/cm_v5   # version 5

Each log holds one line per genome (``... bytes=B bpb=X enc ... (cpu C) ... xz-9e cpu Z``)
and a ``TOTAL`` line. A row compares two logs over the same genomes: the total bits per base
before and after, the relative gain, and the encoder's CPU speed against ``xz -9e`` timed in
the same run (where the log has it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LINE = re.compile(r"^(\S+)\s+L(\d) n=(\d+) bytes=(\d+) bpb=([\d.]+) enc [\d.]+ MB/s \(cpu ([\d.]+)\)"
                  r"(?:.*?dec [\d.]+ MB/s \(cpu ([\d.]+)\))?(?:.*xz-9e cpu ([\d.]+) MB/s)?")

#: (label, before log, after log)
ROWS = [
    ("followers keyed by lifetime accuracy (`racc`)", 4, "g19_L4_v2", "g19_L4_v3"),
    ("`racc`", 5, "g19_L5_v2", "g19_L5_racc"),
    ("16 light followers on 11-mers (`light`)", 5, "g19_L5_racc", "g19_L5_v3"),
    ("`racc` + `light`", 5, "g19_L5_v2", "g19_L5_v3"),
    ("`racc`", 9, "g19_L9_v2", "g19_L9_racc"),
    ("16 light followers on 11-mers (`light`)", 9, "g19_L9_racc", "g19_L9_v3"),
    ("`racc` + `light`", 9, "g19_L9_v2", "g19_L9_v3"),
]


#: the version-4 rows (logs of ``benchmarks/cm_v4.sh``)
V4_ROWS = [
    ("learned prior (`prior`), on the version-3 level-4 models", 4, "g19_L4_v3", "g19_L4_prior"),
    ("level 3's models in place of level 4's, with the prior", 4, "g19_L4_prior", "g19_L4_lean"),
    ("encoder's light-follower choice (`choose`)", 4, "g19_L4_lean", "g19_L4_v4"),
    ("version 4 at the default level", 4, "g19_L4_v3", "g19_L4_v4"),
    ("learned prior, 4 + 4 followers in place of 16 + 16", 9, "g19_L9_v3", "g19_L9_prior"),
    ("hidden-layer mixer, 16 units (`hmix`)", 9, "g19_L9_prior", "g19_L9_v4"),
    ("version 4 at level 9", 9, "g19_L9_v3", "g19_L9_v4"),
]


#: the version-5 rows (logs of ``benchmarks/cm_v5.sh``, before: the version-4 logs)
V5_ROWS = [
    ("prior's output layer adapted online (`adapt`)", 5, "../cm_v4/g19_L5_v4", "g19_L5_v5"),
    ("`adapt`; hidden mixer of 8 units in place of 16", 9, "../cm_v4/g19_L9_v4", "g19_L9_v5"),
]


def load(path: Path) -> dict[str, tuple[int, int, float, float | None, float | None]]:
    """genome -> (bases, bytes, encode CPU MB/s, decode CPU MB/s, xz CPU MB/s)."""
    rows = {}
    for line in path.read_text().splitlines():
        m = LINE.match(line)
        if m:
            name, _, n, b, _, enc, dec, xz = m.groups()
            rows[name] = (int(n), int(b), float(enc), float(dec) if dec else None,
                          float(xz) if xz else None)
    return rows


def speed(rows) -> tuple[str, str]:
    """Encoder CPU MB/s over all genomes, and its ratio to xz's in the same run (if timed)."""
    n = sum(r[0] for r in rows.values())
    t = sum(r[0] / r[2] for r in rows.values())
    xz = ""
    if all(r[4] for r in rows.values()):
        tx = sum(r[0] / r[4] for r in rows.values())
        xz = f"{tx / t:.2f}x"
    return f"{n / t:.2f}", xz


def change_table(d: Path, rows: list[tuple[str, int, str, str]]) -> str:
    """The table of ``rows`` (label, level, before log, after log) over the logs in ``d``."""
    out = ["| change | level | 19 genomes bpb before | after | gain | encoder CPU MB/s before |"
           " after | after vs xz -9e | genomes worse (bytes) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for label, lv, a, b in rows:
        ra, rb = load(d / f"{a}.txt"), load(d / f"{b}.txt")
        common = sorted(set(ra) & set(rb))
        if len(common) != 19:
            raise ValueError(f"{label}, level {lv}: only {len(common)} genomes in both logs")
        n = sum(ra[g][0] for g in common)
        ba = sum(ra[g][1] for g in common)
        bb = sum(rb[g][1] for g in common)
        grew = sorted((rb[g][1] - ra[g][1], g) for g in common if rb[g][1] > ra[g][1])
        worse = ", ".join(f"{g.split('_')[0]} (+{d})" for d, g in grew) or "none"
        if len(grew) > 4:
            worse = f"{len(grew)} of 19, most {grew[-1][1].split('_')[0]} (+{grew[-1][0]})"
        sa, _ = speed(ra)
        sb, xz = speed(rb)
        out.append(f"| {label} | {lv} | {8 * ba / n:.4f} | {8 * bb / n:.4f} |"
                   f" {100 * (ba - bb) / ba:.2f} % | {sa} | {sb} | {xz or '–'} | {worse} |")
    return "\n".join(out)


def prior_table(d: Path) -> str:
    """Per genome: the learned prior alone and its gain in the coder, shipped prior (trained on
    all 19) and held-out recipe (trained on 15; the 4 others marked)."""
    import json

    runs = {k: json.loads((d / f"prior_gain_{k}.json").read_text()) for k in ("shipped", "heldout")}
    held = {r["file"]: r for r in runs["heldout"]["rows"]}
    out = ["| genome | bases | prior alone, bpb | gain at level 4 | prior of 15 genomes alone |"
           " its gain at level 4 |", "|---|---:|---:|---:|---:|---:|"]
    for r in runs["shipped"]["rows"]:
        h = held[r["file"]]
        mark = "" if h.get("in_training", True) else " (held out)"
        out.append(f"| {r['file'].split('.')[0][:42]}{mark} | {r['bases']:,} | {r['network_bpb']:.4f} |"
                   f" {r['gain_pct']:.2f} % | {h['network_bpb']:.4f} | {h['gain_pct']:.2f} % |")
    for k, label in (("shipped", "all 19 (shipped)"), ("heldout", "15 genomes")):
        sm = runs[k]["summary"]
        out.append(f"| total, prior of {label} | | | {sm['gain_pct']:.2f} % | | CPU +{sm['cpu_cost_pct']} % |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    d = Path(argv[0] if argv else "benchmarks/results/cm_v3")
    v4 = (d / "g19_L4_v4.txt").is_file()
    v5 = (d / "g19_L5_v5.txt").is_file()
    print(change_table(d, V5_ROWS if v5 else V4_ROWS if v4 else ROWS))
    if v4:
        print()
        print(prior_table(d))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
