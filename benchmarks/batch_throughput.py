"""Per-core throughput of the two batch steps, in one process (one core): sketching
(read + decompress + parse + hash) and packing one group (Collection.create, then decoding
every member to verify it), in wall-clock and CPU seconds (the machine is shared, so CPU
seconds are the per-core figure). (docs/batch.md: not current since the collection coder changed).

    python benchmarks/batch_throughput.py ../shared/data/collections/escherichia_coli_49 \
        --json benchmarks/results/batch_throughput.json
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

from batch_common import emit, machine


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", help="files or directories of one set")
    p.add_argument("--level", type=int, default=4)
    p.add_argument("--json")
    args = p.parse_args()
    from seqcoder.batch.inputs import find_genomes
    from seqcoder.batch.tasks import pack_group, plan_jobs, sketch_genome

    genomes = find_genomes(args.inputs)
    sketch_genome(genomes[0])  # compiles the hash kernel outside the timing
    start, cpu = time.perf_counter(), time.process_time()
    sketches = [sketch_genome(g) for g in genomes]
    sketch_s, sketch_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    jobs = plan_jobs(sketches, args.level, min_group_bases=0, max_group_bases=10**12)
    plan_s = time.perf_counter() - start
    bases = sum(s.bases for s in sketches)
    original = sum(s.original_size for s in sketches)
    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.perf_counter(), time.process_time()
        results = [pack_group(out, job) for job in jobs]
        pack_s, pack_cpu = time.perf_counter() - start, time.process_time() - cpu
    result = {"schema_version": 1, "command": "python benchmarks/batch_throughput.py " + " ".join(args.inputs),
              "machine": machine(),
              "genomes": len(genomes), "bases": bases, "original_bytes": original, "groups": len(jobs),
              "sketch_seconds": round(sketch_s, 2), "sketch_cpu_seconds": round(sketch_cpu, 2),
              "sketch_mb_per_s": round(original / sketch_s / 1e6, 2),
              "sketch_mb_per_cpu_s": round(original / sketch_cpu / 1e6, 2),
              "sketch_hashes_per_genome": round(sum(s.hashes.size for s in sketches) / len(sketches), 1),
              "plan_seconds": round(plan_s, 3),
              "load_average": round(os.getloadavg()[0], 2), "pack_verify_seconds": round(pack_s, 2),
              "pack_verify_cpu_seconds": round(pack_cpu, 2),
              "pack_verify_mb_per_s": round(original / pack_s / 1e6, 2),
              "pack_verify_mb_per_cpu_s": round(original / pack_cpu / 1e6, 2),
              "archive_bytes": sum(r.archive_bytes for r in results),
              "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
