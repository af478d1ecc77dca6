"""Peak memory of compress and decompress on a large synthetic multi-FASTA.

Writes a FASTA of --size bytes (80-column records of 0.5-6 Mb with N runs and soft-masked
stretches, random bases), compresses and decompresses it with the seqcoder CLI in child
processes, checks the round trip, and reports wall time and peak RSS (ru_maxrss of each
child) as JSON::

    python benchmarks/memory.py --size 1G --level 6 --threads 2 --json benchmarks/results/memory.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_synthetic_fasta(path: Path, size: int, seed: int = 0) -> int:
    """Write about ``size`` bytes of FASTA; return the exact size written."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    written, record = 0, 0
    with open(path, "wb") as out:
        while written < size:
            length = int(rng.integers(500_000, 6_000_000))
            seq = letters[rng.integers(0, 4, length)]
            for _ in range(int(rng.integers(0, 4))):  # N runs (gaps of a scaffold)
                start = int(rng.integers(0, length))
                seq[start:start + int(rng.integers(10, 5000))] = ord("N")
            for _ in range(int(rng.integers(0, 8))):  # soft-masked repeats
                start = int(rng.integers(0, length))
                stretch = seq[start:start + int(rng.integers(50, 3000))]
                stretch[stretch != ord("N")] += 32
            record += 1
            body = seq.tobytes()
            lines = [body[i:i + 80] for i in range(0, len(body), 80)]
            chunk = b">synthetic_%d length=%d\n" % (record, length) + b"\n".join(lines) + b"\n"
            chunk = chunk[: max(0, size - written)] if written + len(chunk) > size else chunk
            out.write(chunk)
            written += len(chunk)
    return written


def run_child(argv: list[str]) -> tuple[float, int]:
    """Run ``argv``; return (wall seconds, peak RSS in bytes) of that child alone."""
    start = time.perf_counter()
    process = subprocess.Popen(argv)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_maxrss * 1024


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1G", help="input size, e.g. 1G (default)")
    parser.add_argument("--codec", default="cm")
    parser.add_argument("--level", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--block-size", default="64M")
    parser.add_argument("--workdir", default=None, help="where the big files go (default: a temp dir)")
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="seqcoder-memory-"))
    workdir.mkdir(parents=True, exist_ok=True)
    src, archive, back = workdir / "synthetic.fa", workdir / "synthetic.fa.sqc", workdir / "synthetic.out.fa"
    size = write_synthetic_fasta(src, parse_size(args.size))
    cli = [sys.executable, "-m", "seqcoder"]
    common = ["-q", "-f", "-T", str(args.threads)]
    c_wall, c_rss = run_child(cli + ["compress", *common, "--codec", args.codec, f"-{args.level}",
                                     "--block-size", args.block_size, str(src), "-o", str(archive)])
    d_wall, d_rss = run_child(cli + ["decompress", *common, str(archive), "-o", str(back)])
    identical = sha256(src) == sha256(back)
    result = {
        "schema_version": 1, "what": "peak RSS on a synthetic multi-FASTA",
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version()},
        "input_bytes": size, "archive_bytes": archive.stat().st_size, "codec": args.codec,
        "level": args.level, "threads": args.threads, "block_size": args.block_size,
        "compress": {"seconds": round(c_wall, 2), "peak_rss_bytes": c_rss},
        "decompress": {"seconds": round(d_wall, 2), "peak_rss_bytes": d_rss},
        "round_trip_identical": identical,
    }
    for path in (src, archive, back):
        path.unlink(missing_ok=True)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
