"""Wall-clock time of ``seqcoder batch`` with 1 and with 2 workers on the same inputs, in one
run (in the order 1, 2, 2, 1), and whether the archives are the same bytes. The speed-up is
the summed time of the 1-worker runs over that of the 2-worker runs. ``cores_used`` (CPU
seconds of the batch and its workers over wall seconds) shows how much of the machine a run
got: on a shared machine with ``kernel.sched_autogroup_enabled`` = 1 the CPU is shared between
sessions, so one session's second worker may get no more CPU at all.

    python benchmarks/batch_scaling.py --json benchmarks/results/batch_scaling.json

Default input: the three shared collections (``../shared/data/collections``), with batch's
default options: each species is one group, so the *E. coli* group is most of the work and
the second worker helps it only through the pack task's threads.
Other processes on the machine take CPU too: the ratio is what this machine gave at the time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batch_common import commit, emit, machine

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    """CPU seconds of every finished child and grandchild (the batch and its worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _autogroup() -> str | None:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip()
    except OSError:
        return None


def _load() -> float:
    return os.getloadavg()[0]


def run(inputs: list[str], out: Path, workers: int, extra: list[str]) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    load = _load()
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "seqcoder", "batch", *inputs, "-o", str(out), "--workers",
                           str(workers), "-q", "--json", *extra], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    report = json.loads(done.stdout)
    archives = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("group-*.sqcl"))}
    return {"workers": workers, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "cores_used": round(cpu / wall, 2), "load_before": round(load, 2),
            "load_after": round(_load(), 2), "report": report, "archives": archives}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = ROOT.parent / "shared" / "data" / "collections"
    p.add_argument("inputs", nargs="*", default=[str(shared)])
    p.add_argument("--max-group-bases", default=None, help="passed on to batch (default: batch's own)")
    p.add_argument("--level", default="4")
    p.add_argument("--rounds", type=int, choices=(1, 2), default=2, help="1: workers 1, 2; 2: workers 1, 2, 2, 1")
    p.add_argument("--json", help="also write the result here")
    args = p.parse_args()
    extra = (["--max-group-bases", args.max_group_bases] if args.max_group_bases else []) + ["-L", args.level]
    work = Path(tempfile.mkdtemp(prefix="batch_scaling."))
    runs = []
    try:
        # 1, 2, 2, 1 workers: a drift in the machine's other load hits both settings alike
        for i, workers in enumerate([1, 2, 2, 1][:2 * args.rounds]):
            runs.append(run(args.inputs, work / f"r{i}", workers, extra))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    one = [r for r in runs if r["workers"] == 1]
    two = [r for r in runs if r["workers"] == 2]
    result = {"schema_version": 1, "measured_at_commit": commit(),
              "command": f"seqcoder batch {' '.join(args.inputs)} -o OUT --workers N {' '.join(extra)}",
              "machine": machine(),
              "genomes": runs[0]["report"]["genomes"], "groups": runs[0]["report"]["groups"],
              "bytes_in": runs[0]["report"]["bytes_in"], "bytes_out": runs[0]["report"]["bytes_out"],
              "runs": [{k: v for k, v in r.items() if k != "archives"} for r in runs],
              "speedup_2_over_1": round(sum(r["wall_seconds"] for r in one) / sum(r["wall_seconds"] for r in two), 3),
              "sched_autogroup_enabled": _autogroup(),
              "archives_identical": all(r["archives"] == runs[0]["archives"] for r in runs)}
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
