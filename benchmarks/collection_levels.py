"""What each collection level trades between size and speed: `seqcoder pack -L` of each set
at each level, then `unpack`, whole processes on one thread, every member compared with its
input.

    python benchmarks/collection_levels.py ../shared/data/collections/phages_97 \\
        --levels 1,2,3,4,5,6,7,8,9 --json benchmarks/results/collection_levels.json
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
from seqcoder.collection.archive import member_name, read_input

SEQCODER = [sys.executable, "-m", "seqcoder"]


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--levels", default="1,2,3,4,5,6,7,8,9")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    rows = []
    for folder in args.sets:
        files = set_files(folder)
        size = sum(len(read_input(f)) for f in files)
        for level in (int(v) for v in args.levels.split(",")):
            with tempfile.TemporaryDirectory(prefix="seqcoder-levels-") as tmp:
                archive, out = Path(tmp) / "set.sqcl", Path(tmp) / "out"
                pack = ["pack", "-q", "-T", "1", "-L", str(level), str(archive)]
                pack_s = _timed(SEQCODER + pack + [str(f) for f in files])
                unpack_s = _timed(SEQCODER + ["unpack", "-q", "-T", "1", str(archive), "-C", str(out)])
                exact = all((out / member_name(f)).read_bytes() == read_input(f) for f in files)
                rows.append({"set": folder.name, "level": level, "archive_bytes": archive.stat().st_size,
                             "pack_mb_s": round(size / pack_s / 1e6, 2), "unpack_mb_s": round(size / unpack_s / 1e6, 2),
                             "round_trip": exact})
            print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"schema_version": 1, "measured_at_commit": commit(),
                                         "load_at_start": round(load, 2), "rows": rows}, indent=2) + "\n")
    return 0 if all(r["round_trip"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
