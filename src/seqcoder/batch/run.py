"""Run a batch on Dask: sketch every genome, plan the groups, pack every group, write the catalog.

::

    client.submit(sketch_genome) x genomes --> client.submit(plan_jobs, sketches) -->
    client.submit(pack_group) x groups --> (here) write_catalog --> remove archives of old plans

The ``Client`` is the one door to any cluster: a ``LocalCluster`` of ``workers`` processes on
127.0.0.1, or a running scheduler (``dask scheduler``, dask-jobqueue on SLURM, ...). Workers
must see the inputs and the output directory under the same paths (a shared file system).
A task lost with its worker is run again by the scheduler; since every task is pure or
idempotent, that costs only the time of the task. Nothing here depends on the number of
workers or on the order in which tasks finish: the archives are the same bytes either way.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .. import __version__
from ..errors import SeqcoderError
from ..levels import DEFAULT_LEVEL, check_level
from ..reports import SCHEMA_VERSION
from .catalog import CATALOG_NAME, GenomeRow, GroupRow, write_catalog
from .group import DEFAULT_MAX_GROUP_BASES, DEFAULT_MIN_GROUP_BASES, DEFAULT_THRESHOLD
from .inputs import find_genomes
from .sketch import DEFAULT_K, DEFAULT_MIN_HASHES, DEFAULT_SCALED
from .tasks import ARCHIVE_PREFIX, ARCHIVE_SUFFIX, PackResult, pack_group, plan_jobs, sketch_genome

Log = Callable[[str], None]

#: most threads one pack task uses (its inputs read and parsed ahead; more gives nothing)
PACK_THREADS = 4


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What a batch did; ``bytes_out`` counts the archives (the catalog is extra, see ``catalog_bytes``)."""

    genomes: int
    groups: int
    reused: int  #: groups whose archive was already there, verified and kept
    bytes_in: int
    bytes_out: int
    catalog_bytes: int
    seconds: float
    sketch_seconds: float
    pack_seconds: float
    workers: int
    archives: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.bytes_in / self.bytes_out if self.bytes_out else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report of ``seqcoder batch --json``."""
        return {"schema_version": SCHEMA_VERSION, "genomes": self.genomes, "groups": self.groups,
                "reused": self.reused, "bytes_in": self.bytes_in, "bytes_out": self.bytes_out,
                "catalog_bytes": self.catalog_bytes, "ratio": round(self.ratio, 4), "seconds": round(self.seconds, 3),
                "sketch_seconds": round(self.sketch_seconds, 3), "pack_seconds": round(self.pack_seconds, 3),
                "workers": self.workers, "archives": list(self.archives)}

    def summary(self) -> str:
        return (f"{self.genomes} genomes in {self.groups} groups ({self.reused} reused), "
                f"{self.bytes_in:,} -> {self.bytes_out:,} bytes, ratio {self.ratio:.2f}, "
                f"{self.seconds:.1f} s on {self.workers} workers "
                f"(sketch {self.sketch_seconds:.1f} s, pack {self.pack_seconds:.1f} s)")


@contextlib.contextmanager
def open_client(workers: int | None = None, scheduler: str | None = None) -> Iterator:
    """A ``distributed.Client``: connected to ``scheduler``, or to a new LocalCluster of
    ``workers`` single-threaded processes on 127.0.0.1 (closed on exit)."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="60s") as client:
            yield client
        return
    # a free port on 127.0.0.1 for the scheduler's HTTP server (and dashboard, with bokeh)
    with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address="127.0.0.1:0", memory_limit=0,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def _bar(total: int, desc: str, show: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="task", leave=False, disable=not show)


