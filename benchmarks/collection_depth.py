"""What bounding a member's chain of parents costs: archive size, and what a `get` of the last
member decodes and how long it takes (whole process, one thread), for `seqcoder pack
--max-depth D` against the first depth given (255, the format's largest: no bound for these
sets; 0: no parents, the pool alone).

    python benchmarks/collection_depth.py ../shared/data/collections/chlamydia_trachomatis_50 \\
        ../shared/data/collections/escherichia_coli_49 ../shared/data/collections/phages_97 \\
        --depths 255,8,2,0 --json benchmarks/results/collection_depth.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batch_common import commit

from seqcoder.bench.sets import set_files
from seqcoder.collection import Collection
from seqcoder.collection.archive import member_name, read_input

SEQCODER = [sys.executable, "-m", "seqcoder"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--depths", default="255,8,2,0", help="comma-separated --max-depth values; the first is the base")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = []
    load = os.getloadavg()[0]
    for folder in args.sets:
        files = set_files(folder)
        last = files[-1]
        base = None
        with tempfile.TemporaryDirectory(prefix="seqcoder-depth-") as tmp:
            for depth in (int(v) for v in args.depths.split(",")):
                archive = Path(tmp) / f"d{depth}.sqcl"
                subprocess.run(SEQCODER + ["pack", "-q", "-T", "1", "--max-depth", str(depth), str(archive)]
                               + [str(f) for f in files], check=True)
                out = Path(tmp) / "last.fa"
                start = time.perf_counter()
                subprocess.run(SEQCODER + ["get", "-T", "1", "-f", str(archive), member_name(last), "-o", str(out)],
                               check=True)
                get_s = time.perf_counter() - start
                members, literals = Collection(archive).decoding_cost(member_name(last))
                size = archive.stat().st_size
                base = base or size
                rows.append({"set": folder.name, "max_depth": depth, "archive_bytes": size,
                             "vs_first": round(size / base, 4), "get_last_s": round(get_s, 2),
                             "get_last_decodes_members": members, "get_last_decodes_literal_bases": literals,
                             "get_exact": out.read_bytes() == read_input(last)})
                print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"schema_version": 1, "measured_at_commit": commit(),
                                         "load_at_start": round(load, 2), "rows": rows},
                                        indent=2) + "\n")
    return 0 if all(r["get_exact"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
