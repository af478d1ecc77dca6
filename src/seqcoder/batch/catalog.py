"""The catalog of a batch output directory: one SQLite file, ``catalog.sqlite``, that says in
which archive every genome is. Schema in FORMAT.md ("Batch catalog"); no dask needed to read it.

The catalog is written last, to a temporary file renamed over the old one, and only after
every archive it names has been decoded and verified: whoever opens it sees either the old
complete catalog or the new complete one.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable
from typing import TypeVar

from ..io.atomic import as_write_error, default_mode, fsync_directory
from ..errors import SeqcoderError, WriteError

T = TypeVar("T")
CATALOG_NAME = "catalog.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE groups (
    group_id INTEGER PRIMARY KEY,
    archive TEXT NOT NULL UNIQUE,
    members INTEGER NOT NULL,
    bases INTEGER NOT NULL,
    original_bytes INTEGER NOT NULL,
    archive_bytes INTEGER NOT NULL,
    archive_sha256 TEXT NOT NULL
);
CREATE TABLE genomes (
    name TEXT PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups(group_id),
    member TEXT NOT NULL,
    position INTEGER NOT NULL,
    cluster INTEGER NOT NULL,
    original_size INTEGER NOT NULL,
    bases INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX genomes_by_group ON genomes(group_id, position);
"""


class CatalogError(SeqcoderError):
    """A batch directory without a readable catalog, or a genome it does not know."""


@dataclass(frozen=True, slots=True)
class GroupRow:
    group_id: int
    archive: str  #: file name inside the batch directory
    members: int
    bases: int
    original_bytes: int
    archive_bytes: int
    archive_sha256: str


@dataclass(frozen=True, slots=True)
class GenomeRow:
    name: str
    group_id: int
    archive: str
    member: str  #: the member's name inside the archive
    position: int  #: 0-based place in the archive
    cluster: int  #: similarity cluster (a large cluster spans several groups)
    original_size: int
    bases: int
    sha256: str  #: hex, of the uncompressed input
    source: str  #: the input path it was packed from


def write_catalog(directory: str | os.PathLike, meta: dict[str, str], groups: Iterable[GroupRow],
                  genomes: Iterable[GenomeRow]) -> Path:
    """Write ``directory/catalog.sqlite`` atomically (temporary file, then rename)."""
    target = Path(directory) / CATALOG_NAME
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{CATALOG_NAME}.", suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        try:
            db.executescript(_SCHEMA)
            db.executemany("INSERT INTO meta VALUES (?, ?)",
                           sorted({**meta, "schema_version": str(SCHEMA_VERSION)}.items()))
            db.executemany("INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [(g.group_id, g.archive, g.members, g.bases, g.original_bytes, g.archive_bytes,
                             g.archive_sha256) for g in groups])
            db.executemany("INSERT INTO genomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(r.name, r.group_id, r.member, r.position, r.cluster, r.original_size, r.bases,
                             r.sha256, r.source) for r in genomes])
            db.commit()
        finally:
            db.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, default_mode())  # mkstemp makes it private; archives follow the umask too
        os.replace(tmp, target)
        fsync_directory(target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, sqlite3.OperationalError):  # "database or disk is full", and its kin
            raise WriteError(f"{target}: cannot write ({exc}); nothing was changed") from None
        if isinstance(exc, OSError):
            raise as_write_error(exc, target, (tmp,)) from None
        raise
    return target


class Catalog:
    """A batch directory's catalog, opened read-only.

    >>> Catalog("/nonexistent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    seqcoder.batch.catalog.CatalogError: /nonexistent: no catalog.sqlite (not a seqcoder batch directory, ...)
    """

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        path = self.directory / CATALOG_NAME
        if not path.is_file():
            raise CatalogError(f"{directory}: no {CATALOG_NAME} (not a seqcoder batch directory, "
                               "or its run has not finished)")
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            self.meta = dict(self._db.execute("SELECT key, value FROM meta"))
        except (sqlite3.Error, ValueError) as exc:
            self._db.close()
            raise CatalogError(f"{path}: not a batch catalog ({exc})") from None
        if self.meta.get("schema_version") != str(SCHEMA_VERSION):
            raise CatalogError(f"{path}: catalog schema version {self.meta.get('schema_version')!r}, "
                               f"this seqcoder reads {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    _GENOME = ("SELECT g.name, g.group_id, p.archive, g.member, g.position, g.cluster, g.original_size, g.bases, "
               "g.sha256, g.source FROM genomes g JOIN groups p USING (group_id)")

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        """The rows of a query; a damaged database or a table of another shape is a CatalogError."""
        try:
            rows = self._db.execute(sql, args).fetchall()
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise CatalogError(f"{self.directory / CATALOG_NAME}: damaged catalog ({exc})") from None
        return rows

    def _typed(self, kind: type[T], rows: list[tuple]) -> list[T]:
        fields = kind.__annotations__
        for row in rows:
            if len(row) != len(fields) or any(
                    not isinstance(v, int if t == "int" else str) for v, t in zip(row, fields.values())):
                raise CatalogError(f"{self.directory / CATALOG_NAME}: damaged catalog (a {kind.__name__} "
                                   "of the wrong shape)")
        return [kind(*row) for row in rows]

    def genomes(self) -> list[GenomeRow]:
        """Every genome, in archive order."""
        return self._typed(GenomeRow, self._rows(self._GENOME + " ORDER BY g.group_id, g.position"))

    def groups(self) -> list[GroupRow]:
        return self._typed(GroupRow, self._rows("SELECT * FROM groups ORDER BY group_id"))

    def find(self, names: Iterable[str]) -> list[GenomeRow]:
        """The rows of ``names`` (in the order given); an unknown name is an error."""
        rows = []
        for name in names:
            found = self._typed(GenomeRow, self._rows(self._GENOME + " WHERE g.name = ?", (name,)))
            if not found:
                raise CatalogError(f"{self.directory}: no genome named {name!r} in the catalog")
            rows.append(found[0])
        return rows

    def archive_path(self, row: GenomeRow | GroupRow) -> Path:
        return self.directory / row.archive
