"""Whole-process speed of ``seqcoder compress`` / ``decompress`` against ``xz -9e -T1``, in
rounds: each round runs xz once, then each level's compress and decompress once, so a machine
whose speed drifts (shared CPUs) slows every tool alike. Best (min) wall time per step over the
rounds; peak RSS is the max. A compression is compared with xz's compression, a decompression
with xz's decompression; the result records the commit and the load average at the start.

Usage::

    .venv/bin/python benchmarks/speed_vs_xz.py [--levels 4,9] [--rounds 5] [--json OUT] FILE

From the repository root, with the README's .venv (``seqcoder`` beside this Python).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from seqcoder.bench.process import measure


def timed(cmd: list[str], stdin: Path, stdout: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of ``cmd < stdin > stdout`` (the benchmarks' one process runner)."""
    with open(stdin, "rb") as fi, open(stdout, "wb") as fo:
        m = measure(cmd, stdin=fi, stdout=fo)
    if m.returncode != 0:
        sys.exit(f"speed_vs_xz: {' '.join(cmd)} failed")
    return m.wall_s, m.peak_rss_kib


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--levels", default="4")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    seqcoder = str(Path(sys.executable).with_name("seqcoder"))
    levels = [int(x) for x in args.levels.split(",")]
    best: dict[str, list[float]] = {}
    load = os.getloadavg()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    archive_bytes: dict[str, int] = {}

    def keep(step: str, wall: float, rss: int) -> None:
        b = best.setdefault(step, [float("inf"), 0])
        best[step] = [min(b[0], wall), max(b[1], rss)]

    with tempfile.TemporaryDirectory() as tmp:
        arc, out = Path(tmp, "a"), Path(tmp, "o")
        for r in range(args.rounds):
            keep("xz -9e -T1 compress", *timed(["xz", "-9e", "-T1", "-c"], args.file, arc))
            keep("xz -9e -T1 decompress", *timed(["xz", "-d", "-T1", "-c"], arc, out))
            for lv in levels:
                keep(f"cm -{lv} compress", *timed([seqcoder, "compress", "-q", f"-{lv}", "-c"],
                                                   args.file, arc))
                archive_bytes[f"cm -{lv}"] = arc.stat().st_size
                keep(f"cm -{lv} decompress", *timed([seqcoder, "decompress", "-q", "-c"], arc, out))
                if out.read_bytes() != args.file.read_bytes():
                    sys.exit(f"speed_vs_xz: level {lv} did not round-trip")
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    # like for like: a compression against xz's compression, a decompression against xz's decompression
    xz = {d: best[f"xz -9e -T1 {d}"][0] for d in ("compress", "decompress")}
    rows = [{"step": k, "wall_s": round(v[0], 3), "peak_rss_kib": v[1],
             "speed_vs_xz": round(xz[k.rsplit(" ", 1)[1]] / v[0], 3)} for k, v in best.items()]
    print(f"{'step':24s} {'best s':>8s} {'x xz -9e':>9s} {'peak RSS MiB':>13s}")
    for row in rows:
        print(f"{row['step']:24s} {row['wall_s']:8.2f} {row['speed_vs_xz']:9.2f} "
              f"{row['peak_rss_kib'] / 1024:13.0f}")
    if args.json:
        args.json.write_text(json.dumps({"file": str(args.file), "rounds": args.rounds, "commit": commit,
                                         "load_average_at_start": load, "archive_bytes": archive_bytes,
                                         "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
