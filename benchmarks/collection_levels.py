"""What each collection level trades between size and speed: `seqcoder pack -L` of each set
at each level, then `unpack`, whole processes on one thread, every member compared with its
input.

    python benchmarks/collection_levels.py ../shared/data/collections/phages_97 \\
        --levels 1,2,3,4,5,6,7,8,9 --json benchmarks/results/collection_levels.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from batch_common import commit

from seqcoder.bench.process import measure
from seqcoder.bench.sets import set_files
from seqcoder.collection.archive import member_name, read_input

SEQCODER = [sys.executable, "-m", "seqcoder"]


def _timed(argv: list[str]) -> float:
    m = measure(argv)
    if m.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... exited {m.returncode}")
    return m.wall_s


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
        inputs = [read_input(f) for f in files]  # read once: every level is checked against them
        size = sum(len(data) for data in inputs)
        digests = {member_name(f): hashlib.sha256(data).digest() for f, data in zip(files, inputs)}
        del inputs
        for level in (int(v) for v in args.levels.split(",")):
            with tempfile.TemporaryDirectory(prefix="seqcoder-levels-") as tmp:
                archive, out = Path(tmp) / "set.sqcl", Path(tmp) / "out"
                pack = ["pack", "-q", "-T", "1", "-L", str(level), str(archive)]
                pack_s = _timed(SEQCODER + pack + [str(f) for f in files])
                unpack_s = _timed(SEQCODER + ["unpack", "-q", "-T", "1", str(archive), "-C", str(out)])
                exact = all(hashlib.sha256((out / name).read_bytes()).digest() == digest
                            for name, digest in digests.items())
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
