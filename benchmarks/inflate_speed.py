"""Reading .fna.gz inputs: the inflaters seqcoder can use (zlib, through Python's gzip module,
and ISA-L, through the isal package) on the same files, best of a few rounds each.

    python benchmarks/inflate_speed.py SIMDIR/SIM_0000*.fna.gz --json benchmarks/results/inflate_speed.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

from batch_common import commit

from isal import igzip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    raw = [f.read_bytes() for f in args.files]
    out_bytes = sum(len(gzip.decompress(r)) for r in raw)
    result: dict = {"measured_at_commit": commit(),
                    "files": len(raw), "gz_bytes": sum(map(len, raw)), "fasta_bytes": out_bytes,
                    "load_at_start": round(os.getloadavg()[0], 2), "rows": []}
    for name, inflate in (("zlib (gzip module)", gzip.decompress), ("ISA-L (isal.igzip)", igzip.decompress)):
        best = float("inf")
        for _ in range(args.rounds):
            start = time.perf_counter()
            for r in raw:
                inflate(r)
            best = min(best, time.perf_counter() - start)
        result["rows"].append({"inflater": name, "s": round(best, 3), "mb_s": round(out_bytes / 1e6 / best, 1)})
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
