"""Speed of the FASTA layer alone: parse_fasta and render_fasta on a synthetic genome.

Was a timed assertion in tests/unit/test_fasta.py; timings belong here, where a slow, shared
machine gives a slow number instead of a failing test::

    python benchmarks/fasta_speed.py --mb 6 --repeat 3
    python benchmarks/fasta_speed.py --mb 6 --json benchmarks/results/fasta_speed.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import numpy as np

from seqcoder.io.fasta import parse_fasta, render_fasta

SCHEMA_VERSION = 1
WIDTH = 80


def synthetic_fasta(bases: int, seed: int = 2) -> bytes:
    """One record of ``bases`` random A/C/G/T in 80-column lines."""
    rng = np.random.default_rng(seed)
    seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, bases)].tobytes()
    return b">chr\n" + b"\n".join(seq[i:i + WIDTH] for i in range(0, bases, WIDTH)) + b"\n"


def measure(data: bytes, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` seconds of one parse and one render; checks the round trip."""
    parse_s = render_s = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        parsed = parse_fasta(data)
        t1 = time.perf_counter()
        back = render_fasta(parsed.codes, parsed.layout)
        t2 = time.perf_counter()
        if back != data:
            raise SystemExit("fasta_speed: the round trip differs")
        parse_s, render_s = min(parse_s, t1 - t0), min(render_s, t2 - t1)
    return {"parse_s": parse_s, "render_s": render_s,
            "parse_mb_s": len(data) / parse_s / 1e6, "render_mb_s": len(data) / render_s / 1e6}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=6.0, help="bases, in millions (default 6)")
    ap.add_argument("--repeat", type=int, default=3, help="runs; the best counts (default 3)")
    ap.add_argument("--json", metavar="OUT", help="write the result as JSON")
    args = ap.parse_args(argv)
    data = synthetic_fasta(int(args.mb * 1e6))
    result = {"schema_version": SCHEMA_VERSION, "bytes": len(data), "repeat": args.repeat,
              "machine": platform.machine(), "python": platform.python_version(), **measure(data, args.repeat)}
    print(f"{len(data):,} bytes: parse {result['parse_mb_s']:.1f} MB/s, render {result['render_mb_s']:.1f} MB/s",
          file=sys.stderr)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
            out.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
