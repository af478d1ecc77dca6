"""Collection archives: many genomes in one file, each restored byte for byte under its name.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.fa").write_bytes(b">a\\nACGTACGTTTGACCA\\n")
>>> _ = (d / "b.fa").write_bytes(b">b\\nACGTACGTTTGACCA\\n")
>>> c = Collection.create(d / "set.sqcl", [d / "a.fa", d / "b.fa"])
>>> [m.name for m in c.members], c.read("b.fa")
(['a.fa', 'b.fa'], b'>b\\nACGTACGTTTGACCA\\n')
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..errors import FormatError, SeqcoderError
from ..io.atomic import write_atomically
from ..io.fasta import parse_fasta, select_record
from ..io.inputs import COMPRESSED_SUFFIXES, open_decompressed, uncompressed_name
from ..io.sniff import parse_input
from ..levels import DEFAULT_LEVEL, check_level
from .coder import (LEVELS, MAX_REFERENCE_BASES, EncodedMember, MatchParams, ReferenceText, decode_member,
                    encode_member, is_reference, member_literals)
from .format import (KIND_FASTA, CollectionHeader, CollectionIndex, MemberEntry, decode_member_block,
                     encode_member_block, encode_trailer, read_index)

#: members kept whole as references; every later member copies from them and from the pool of
#: every earlier member's literals (docs/collections.md: what the bound costs)
DEFAULT_MAX_REFS = 0
Progress = Callable[[int], None]


def member_name(path: str | os.PathLike) -> str:
    """A member's name: the file name without a compression suffix (``x.fna.gz`` -> ``x.fna``).

    >>> member_name("/data/GCF_1.fna.gz"), member_name("plasmid.fa")
    ('GCF_1.fna', 'plasmid.fa')
    """
    return uncompressed_name(Path(path).name)


def read_input(path: str | os.PathLike) -> bytes:
    """The uncompressed bytes of an input file (gzip/bzip2/xz/zstd read transparently)."""
    with open(path, "rb") as raw:
        stream, _ = open_decompressed(raw)
        try:
            return stream.read()
        except (OSError, EOFError, ValueError) as exc:
            raise SeqcoderError(f"{path}: cannot read ({exc})") from None


def _check_names(names: Sequence[str], taken: Iterable[str] = ()) -> None:
    seen = set(taken)
    for name in names:
        if name in seen:
            raise SeqcoderError(f"two members would be named {name!r}; rename one of the inputs")
        seen.add(name)


@dataclass(slots=True)
class PackReport:
    members: int
    bytes_in: int
    bytes_out: int
    bases: int


class Collection:
    """A collection archive on disk. Opening reads only the header and the member index."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            self.header, self._header_size = CollectionHeader.read(f, str(self.path))
            index, self._index_offset = read_index(f, str(self.path))
        self.members: list[MemberEntry] = index.members
        self._by_name = {m.name: i for i, m in enumerate(self.members)}
        self._check_blocks()

    def _check_blocks(self) -> None:
        pos = self._header_size
        for m in self.members:
            if m.offset < pos or m.offset + m.size > self._index_offset:
                raise FormatError(f"member {m.name!r}: block outside the archive's data", m.offset, str(self.path))
            pos = m.offset + m.size

    # ------------------------------------------------------------------ create / add

    @classmethod
    def create(cls, path: str | os.PathLike, inputs: Sequence[str | os.PathLike], *, level: int = DEFAULT_LEVEL,
               max_refs: int = DEFAULT_MAX_REFS, threads: int = 1, strict: bool = False,
               progress: Progress | None = None, force: bool = True) -> Collection:
        """Pack ``inputs`` (in this order) into a new archive at ``path``, written atomically."""
        check_level(level)
        names = [member_name(p) for p in inputs]
        _check_names(names)
        target = Path(path)
        if target.exists() and not force:
            raise SeqcoderError(f"{target} exists (use -f to overwrite)")
        header = CollectionHeader(level, max_refs, tuple(int(v) for v in LEVELS[level][1].array()))

        def write(sink: BinaryIO) -> None:
            head = header.to_bytes()
            sink.write(head)
            ref = ReferenceText(_params(header))
            ref.reserve(_estimated_bases(inputs))
            members = _write_members(sink, len(head), header, [], ref, list(zip(names, inputs)), threads,
                                     strict, progress)
            index = CollectionIndex(members).to_bytes()
            sink.write(index + encode_trailer(len(index)))

        write_atomically(target, write)
        return cls(target)

    def add(self, inputs: Sequence[str | os.PathLike], *, threads: int = 1, strict: bool = False,
            progress: Progress | None = None) -> None:
        """Append members without re-encoding the existing ones. The bytes already in the archive
        never change; if anything fails, the archive is cut back to exactly what it was."""
        names = [member_name(p) for p in inputs]
        _check_names(names, self._by_name)
        ref = self._references(len(self.members), _params(self.header))
        old_size = self.path.stat().st_size
        with open(self.path, "r+b") as f:
            try:
                f.seek(old_size)
                members = _write_members(f, old_size, self.header, self.members, ref,
                                         list(zip(names, inputs)), threads, strict, progress)
                index = CollectionIndex(self.members + members).to_bytes()
                f.write(index + encode_trailer(len(index)))
                f.flush()
                os.fsync(f.fileno())
            except BaseException:
                f.truncate(old_size)
                raise
        self.__init__(self.path)  # type: ignore[misc]

    # ------------------------------------------------------------------ read

    def _read_block(self, f: BinaryIO, entry: MemberEntry) -> list[bytes]:
        f.seek(entry.offset)
        return decode_member_block(f.read(entry.size), entry, str(self.path))

    def _references(self, upto: int, params: MatchParams | None) -> ReferenceText:
        """The reference text that member ``upto`` is coded against."""
        ref = ReferenceText(params)
        ref.reserve(self._text_bases(upto))
        with open(self.path, "rb") as f:
            for number in range(upto):
                entry = self.members[number]
                decode_member(entry, self._read_block(f, entry), number, ref, self.header.max_refs, render=False)
        return ref

    def section_sizes(self) -> list[list[int]]:
        """Bytes of each member's sections (crc-checked, not decoded)."""
        with open(self.path, "rb") as f:
            return [[len(s) for s in self._read_block(f, m)] for m in self.members]

    def _text_bases(self, upto: int) -> int:
        """Bases of the reference text that member ``upto`` is coded against."""
        return sum(m.bases if is_reference(i, self.header.max_refs) else m.literals
                   for i, m in enumerate(self.members[:upto]))

    def entry(self, name: str) -> MemberEntry:
        try:
            return self.members[self._by_name[name]]
        except KeyError:
            raise SeqcoderError(f"{self.path}: no member named {name!r}") from None

    def iter_members(self, names: Iterable[str] | None = None, threads: int = 1
                     ) -> Iterator[tuple[MemberEntry, bytes]]:
        """Decode the named members (all when None) in archive order, each verified against its
        SHA-256. Members before the last one asked for are decoded only as far as references need.
        With ``threads`` > 1, literal sections are decoded ahead on other threads (same output)."""
        wanted = set(range(len(self.members))) if names is None else {self._by_name.get(n, -1) for n in names}
        if names is not None:
            for n in names:
                self.entry(n)
        if not wanted:
            return
        last = max(wanted)
        ref = ReferenceText(None)
        ref.reserve(self._text_bases(last) + max(self.members[n].bases for n in wanted))
        pool = ThreadPoolExecutor(max_workers=threads - 1) if threads > 1 else None
        ahead: dict[int, tuple[list[bytes], Future[np.ndarray] | None]] = {}
        try:
            with open(self.path, "rb") as f:
                for number in range(last + 1):
                    # keep a few blocks read and their literals decoding ahead of the token replay
                    for later in range(number, min(last + 1, number + 2 * threads)):
                        if later not in ahead:
                            entry = self.members[later]
                            sections = self._read_block(f, entry)
                            job = (pool.submit(member_literals, entry, sections)
                                   if pool and entry.kind == KIND_FASTA else None)
                            ahead[later] = (sections, job)
                    sections, job = ahead.pop(number)
                    entry = self.members[number]
                    render = number in wanted
                    data = decode_member(entry, sections, number, ref, self.header.max_refs, render,
                                         job.result() if job else None)
                    if render:
                        assert data is not None
                        yield entry, data
        finally:
            if pool:
                pool.shutdown(wait=True, cancel_futures=True)

    def read(self, name: str, threads: int = 1) -> bytes:
        """The original bytes of member ``name``."""
        for _, data in self.iter_members([name], threads):
            return data
        raise AssertionError("unreachable")

    def read_record(self, name: str, record: str, threads: int = 1) -> bytes:
        """The bytes of one record of a member (its name, whole header or ``#N``: ``select_record``)."""
        data = self.read(name, threads)
        spans = parse_fasta(data).records
        span = spans[select_record([s.header for s in spans], record, name)]
        return data[span.start:span.end]

    def test(self, progress: Progress | None = None, threads: int = 1) -> int:
        """Decode every member and verify it; returns the number of members."""
        count = 0
        for entry, _ in self.iter_members(threads=threads):
            count += 1
            if progress:
                progress(entry.original_size)
        return count

    @property
    def archive_size(self) -> int:
        return self.path.stat().st_size


