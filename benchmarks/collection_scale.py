"""Collections at scale: seqcoder pack against MBGC on the first n genomes of one set, for
several n, in one run (each size: MBGC, then seqcoder, so both see the same machine).

For every n it records archive bytes, pack and unpack wall time and peak RSS of both tools
(one thread each), checks that every unpacked file is the original byte for byte (SHA-256 of
the uncompressed input), and for seqcoder times whole-process ``get`` of the first, middle
and last member and of a 10 kb region of the middle one, as a user runs it (on every core).

    python3 ../shared/tools/simulate_collection.py ../shared/data/collections/escherichia_coli_49/*.fna.gz \\
        -n 1000 -o SIMDIR --seed 1
    python benchmarks/collection_scale.py SIMDIR --sizes 10,50,150,500,1000 --mbgc PATH/TO/mbgc \\
        --json benchmarks/results/collection_scale.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from batch_common import commit

from seqcoder.bench.process import measure
from seqcoder.bench.sets import set_files
from seqcoder.collection import Collection
from seqcoder.collection.archive import member_name, read_input

SEQCODER = [sys.executable, "-m", "seqcoder"]


def _run(argv: list[str], stdout=subprocess.DEVNULL) -> dict:
    m = measure(argv, stdout=stdout, stderr=subprocess.PIPE)
    if m.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... exited {m.returncode}")
    return {"s": round(m.wall_s, 3), "cpu_s": round(m.cpu_s, 3), "rss_mb": round(m.peak_rss_kib / 1024, 1)}


def _same(originals: dict[str, str], folder: Path, names: list[str]) -> bool:
    return all(hashlib.sha256((folder / n).read_bytes()).hexdigest() == originals[n] for n in names)


def _sizes_row(tool: str, n: int, input_bytes: int, archive: Path, pack: dict, unpack: dict, ok: bool) -> dict:
    return {"tool": tool, "genomes": n, "input_bytes": input_bytes, "archive_bytes": archive.stat().st_size,
            "bytes_per_genome": round(archive.stat().st_size / n, 1), "pack": pack, "unpack": unpack,
            "pack_mb_s": round(input_bytes / 1e6 / pack["s"], 2),
            "unpack_mb_s": round(input_bytes / 1e6 / unpack["s"], 2),
            "round_trip": ok}


def _access(archive: Path, work: Path) -> dict:
    """Whole-process get of the first, middle and last member, and of a 10 kb region."""
    c = Collection(archive)
    picks = {"first": 0, "middle": len(c.members) // 2, "last": len(c.members) - 1}
    out: dict = {}
    for label, i in picks.items():
        m = c.members[i]
        target = work / f"get-{label}"
        out[f"get_{label}"] = _run(SEQCODER + ["get", str(archive), m.name, "-o", str(target)])
        out[f"get_{label}"]["decoded_members"], out[f"get_{label}"]["decoded_literal_bases"] = \
            c.decoding_cost(m.name)
        target.unlink()
    middle = c.members[picks["middle"]]
    number, (_, letters) = max(enumerate(middle.record_table), key=lambda r: r[1][1])
    start = max(1, letters // 2 - 5_000)
    region = f"{middle.name}:#{number + 1}:{start}-{min(letters, start + 9_999)}"  # ids may repeat: by number
    out["region_10kb"] = _run(SEQCODER + ["get", str(archive), region])
    out["region_10kb"]["region"] = region
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set", type=Path, help="folder of FASTA files (the first n by name are used)")
    ap.add_argument("--sizes", default="10,50,150,500,1000")
    ap.add_argument("--mbgc", default=shutil.which("mbgc"), help="MBGC binary (default: on PATH)")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--level", type=int, default=None, help="seqcoder pack level (default: its default)")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    files = set_files(args.set)
    sizes = [int(v) for v in args.sizes.split(",")]
    if max(sizes) > len(files):
        ap.error(f"{args.set} holds {len(files)} genomes")
    originals, raw_bytes = {}, {}
    for f in files[:max(sizes)]:
        data = read_input(f)
        originals[member_name(f)], raw_bytes[member_name(f)] = hashlib.sha256(data).hexdigest(), len(data)
    level = [] if args.level is None else [f"-{args.level}"]
    load_before = os.getloadavg()[0]
    rows: list[dict] = []
    work_root = Path(tempfile.mkdtemp(dir=args.work, prefix="collection-scale-"))
    try:
        for n in sizes:
            names = [member_name(f) for f in files[:n]]
            input_bytes = sum(raw_bytes[x] for x in names)
            work = work_root / str(n)
            work.mkdir()
            listing = work / "list.txt"
            listing.write_text("".join(f"{f}\n" for f in files[:n]))
            if args.mbgc:
                archive, out = work / "set.mbgc", work / "mbgc-out"
                out.mkdir()
                pack = _run([args.mbgc, "c", "-I", "-m", "3", "-t", "1", str(listing), str(archive)])
                unpack = _run([args.mbgc, "d", "-t", "1", str(archive), str(out)])
                ok = _same(originals, out, names)
                rows.append(_sizes_row("MBGC -m 3", n, input_bytes, archive, pack, unpack, ok))
                shutil.rmtree(out)
                print(json.dumps(rows[-1]), flush=True)
            archive, out = work / "set.sqcl", work / "seqcoder-out"
            pack = _run(SEQCODER + ["pack", "-q", "-T", "1", *level, str(archive), "--files-from", str(listing)])
            unpack = _run(SEQCODER + ["unpack", "-q", "-T", "1", str(archive), "-C", str(out)])
            row = _sizes_row("seqcoder pack", n, input_bytes, archive, pack, unpack, _same(originals, out, names))
            shutil.rmtree(out)
            row.update(_access(archive, work))
            rows.append(row)
            print(json.dumps(rows[-1]), flush=True)
            for p in work.glob("set.*"):
                p.unlink()
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    result = {"measured_at_commit": commit(),
              "set": args.set.name, "sizes": sizes, "cores": os.cpu_count(), "load_before": round(load_before, 2),
              "load_after": round(os.getloadavg()[0], 2),
              "rows": rows}
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if all(r["round_trip"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
