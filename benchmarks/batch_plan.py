"""Cost of planning a batch (one process, one core): clustering the sketches, and ordering each
group by its tree, measured separately in CPU seconds, with the sketch memory (docs/batch.md,
"Toward a million genomes").

    python benchmarks/batch_plan.py ../shared/data/collections ../shared/data/genomes \
        --json benchmarks/results/batch_plan.json
"""

from __future__ import annotations

import argparse
import sys
import time

from batch_common import emit, machine


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+")
    p.add_argument("--json")
    args = p.parse_args()
    from seqcoder.batch.group import cluster_sketches, order_members
    from seqcoder.batch.inputs import find_genomes
    from seqcoder.batch.tasks import sketch_genome

    sketches = [sketch_genome(g) for g in find_genomes(args.inputs)]
    cpu = time.process_time()
    clusters = cluster_sketches(sketches)
    cluster_cpu = time.process_time() - cpu
    order_members(sketches, clusters[0].members[:3])  # imports scipy outside the timing
    cpu = time.process_time()
    for c in clusters:
        order_members(sketches, c.members, c.centroid)
    order_cpu = time.process_time() - cpu
    biggest = max(len(c.members) for c in clusters)
    emit({"schema_version": 1, "command": "python benchmarks/batch_plan.py " + " ".join(args.inputs),
          "machine": machine(), "genomes": len(sketches), "clusters": len(clusters),
          "largest_cluster": biggest, "sketch_hashes": int(sum(s.hashes.size for s in sketches)),
          "sketch_bytes": int(sum(s.hashes.nbytes for s in sketches)),
          "cluster_cpu_seconds": round(cluster_cpu, 3),
          "cluster_cpu_ms_per_genome": round(1000 * cluster_cpu / len(sketches), 3),
          "order_cpu_seconds": round(order_cpu, 3),
          "order_cpu_ms_per_pair": round(
              1000 * order_cpu / max(1, sum(len(c.members) ** 2 // 2 for c in clusters)), 4)},
         args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