def _estimated_bases(inputs: Sequence[str | os.PathLike]) -> int:
    """About how many bases the inputs hold (compressed ones at 4x their size), so that the
    reference text is allocated once: room that is never written costs no memory."""
    total = 0
    for path in inputs:
        size = os.path.getsize(path)
        total += 4 * size if str(path).endswith(COMPRESSED_SUFFIXES) else size
    return min(total, MAX_REFERENCE_BASES // 2)


def _params(header: CollectionHeader) -> MatchParams:
    return MatchParams.from_tuple(header.params)


def _write_members(sink: BinaryIO, offset: int, header: CollectionHeader, existing: list[MemberEntry],
                   ref: ReferenceText, inputs: list[tuple[str, str | os.PathLike]], threads: int, strict: bool,
                   progress: Progress | None) -> list[MemberEntry]:
    """Read, code and write members one at a time (only the reference text stays in memory).

    With ``threads`` > 1 the next input is read and parsed while the current one is coded.
    """
    written: list[MemberEntry] = []
    pool = ThreadPoolExecutor(max_workers=1) if threads > 1 else None
    try:
        pending: Future[bytes] | None = pool.submit(read_input, inputs[0][1]) if pool and inputs else None
        for i, (name, path) in enumerate(inputs):
            if pending is not None:
                data = pending.result()
                pending = pool.submit(read_input, inputs[i + 1][1]) if pool and i + 1 < len(inputs) else None
            else:
                data = read_input(path)
            raw = parse_input(data, strict=strict, path=str(path)) is None
            number = len(existing) + len(written)
            member: EncodedMember = encode_member(name, data, number, ref, header.level, header.max_refs, raw)
            block = encode_member_block(member.sections)
            member.entry.offset = offset
            member.entry.size = len(block)
            sink.write(block)
            offset += len(block)
            written.append(member.entry)
            if progress:
                progress(len(data))
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
    return written
