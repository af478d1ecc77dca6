"""Reading a batch directory without dask: get genomes, list the catalog, check it against
the archives."""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any

from ..collection import Collection
from ..reports import SCHEMA_VERSION
from .catalog import CATALOG_NAME, Catalog, GenomeRow
from .tasks import ARCHIVE_PREFIX, ARCHIVE_SUFFIX


def iter_genomes(directory: str | os.PathLike, names: Iterable[str]) -> Iterator[tuple[GenomeRow, bytes]]:
    """The original bytes of each named genome (archive by archive, each archive opened once),
    verified against the archive's SHA-256 and the catalog's. Every name is looked up before
    anything is decoded.

    >>> # for row, data in iter_genomes("out", ["GCF_000026905.1_ASM2690v1_genomic.fna"]): ...
    """
    with Catalog(directory) as catalog:
        rows = catalog.find(dict.fromkeys(names))
        by_archive: dict[str, list[GenomeRow]] = defaultdict(list)
        for row in rows:
            by_archive[row.archive].append(row)
        for archive, wanted in sorted(by_archive.items()):
            members = {r.member: r for r in wanted}
            for entry, data in Collection(catalog.archive_path(wanted[0])).iter_members(list(members)):
                row = members[entry.name]
                if entry.sha256.hex() != row.sha256:
                    raise ValueError(f"{archive}: member {entry.name!r} does not match the catalog's SHA-256")
                yield row, data


def read_genome(directory: str | os.PathLike, name: str) -> bytes:
    """The original bytes of one genome of a batch directory."""
    for _, data in iter_genomes(directory, [name]):
        return data
    raise AssertionError("unreachable")


def check_directory(directory: str | os.PathLike, decode: bool = True) -> list[str]:
    """Problems found between the catalog and the archives (empty: they agree). Checks that
    every archive the catalog names exists with its SHA-256 and holds exactly the catalog's
    members, in order, with their SHA-256; that no other archive or temporary file is left;
    and with ``decode``, that every member decodes to its SHA-256."""
    problems: list[str] = []
    d = Path(directory)
    with Catalog(d) as catalog:
        genomes = catalog.genomes()
        named = set()
        for group in catalog.groups():
            path = catalog.archive_path(group)
            named.add(group.archive)
            if not path.is_file():
                problems.append(f"{group.archive}: missing")
                continue
            if hashlib.sha256(path.read_bytes()).hexdigest() != group.archive_sha256:
                problems.append(f"{group.archive}: SHA-256 differs from the catalog's")
            c = Collection(path)
            expect = [(g.member, g.sha256) for g in genomes if g.group_id == group.group_id]
            found = [(m.name, m.sha256.hex()) for m in c.members]
            if expect != found:
                problems.append(f"{group.archive}: members differ from the catalog's")
            elif decode:
                c.test()
    for path in d.iterdir():
        if path.name.startswith(ARCHIVE_PREFIX) and path.name.endswith(ARCHIVE_SUFFIX) and path.name not in named:
            problems.append(f"{path.name}: an archive the catalog does not name")
        elif path.name.endswith(".tmp") and path.name.startswith((f".{ARCHIVE_PREFIX}", f".{CATALOG_NAME}")):
            problems.append(f"{path.name}: a temporary file left behind")
    return problems


def list_directory(directory: str | os.PathLike) -> dict[str, Any]:
    """The report of ``seqcoder list OUTDIR``: every group and genome of the catalog (no decoding)."""
    with Catalog(directory) as catalog:
        groups, genomes, meta = catalog.groups(), catalog.genomes(), catalog.meta
    return {"schema_version": SCHEMA_VERSION, "directory": str(directory), "kind": "batch",
            "catalog_schema_version": int(meta["schema_version"]), "genomes": len(genomes), "groups": len(groups),
            "original_bytes": sum(g.original_bytes for g in groups),
            "archive_bytes": sum(g.archive_bytes for g in groups),
            "group_list": [{"group": g.group_id, "archive": g.archive, "members": g.members, "bases": g.bases,
                            "original_bytes": g.original_bytes, "archive_bytes": g.archive_bytes} for g in groups],
            "genome_list": [{"name": r.name, "group": r.group_id, "archive": r.archive, "position": r.position,
                             "cluster": r.cluster, "original_bytes": r.original_size, "bases": r.bases,
                             "sha256": r.sha256} for r in genomes]}
