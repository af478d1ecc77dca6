"""Helpers of the batch tests: small synthetic genome families, and a real ``dask scheduler``
with ``dask worker`` processes on 127.0.0.1."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zstandard

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
#: a worker preload that slows every pack down (see the file)
SLOW_PACK = str(Path(__file__).with_name("slow_pack.py"))


def mutate(rng: np.random.Generator, seq: np.ndarray, rate: int = 200) -> np.ndarray:
    """A relative: SNPs every ~rate bases, one small deletion and one new 300-base gene."""
    s = seq.copy()
    snps = rng.choice(len(s), size=len(s) // rate, replace=False)
    s[snps] = (s[snps] + rng.integers(1, 4, size=snps.size)) % 4
    cut = int(rng.integers(100, len(s) - 100))
    return np.concatenate([s[:cut], rng.integers(0, 4, 300).astype(np.uint8), s[cut + 7:]])


def fasta(name: str, codes: np.ndarray, width: int = 60) -> bytes:
    text = BASES[codes].tobytes()
    return b"\n".join([b">" + name.encode()] + [text[i:i + width] for i in range(0, len(text), width)]) + b"\n"


COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress,
            ".zst": lambda d: zstandard.ZstdCompressor().compress(d), "": lambda d: d}


def write_family(directory: Path, family: str, members: int, length: int, seed: int,
                 suffixes: tuple[str, ...] = ("",)) -> dict[str, bytes]:
    """``members`` relatives of one random ancestor as FASTA files; returns name -> bytes."""
    rng = np.random.default_rng(seed)
    ancestor = rng.integers(0, 4, length).astype(np.uint8)
    directory.mkdir(parents=True, exist_ok=True)
    made = {}
    for i in range(members):
        name = f"{family}_{i:02d}.fna"
        data = fasta(f"{family}_{i}", mutate(rng, ancestor))
        (directory / (name + suffixes[i % len(suffixes)])).write_bytes(COMPRESS[suffixes[i % len(suffixes)]](data))
        made[name] = data
    return made


@dataclass
class RealCluster:
    """``dask scheduler`` and ``dask worker`` processes, as a user starts them by hand."""

    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for p in self.workers + [self.scheduler]:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.workers + [self.scheduler]:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def start_real_cluster(tmp: Path, workers: int, preload: list[str] = ()) -> RealCluster:
    """A scheduler on a free port of 127.0.0.1 (port 0, read back from its scheduler file) and
    ``workers`` worker processes without nannies, so killing one really loses it; each worker
    first runs the ``preload`` modules (paths)."""
    dask = [sys.executable, "-m", "dask"]
    sched_file = tmp / "scheduler.json"
    run_env = dict(os.environ)
    scheduler = subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                         "--scheduler-file", str(sched_file)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=run_env)
    deadline = time.monotonic() + 120
    while not sched_file.exists():
        if time.monotonic() > deadline or scheduler.poll() is not None:
            scheduler.kill()
            raise RuntimeError("dask scheduler did not start")
        time.sleep(0.2)
    cluster = RealCluster(json.loads(sched_file.read_text())["address"], scheduler)
    for i in range(workers):
        cluster.workers.append(subprocess.Popen(
            dask + ["worker", cluster.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                    "--host", "127.0.0.1", "--name", f"w{i}", *(a for p in preload for a in ("--preload", p))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=run_env))
    return cluster


def wait_for_workers(address: str, n: int):
    from distributed import Client

    c = Client(address, timeout="60s")
    c.wait_for_workers(n, timeout=180)
    return c
