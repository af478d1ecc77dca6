"""Print the autoencoder table (docs/autoencoder.md, through benchmarks/figures.py) from `seqcoder eval --json` results.

    python benchmarks/eval_table.py benchmarks/results/eval_published.json benchmarks/results/eval_shipped.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def table(paths: list[str]) -> str:
    """The table of the ``seqcoder eval --json`` results ``paths`` (docs/autoencoder.md)."""
    runs = [json.loads(Path(p).read_text()) for p in paths]
    lines = ["| file | bases | model | latent | residual | ambiguous + params | total | bits/base "
             "| accuracy float / int8 latent | compress / decompress s | round trip |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|:-:|"]
    for name in [row["file"] for row in runs[0]["rows"]]:
        for run in runs:
            row = next(r for r in run["rows"] if r["file"] == name)
            short = name.split("_")[0] + (" " + name.split("_")[1] if "_" in name else "")
            model = f"{run['model']['name']}@{run['model']['version']}"
            lines.append(
                f"| {short} | {row['original_bytes']:,} | {model} | {row['latent_bytes']:,} "
                f"| {row['residual_bytes']:,} | {row['ambiguous_bytes'] + row['params_bytes']:,} "
                f"| {row['total_bytes']:,} | {row['bits_per_base']:.3f} "
                f"| {100 * row['accuracy_float_latent']:.1f}% / {100 * row['accuracy_int8_latent']:.1f}% "
                f"| {row['compress_s']:.1f} / {row['decompress_s']:.1f} | {'✓' if row['roundtrip_exact'] else '✗'} |")
    return "\n".join(lines)


def main(paths: list[str]) -> int:
    print(table(paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
