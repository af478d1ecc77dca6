"""The pure, idempotent steps of a batch, as plain functions (no dask here): each one is a
Dask task in :mod:`.run`, and each can be called directly.

::

    GenomeInput --sketch_genome--> Sketch --+
    GenomeInput --sketch_genome--> Sketch --+--plan_jobs--> [PackJob] --pack_group (each)--> PackResult
    ...                                     |

``pack_group`` is safe to run twice, or to kill half way: the archive is written to a
temporary file and renamed once complete (:meth:`Collection.create`), then decoded and
verified; an archive already there with the right members is verified and reused.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from ..collection import Collection
from ..collection.archive import read_input
from ..errors import SeqcoderError
from ..io.fasta import parse_fasta
from ..models.zoo import sha256_file
from .group import DEFAULT_MAX_GROUP_BASES, DEFAULT_MIN_GROUP_BASES, DEFAULT_THRESHOLD, Group, plan_groups
from .inputs import BatchInputError, GenomeInput
from .sketch import DEFAULT_K, DEFAULT_MIN_HASHES, DEFAULT_SCALED, Sketch, sketch_codes

ARCHIVE_PREFIX = "group-"
ARCHIVE_SUFFIX = ".sqcl"


@dataclass(frozen=True, slots=True)
class PackJob:
    """What one pack task needs: the group and, per member, its input path and SHA-256."""

    group: Group
    paths: tuple[str, ...]
    sha256: tuple[bytes, ...]
    level: int

    @property
    def archive_name(self) -> str:
        """``group-NNNN-KKKKKKKK.sqcl``: the number orders the groups, the key (members, their
        order and the level) makes a changed group a new file, never an overwrite."""
        key = hashlib.sha256(f"level={self.level}\n".encode() + "\n".join(self.group.names).encode())
        return f"{ARCHIVE_PREFIX}{self.group.number:04d}-{key.hexdigest()[:8]}{ARCHIVE_SUFFIX}"


@dataclass(frozen=True, slots=True)
class MemberResult:
    name: str
    original_size: int
    bases: int
    sha256: bytes


@dataclass(frozen=True, slots=True)
class PackResult:
    archive: str
    group: Group
    members: tuple[MemberResult, ...]
    paths: tuple[str, ...]
    archive_bytes: int
    archive_sha256: bytes
    reused: bool
    seconds: float

    @property
    def original_bytes(self) -> int:
        return sum(m.original_size for m in self.members)


def sketch_genome(genome: GenomeInput, k: int = DEFAULT_K, scaled: int = DEFAULT_SCALED,
                  min_hashes: int = DEFAULT_MIN_HASHES) -> Sketch:
    """Read one input (compressed or not), hash it and sketch it."""
    data = read_input(genome.path)
    if not data:
        raise BatchInputError(f"{genome.path}: empty file")
    codes = parse_fasta(data).codes
    return sketch_codes(genome.name, codes, path=genome.path, original_size=len(data),
                        sha256=hashlib.sha256(data).digest(), k=k, scaled=scaled, min_hashes=min_hashes)


def plan_jobs(sketches: list[Sketch], level: int, threshold: float = DEFAULT_THRESHOLD,
              max_group_bases: int = DEFAULT_MAX_GROUP_BASES,
              min_group_bases: int = DEFAULT_MIN_GROUP_BASES) -> list[PackJob]:
    """Group the sketches (:func:`.group.plan_groups`) and say what each pack task needs."""
    by_name = {s.name: s for s in sketches}
    return [PackJob(g, tuple(by_name[n].path for n in g.names), tuple(by_name[n].sha256 for n in g.names), level)
            for g in plan_groups(sketches, threshold, max_group_bases, min_group_bases)]


def _matches(c: Collection, job: PackJob) -> bool:
    return (c.header.level == job.level and tuple(m.name for m in c.members) == job.group.names
            and tuple(m.sha256 for m in c.members) == job.sha256)


def _result(path: Path, job: PackJob, reused: bool, start: float) -> PackResult:
    c = Collection(path)
    members = tuple(MemberResult(m.name, m.original_size, m.bases, m.sha256) for m in c.members)
    return PackResult(path.name, job.group, members, job.paths, c.archive_size, sha256_file(path), reused,
                      time.perf_counter() - start)


def pack_group(outdir: str, job: PackJob, threads: int = 1) -> PackResult:
    """Write (or reuse) the group's archive in ``outdir`` and verify it by decoding every member."""
    start = time.perf_counter()
    path = Path(outdir) / job.archive_name
    if path.exists():
        try:
            c = Collection(path)
            if _matches(c, job):
                c.test()
                return _result(path, job, True, start)
        except (SeqcoderError, OSError, ValueError):
            pass  # damaged or foreign: written again below
    c = Collection.create(path, list(job.paths), level=job.level, threads=threads)
    if not _matches(c, job):
        path.unlink(missing_ok=True)
        raise SeqcoderError(f"{path}: an input changed while the batch ran "
                            f"(one of {', '.join(job.paths[:3])}{'...' if len(job.paths) > 3 else ''})")
    try:
        c.test()
    except SeqcoderError:
        path.unlink(missing_ok=True)
        raise
    return _result(path, job, False, start)
