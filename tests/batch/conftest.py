"""Fixtures of the batch tests: small synthetic genome families made here and a LocalCluster
on 127.0.0.1 shared by the module (helpers in batch_helpers.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from batch_helpers import write_family


@pytest.fixture(scope="module")
def genomes(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """Three families (two bacteria-like, one phage-like) in every compression, plus files that
    are not FASTA and must be ignored."""
    root = tmp_path_factory.mktemp("inputs")
    made = {}
    made |= write_family(root / "alpha", "alpha", 6, 60_000, 1, (".gz", "", ".bz2"))
    made |= write_family(root / "beta", "beta", 5, 50_000, 2, (".xz", ".zst"))
    made |= write_family(root / "phage" / "deep", "phage", 4, 8_000, 3)
    (root / "alpha" / "MANIFEST.tsv").write_text("name\tsize\n")
    (root / "beta" / "SHA256SUMS").write_text("0" * 64 + "  x\n")
    return root, made


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of two single-threaded worker processes on 127.0.0.1."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as c:
        yield c
