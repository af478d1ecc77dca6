"""What bounding a collection's references costs: archive size and the time of `get` of the
last member, for `seqcoder pack --max-refs R` against the default (every earlier member).

    python benchmarks/collection_refs.py ../shared/data/collections/chlamydia_trachomatis_50 \\
        ../shared/data/collections/escherichia_coli_49 --refs 0,8 --markdown benchmarks/results/collection_refs.md
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seqcoder.bench.sets import _plain_copies, set_files
from seqcoder.models.zoo import sha256_file

SEQCODER = [sys.executable, "-m", "seqcoder"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--refs", default="0,8", help="comma-separated --max-refs values (0: all earlier)")
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = []
    for folder in args.sets:
        with tempfile.TemporaryDirectory(prefix="seqcoder-refs-") as tmp:
            files = _plain_copies(set_files(folder), Path(tmp))
            last = files[-1]
            base = None
            for r in (int(v) for v in args.refs.split(",")):
                archive = Path(tmp) / f"r{r}.sqcl"
                subprocess.run(SEQCODER + ["pack", "-q", "--max-refs", str(r), str(archive)]
                               + [str(f) for f in files], check=True)
                out = Path(tmp) / "last.fa"
                start = time.perf_counter()
                subprocess.run(SEQCODER + ["get", "-f", str(archive), last.name, "-o", str(out)], check=True)
                get_s = time.perf_counter() - start
                size = archive.stat().st_size
                base = base or size
                rows.append({"set": folder.name, "max_refs": r, "archive_bytes": size,
                             "vs_all_earlier": round(size / base, 4), "get_last_s": round(get_s, 2),
                             "get_exact": sha256_file(out) == sha256_file(last)})
                print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"schema_version": 1, "rows": rows}, indent=2) + "\n")
    if args.markdown:
        lines = ["| set | references | archive bytes | × all earlier | get of the last member, s |",
                 "|---|---|---:|---:|---:|"]
        for r in rows:
            refs = "every earlier member" if r["max_refs"] == 0 else f"first {r['max_refs']} + pool"
            lines.append(f"| {r['set']} | {refs} | {r['archive_bytes']:,} | {r['vs_all_earlier']:.3f} "
                         f"| {r['get_last_s']:.2f} |")
        args.markdown.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
