"""Helpers of the reliability tests: small related genomes as FASTA files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def relatives(directory: Path, count: int, length: int = 20_000, seed: int = 3, prefix: str = "g") -> list[Path]:
    """``count`` FASTA files: one random genome and copies of it with a few hundred SNPs."""
    rng = np.random.default_rng(seed)
    root = rng.integers(0, 4, size=length).astype(np.uint8)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        codes = root.copy()
        snps = rng.choice(length, size=length // 100, replace=False)
        codes[snps] = (codes[snps] + 1) % 4
        text = BASES[codes].tobytes()
        path = directory / f"{prefix}{i}.fa"
        path.write_bytes(b">%s%d\n" % (prefix.encode(), i) + b"\n".join(text[j:j + 80] for j in range(0, length, 80))
                         + b"\n")
        paths.append(path)
    return paths
