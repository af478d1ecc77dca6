"""Coverage-guided fuzzing of every reader (atheris, libFuzzer's engine) for minutes.

Each target of ``tests/reliability/fuzz_targets.py`` (single-genome container, collection
archive and index, batch catalog, FASTA parser, FASTA layout, compressed inputs) runs in its
own process from its seed inputs, with libFuzzer's limits: a hang is an input that takes more
than ``--timeout`` seconds, a memory blow-up one that takes the process past ``--rss-mb``.
Anything but a ``SeqcoderError`` is a crash; libFuzzer keeps the input under the work
directory (``crash-*``, ``timeout-*``, ``oom-*``), to become a regression test.

Needs the ``fuzz`` extra (``pip install -e '.[fuzz]'``). Writes
``benchmarks/results/fuzz_readers.json``::

    python benchmarks/fuzz_readers.py --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reliability"))
RESULT = ROOT / "benchmarks" / "results" / "fuzz_readers.json"
#: compiled by numba: atheris must not rewrite their bytecode (numba compiles from it); the
#: exclusion is by exact module name
NOT_INSTRUMENTED = ["seqcoder.entropy.cm_kernel", "seqcoder.entropy.lean_kernel", "seqcoder.entropy.primitives",
                    "seqcoder.collection.kernel", "seqcoder.batch.sketch"]


def child(name: str, seconds: int, timeout: int, rss_mb: int, work: Path) -> None:
    """Fuzz one target until ``seconds`` have passed (this process ends there)."""
    import atheris

    with atheris.instrument_imports(include=["seqcoder"], exclude=NOT_INSTRUMENTED):
        import seqcoder.api  # noqa: F401  (the readers, instrumented for coverage)
        import seqcoder.batch.catalog  # noqa: F401
        import seqcoder.collection  # noqa: F401
        import seqcoder.io.fasta  # noqa: F401
        import seqcoder.io.inputs  # noqa: F401
    from fuzz_targets import TARGETS, check

    target = TARGETS[name]
    corpus = work / f"corpus-{name}"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(target.seeds()):
        (corpus / f"seed-{i}").write_bytes(seed)
    atheris.Setup([sys.argv[0], str(corpus), f"-max_total_time={seconds}", f"-timeout={timeout}",
                   f"-rss_limit_mb={rss_mb}", f"-artifact_prefix={work}/{name}-", "-print_final_stats=1",
                   "-max_len=65536"], lambda data: check(target, data))
    atheris.Fuzz()


def run_target(name: str, seconds: int, timeout: int, rss_mb: int, work: Path) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", name, "--seconds", str(seconds), "--timeout",
                           str(timeout), "--rss-mb", str(rss_mb), "--work", str(work)],
                          capture_output=True, text=True, errors="replace")
    log = done.stdout + done.stderr
    (work / f"{name}.log").write_text(log)
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    cov = re.findall(r"cov: (\d+)", log)
    artifacts = sorted(p.name for p in work.glob(f"{name}-*") if p.is_file())
    return {"target": name, "inputs_tried": int(runs[-1]) if runs else None,
            "seconds": round(time.perf_counter() - start, 1), "coverage_edges": int(cov[-1]) if cov else None,
            "exit_status": done.returncode,
            "crashes": sum(a.startswith(f"{name}-crash-") for a in artifacts),
            "hangs": sum(a.startswith(f"{name}-timeout-") for a in artifacts),
            "out_of_memory": sum(a.startswith(f"{name}-oom-") for a in artifacts), "artifacts": artifacts}


def main() -> None:
    from fuzz_targets import TARGETS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    p.add_argument("--targets", default=",".join(TARGETS), help="comma separated (default: all)")
    p.add_argument("--timeout", type=int, default=10, help="seconds after which one input is a hang (default 10)")
    p.add_argument("--rss-mb", type=int, default=2048, help="memory after which an input is a blow-up (default 2048)")
    p.add_argument("--work", type=Path, default=None, help="where corpora, logs and crashers go (default: a temp dir)")
    p.add_argument("--out", type=Path, default=RESULT)
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="seqcoder-fuzz-"))
    if args.child:
        child(args.child, args.seconds, args.timeout, args.rss_mb, work)
        return
    import atheris  # noqa: F401  (fail here, before the children, when the extra is missing)

    rows = []
    for name in args.targets.split(","):
        row = run_target(name, args.seconds, args.timeout, args.rss_mb, work)
        print(json.dumps(row), flush=True)
        rows.append(row)
    report = {"schema_version": 1, "engine": "atheris (libFuzzer)", "seconds_per_target": args.seconds,
              "hang_timeout_s": args.timeout, "rss_limit_mb": args.rss_mb, "cpus": os.cpu_count(),
              "inputs_tried": sum(r["inputs_tried"] or 0 for r in rows),
              "seconds": round(sum(r["seconds"] for r in rows), 1),
              "crashes": sum(r["crashes"] for r in rows), "hangs": sum(r["hangs"] for r in rows),
              "out_of_memory": sum(r["out_of_memory"] for r in rows), "targets": rows, "work": str(work)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{report['inputs_tried']} inputs in {report['seconds']} s: {report['crashes']} crashes, "
          f"{report['hangs']} hangs, {report['out_of_memory']} out of memory; {args.out}")


if __name__ == "__main__":
    main()
