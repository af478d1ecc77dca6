"""How long a new user's first ``seqcoder compress`` takes: ``python benchmarks/first_run.py``.

Makes a fresh virtual environment and ``pip install -e`` into it of a clean copy of this
checkout's HEAD (``git archive``: no kernel cache yet, as in a fresh clone; timed: the build
warms the kernels' cache, ``build_backend.py``), then, whole processes, with GNU-time-
like wall clocks: the first ``seqcoder compress`` of a FASTA of the first 300 kB of a genome
(default: EsCo of the shared DNA corpus), its ``decompress`` (byte-compared with the input), a
second ``compress`` (warm), and one ``compress`` with an empty numba cache
(``NUMBA_CACHE_DIR``: what a first run costs without the warm-up, and what the terminal says
then). Writes ``benchmarks/results/first_run.json`` (docs/cm-coder.md, "First run").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "dnacorpus"


def _run(cmd: list[str], env: dict | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"first_run: {' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return round(took, 2), done.stderr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--genome", type=Path, default=CORPUS / "EsCo")
    ap.add_argument("--kb", type=int, default=300)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "first_run.json")
    args = ap.parse_args(argv)
    if not args.genome.is_file():
        print(f"first_run: {args.genome}: no such genome", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        raw = bytes(b for b in args.genome.read_bytes()[:args.kb * 1000] if b in b"ACGTacgt")
        fasta = t / "genome.fna"
        fasta.write_bytes(b">first-run test\n" + b"".join(
            raw[i:i + 80] + b"\n" for i in range(0, len(raw), 80)))
        size = fasta.stat().st_size
        clone = t / "clone"
        clone.mkdir()
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True,
                             capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(clone)], input=tar, check=True)
        subprocess.run([sys.executable, "-m", "venv", str(t / "venv")], check=True)
        py, exe = t / "venv" / "bin" / "python", t / "venv" / "bin" / "seqcoder"
        install, _ = _run([str(py), "-m", "pip", "install", "-q", "-e", str(clone)])
        first, first_err = _run([str(exe), "compress", str(fasta)])
        back = t / "back.fna"
        decompress, _ = _run([str(exe), "decompress", "-o", str(back), str(fasta) + ".sqc"])
        same = back.read_bytes() == fasta.read_bytes()
        (Path(str(fasta) + ".sqc")).unlink()
        warm, _ = _run([str(exe), "compress", str(fasta)])
        (Path(str(fasta) + ".sqc")).unlink()
        cold_env = dict(os.environ, NUMBA_CACHE_DIR=str(t / "empty-cache"))
        cold, cold_err = _run([str(exe), "compress", str(fasta)], env=cold_env)
    result = {
        "what": f"fresh venv, pip install -e, then whole-process seconds for a {size}-byte "
                f"FASTA ({len(raw)} bases of {args.genome.name})",
        "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
        "machine": platform.machine(), "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "install_s": install, "first_compress_s": first, "first_compress_stderr": first_err,
        "decompress_s": decompress, "round_trip": same, "warm_compress_s": warm,
        "empty_cache_compress_s": cold, "empty_cache_stderr": cold_err,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
