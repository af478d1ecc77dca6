"""The README's plot of bytes per genome against the number of genomes, for seqcoder and MBGC,
from the result of ``collection_scale.py``.

    python benchmarks/collection_scale_plot.py benchmarks/results/collection_scale.json \\
        benchmarks/results/collection_scale.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> int:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    d = json.loads(source.read_text())
    fig, ax = plt.subplots(figsize=(6, 4))
    for tool, style in (("MBGC -m 3", "s--"), ("seqcoder pack", "o-")):
        rows = sorted((r for r in d["rows"] if r["tool"] == tool), key=lambda r: r["genomes"])
        ax.plot([r["genomes"] for r in rows], [r["bytes_per_genome"] / 1000 for r in rows], style, label=tool)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("genomes in the archive (simulated E. coli, seed 1)")
    ax.set_ylabel("archive kB per genome")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(target, dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