def _wait(futures: list, desc: str, show: bool) -> list:
    """Results in submission order; the first failure cancels the rest and is raised."""
    from distributed import as_completed

    with _bar(len(futures), desc, show) as bar:
        for future in as_completed(futures):
            if future.status == "error":
                error = future.exception()
                for other in futures:
                    other.cancel()
                raise error
            bar.update(1)
    return [f.result() for f in futures]


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One run per output directory at a time (a second would delete the first's temporaries)."""
    import fcntl

    with open(out / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SeqcoderError(f"{out}: another seqcoder batch is writing here") from None
        yield


def _clean_temporaries(outdir: Path) -> int:
    """Remove temporary files left by killed writers (never complete archives)."""
    removed = 0
    for pattern in (f".{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}.*.tmp", f".{CATALOG_NAME}.*.tmp"):
        for path in outdir.glob(pattern):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def run_batch(inputs: Sequence[str | os.PathLike], outdir: str | os.PathLike, *, client=None,
              workers: int | None = None, scheduler: str | None = None, level: int = DEFAULT_LEVEL,
              max_group_bases: int = DEFAULT_MAX_GROUP_BASES, min_group_bases: int = DEFAULT_MIN_GROUP_BASES,
              threshold: float = DEFAULT_THRESHOLD, progress: bool = False, log: Log | None = None) -> BatchReport:
    """Pack ``inputs`` (files and directories) into groups of similar genomes under ``outdir``.

    ``client``: an existing ``distributed.Client`` (else one is made from ``workers`` or
    ``scheduler``). Input errors are raised before any task runs; a rerun reuses every archive
    that is complete and verified. Example (the tests run it on small genomes)::

        report = run_batch(["genomes/"], "out", workers=2)
        print(report.summary())
    """
    check_level(level)
    if max_group_bases < 1 or min_group_bases < 0:
        raise ValueError(f"group bounds must be positive, got {max_group_bases} and {min_group_bases}")
    start = time.perf_counter()
    out = Path(outdir)
    genomes = find_genomes(inputs, exclude=[out])
    out.mkdir(parents=True, exist_ok=True)
    say = log or (lambda _m: None)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_exclusive(out))
        _clean_temporaries(out)
        if client is None:
            client = stack.enter_context(open_client(workers, scheduler))
        link = getattr(client, "dashboard_link", None)
        if link and (scheduler or importlib.util.find_spec("bokeh")):
            say(f"dashboard: {link}")
        n_workers = len(client.scheduler_info().get("workers", {}))
        say(f"{len(genomes)} genomes on {n_workers} workers")

        run = uuid.uuid4().hex[:8]  # keys of this run only: a shared cluster may hold another run's
        sketches = [client.submit(sketch_genome, g, DEFAULT_K, DEFAULT_SCALED, DEFAULT_MIN_HASHES,
                                  key=f"sketch-{run}-{i:07d}") for i, g in enumerate(genomes)]
        _wait(sketches, "sketch", progress)
        sketch_done = time.perf_counter()
        plan = client.submit(plan_jobs, sketches, level, threshold, max_group_bases, min_group_bases,
                             key=f"plan-{run}")
        jobs = plan.result()
        del sketches, plan
        say(f"{len(jobs)} groups")
        # largest first, so a big group does not start last and leave the other workers idle
        # a pack reads, parses and sketches its inputs on other threads (the same bytes): the
        # largest group uses the cores of the workers that finish the small ones
        threads = min(PACK_THREADS, max(1, sum(client.nthreads().values())))
        packs = [client.submit(pack_group, str(out.resolve()), job, threads, priority=job.group.bases, pure=False,
                               key=f"pack-{run}-{job.archive_name}")
                 for job in jobs]
        results: list[PackResult] = _wait(packs, "pack", progress)
        pack_done = time.perf_counter()
        catalog = _write_catalog(out, results, level, threshold, max_group_bases, min_group_bases)
        keep = {r.archive for r in results}
        for old in out.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"):
            if old.name not in keep:  # an earlier plan's archive: the new catalog no longer names it
                old.unlink()
        _clean_temporaries(out)
    return BatchReport(len(genomes), len(results), sum(r.reused for r in results),
                       sum(r.original_bytes for r in results), sum(r.archive_bytes for r in results),
                       catalog.stat().st_size, time.perf_counter() - start, sketch_done - start,
                       pack_done - sketch_done, n_workers, tuple(r.archive for r in results))


def _write_catalog(out: Path, results: list[PackResult], level: int, threshold: float,
                   max_group_bases: int, min_group_bases: int) -> Path:
    groups, genomes = [], []
    for r in results:
        g = r.group
        groups.append(GroupRow(g.number, r.archive, len(r.members), g.bases, r.original_bytes, r.archive_bytes,
                               r.archive_sha256.hex()))
        for position, (m, cluster, source) in enumerate(zip(r.members, g.clusters, r.paths)):
            genomes.append(GenomeRow(m.name, g.number, r.archive, m.name, position, cluster, m.original_size,
                                     m.bases, m.sha256.hex(), source))
    meta = {"seqcoder_version": __version__, "level": str(level), "k": str(DEFAULT_K),
            "scaled": str(DEFAULT_SCALED), "min_hashes": str(DEFAULT_MIN_HASHES), "threshold": repr(threshold),
            "max_group_bases": str(max_group_bases), "min_group_bases": str(min_group_bases),
            "genomes": str(len(genomes)), "groups": str(len(groups))}
    return write_catalog(out, meta, groups, genomes)
