"""The collection speed, get and add checks, in one run on one set.

1. ``seqcoder pack -T 1`` and ``seqcoder unpack`` of the whole set, whole process, against
   ``bzip2 -9`` of the same bytes in the same run (speed, peak RSS, byte-exact round trip);
2. ``seqcoder get`` of one member: the first, the middle and the last (wall clock, whole process);
3. ``add``: pack all but the last 5 members, add those 5, and compare with packing all at once:
   size ratio, and that the smaller archive's bytes are a prefix of the appended one (nothing
   rewritten).

Usage (plain or .gz files; the set is decompressed once into a temporary folder)::

    python benchmarks/collection_checks.py ../shared/data/collections/escherichia_coli_49 \\
        --json benchmarks/results/collection_checks_ecoli.json
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

from seqcoder.bench.sets import _run, _plain_copies, set_files
from seqcoder.models.zoo import sha256_file

SEQCODER = [sys.executable, "-m", "seqcoder"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--add", type=int, default=5, help="members added at the end (default 5)")
    args = ap.parse_args()
    report: dict = {"schema_version": 1, "set": args.set.name, "cpu_count": os.cpu_count(),
                    "load_average_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="seqcoder-checks-") as tmp:
        work = Path(tmp)
        files = _plain_copies(set_files(args.set), work)
        size = sum(f.stat().st_size for f in files)
        report["input_bytes"] = size
        listing = work / "all.txt"
        listing.write_text("".join(f"{f}\n" for f in files))

        whole = work / "whole.sqcl"
        pack_s, pack_rss = _run(SEQCODER + ["pack", "-q", "-T", "1", str(whole), "--files-from", str(listing)])
        out = work / "out"
        unpack_s, unpack_rss = _run(SEQCODER + ["unpack", "-q", str(whole), "-C", str(out)])
        exact = all(sha256_file(f) == sha256_file(out / f.name) for f in files)
        cat = work / "cat.fa"
        with open(cat, "wb") as sink:
            for f in files:
                sink.write(f.read_bytes())
        with open(os.devnull, "wb") as sink:
            bzip_s, _ = _run(["bzip2", "-9", "-c", str(cat)], stdout=sink)
        cat.unlink()
        report["speed"] = {
            "archive_bytes": whole.stat().st_size, "round_trip": exact,
            "pack_s": round(pack_s, 2), "unpack_s": round(unpack_s, 2), "bzip2_9_s": round(bzip_s, 2),
            "pack_MBps": round(size / pack_s / 1e6, 2), "unpack_MBps": round(size / unpack_s / 1e6, 2),
            "bzip2_9_MBps": round(size / bzip_s / 1e6, 2),
            "pack_vs_bzip2": round(bzip_s / pack_s, 2), "unpack_vs_bzip2": round(bzip_s / unpack_s, 2),
            "pack_rss_MB": round(pack_rss), "unpack_rss_MB": round(unpack_rss)}
        print(json.dumps(report["speed"]), flush=True)

        gets = {}
        for f in (files[0], files[len(files) // 2], files[-1]):
            target = work / "one.fa"
            start = time.perf_counter()
            subprocess.run(SEQCODER + ["get", str(whole), f.name, "-o", str(target)], check=True)
            gets[f.name] = {"s": round(time.perf_counter() - start, 2), "exact": sha256_file(target) == sha256_file(f)}
            target.unlink()
        report["get"] = gets
        print(json.dumps(gets), flush=True)

        first = work / "first.txt"
        first.write_text("".join(f"{f}\n" for f in files[:-args.add]))
        part = work / "part.sqcl"
        subprocess.run(SEQCODER + ["pack", "-q", str(part), "--files-from", str(first)], check=True)
        before = part.read_bytes()
        subprocess.run(SEQCODER + ["add", "-q", str(part)] + [str(f) for f in files[-args.add:]], check=True)
        after = part.read_bytes()
        subprocess.run(SEQCODER + ["test", str(part)], check=True)
        report["add"] = {"members_packed": len(files) - args.add, "members_added": args.add,
                         "packed_then_added_bytes": len(after), "packed_at_once_bytes": whole.stat().st_size,
                         "ratio": round(len(after) / whole.stat().st_size, 5),
                         "old_bytes_unchanged": after.startswith(before)}
        print(json.dumps(report["add"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
