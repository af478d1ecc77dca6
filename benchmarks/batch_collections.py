"""seqcoder batch on the three shared collections mixed together, against packing each set on
its own; every genome is taken back out with ``seqcoder get`` and checked against the sets'
SHA256SUMS.uncompressed (SHA256SUMS for sets of plain files).

    python benchmarks/batch_collections.py --workers 2 --json benchmarks/results/batch_collections.json

Prints (and writes) JSON: the batch summary, groups per set, the per-set packs and the ratio of
the two totals.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batch_common import emit, machine

SEQCODER = [sys.executable, "-m", "seqcoder"]
ROOT = Path(__file__).resolve().parents[1]


def _sums(folder: Path) -> dict[str, str]:
    sums = folder / "SHA256SUMS.uncompressed"
    if not sums.exists():
        sums = folder / "SHA256SUMS"
    return {line.split()[1]: line.split()[0] for line in sums.read_text().splitlines() if line.strip()}


def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=str(ROOT.parent / "shared" / "data" / "collections"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--work", help="scratch directory (default: a temporary one)")
    p.add_argument("--json", help="also write the result here")
    args = p.parse_args()
    root = Path(args.root)
    work = Path(args.work or tempfile.mkdtemp(prefix="batch_collections."))
    sets = sorted(d for d in root.iterdir() if d.is_dir())
    out = work / "batch"
    seconds, stdout = _timed(SEQCODER + ["batch", str(root), "-o", str(out), "--workers", str(args.workers),
                                         "-q", "--json"])
    batch = json.loads(stdout)
    batch["wall_seconds"] = round(seconds, 2)
    db = sqlite3.connect(out / "catalog.sqlite")
    rows = db.execute("SELECT name, group_id, source FROM genomes").fetchall()
    per_set, solo = {}, {}
    for folder in sets:
        inputs = sorted(str(f) for f in folder.iterdir() if ".fna" in f.name)
        members = [r for r in rows if Path(r[2]).parent == folder]
        groups = sorted({r[1] for r in members})
        other = sorted({Path(r[2]).parent.name for r in rows if r[1] in groups} - {folder.name})
        archive = work / f"{folder.name}.sqcl"
        t, _ = _timed(SEQCODER + ["pack", "-f", "-q", str(archive)] + inputs)
        solo[folder.name] = {"genomes": len(inputs), "archive_bytes": archive.stat().st_size, "seconds": round(t, 2)}
        per_set[folder.name] = {"genomes": len(members), "groups": groups, "groups_shared_with_other_sets": other}
    got = work / "got"
    names = [r[0] for r in rows]
    t_get, _ = _timed(SEQCODER + ["get", str(out), *names, "-C", str(got), "-f"])
    expected = {name: digest for folder in sets for name, digest in _sums(folder).items()}
    import hashlib

    identical = sum(hashlib.sha256((got / n).read_bytes()).hexdigest() == expected.get(n) for n in names)
    total_solo = sum(s["archive_bytes"] for s in solo.values())
    result = {"schema_version": 1, "command": " ".join(["seqcoder", "batch", str(root), "-o", "OUT", "--workers",
                                                         str(args.workers)]),
              "machine": machine(),
              "batch": batch, "sets": per_set, "pack_each_set": solo, "pack_each_set_total_bytes": total_solo,
              "batch_over_separate": round(batch["bytes_out"] / total_solo, 4),
              "get_seconds": round(t_get, 2), "genomes_identical": identical, "genomes": len(names)}
    emit(result, args.json)
    return 0 if identical == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
