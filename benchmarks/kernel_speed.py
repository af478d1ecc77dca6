"""The cm kernel's speed before and after a change, in one run: ``python benchmarks/kernel_speed.py
--before REV``.

Both sides code the same genome (default: EsCo of the shared DNA corpus) at the same level,
each in its own process with its own source tree (``git archive REV src`` for the "before"
side, this checkout's ``src`` for the "after" side), in interleaved rounds so that a change in
the machine's load falls on both. Each process first codes a few bases (the kernels compile or
load from their cache there, outside the timings), then encodes and decodes the whole genome
once. The payloads of both sides must be the same bytes. Writes the medians, the rounds, the
commits and the load average to ``benchmarks/results/kernel_speed.json``
(docs/cm-coder.md, "Kernel structure").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "dnacorpus"

_TIMER = """
import hashlib, json, sys, time
import numpy as np
from seqcoder.alphabet import encode_bases
from seqcoder.entropy import cm_decode, cm_encode
raw = open(sys.argv[1], "rb").read()
codes = encode_bases(bytes(b for b in raw if b in b"ACGTacgt"))
level = int(sys.argv[2])
cm_decode(cm_encode(codes[:2000], level), 2000, level)  # compile or load, untimed
t0, c0 = time.perf_counter(), time.process_time()
data = cm_encode(codes, level)
t1, c1 = time.perf_counter(), time.process_time()
back = cm_decode(data, len(codes), level)
t2, c2 = time.perf_counter(), time.process_time()
assert np.array_equal(back, codes), "round trip failed"
print(json.dumps({"bases": int(len(codes)), "bytes": len(data),
                  "sha256": hashlib.sha256(data).hexdigest(), "enc_wall": t1 - t0,
                  "enc_cpu": c1 - c0, "dec_wall": t2 - t1, "dec_cpu": c2 - c1}))
"""


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def _extract(rev: str, into: Path) -> Path:
    """``rev``'s ``src`` under ``into``."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(into, filter="data")
    return into / "src"


def _time(src: Path, genome: Path, level: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-c", _TIMER, str(genome), str(level)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, help="the commit to compare with (git rev)")
    ap.add_argument("--genome", type=Path, default=CORPUS / "EsCo")
    ap.add_argument("--level", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "kernel_speed.json")
    args = ap.parse_args(argv)
    if not args.genome.is_file():
        print(f"kernel_speed: {args.genome}: no such genome", file=sys.stderr)
        return 1
    rounds: dict[str, list[dict]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"before": _extract(args.before, Path(tmp)), "after": ROOT / "src"}
        for r in range(args.rounds):
            for side in (("before", "after") if r % 2 == 0 else ("after", "before")):
                rounds[side].append(_time(sides[side], args.genome, args.level))
                row = rounds[side][-1]
                print(f"round {r + 1} {side:6s} encode {row['enc_wall']:.2f} s, "
                      f"decode {row['dec_wall']:.2f} s", file=sys.stderr)
    digests = {row["sha256"] for side in rounds.values() for row in side}
    summary = {}
    for side, rows in rounds.items():
        n = rows[0]["bases"]
        summary[side] = {k: round(statistics.median(r[k] for r in rows), 3)
                         for k in ("enc_wall", "enc_cpu", "dec_wall", "dec_cpu")}
        summary[side]["enc_mb_s"] = round(n / summary[side]["enc_cpu"] / 1e6, 3)
        summary[side]["dec_mb_s"] = round(n / summary[side]["dec_cpu"] / 1e6, 3)
        summary[side]["bits_per_base"] = round(8 * rows[0]["bytes"] / n, 4)
    result = {
        "what": f"cm -{args.level} on {args.genome.name}, encode and decode, medians of "
                f"{args.rounds} interleaved rounds (MB/s: bases per CPU second)",
        "before": _git("rev-parse", args.before), "after": _git("rev-parse", "HEAD"),
        "after_dirty": bool(_git("status", "--porcelain", "src")),
        "same_bytes": len(digests) == 1, "machine": platform.machine(),
        "cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
        "summary": summary, "rounds": rounds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    if len(digests) != 1:
        print("kernel_speed: the two sides wrote different bytes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
