"""Turn the logs of ``benchmarks/issue11_measure.sh`` (cm_tune.py output) into the README's
table of the issue-11 cm changes, and check that no genome got worse.

Usage::

    python benchmarks/issue11_table.py benchmarks/results/issue11

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
    ("followers keyed by lifetime accuracy (`racc`), level 4", "g19_L4_v2", "g19_L4_v3"),
    ("`racc`, level 9", "g19_L9_v2", "g19_L9_racc"),
    ("16 light followers on 11-mers (`light`), level 9", "g19_L9_racc", "g19_L9_v3"),
    ("both, level 9", "g19_L9_v2", "g19_L9_v3"),
    ("`racc`, level 5", "g19_L5_v2", "g19_L5_racc"),
    ("`light`, level 5", "g19_L5_racc", "g19_L5_v3"),
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


def speed(rows) -> str:
    """Encoder CPU time over all genomes, against xz's in the same run where measured."""
    n = sum(r[0] for r in rows.values())
    t = sum(r[0] / r[2] for r in rows.values())
    s = f"{n / t:.2f} MB/s"
    if all(r[4] for r in rows.values()):
        tx = sum(r[0] / r[4] for r in rows.values())
        s += f" ({tx / t:.2f}x xz -9e)"
    return s


def main(argv: list[str]) -> int:
    d = Path(argv[0] if argv else "benchmarks/results/issue11")
    print("| change | 19 genomes bpb before | after | gain | encoder speed after (CPU) |"
          " genomes worse |")
    print("|---|---:|---:|---:|---:|---:|")
    bad = 0
    for label, a, b in ROWS:
        pa, pb = d / f"{a}.txt", d / f"{b}.txt"
        if not (pa.is_file() and pb.is_file()):
            continue
        ra, rb = load(pa), load(pb)
        common = sorted(set(ra) & set(rb))
        if len(common) != 19:
            print(f"<!-- {label}: only {len(common)} genomes in both logs -->")
        n = sum(ra[g][0] for g in common)
        ba = sum(ra[g][1] for g in common)
        bb = sum(rb[g][1] for g in common)
        worse = [g for g in common if rb[g][1] > ra[g][1]]
        bad += len(worse)
        print(f"| {label} | {8 * ba / n:.4f} | {8 * bb / n:.4f} | {100 * (ba - bb) / ba:.2f} % |"
              f" {speed({g: rb[g] for g in common})} | {len(worse)} {' '.join(worse)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
