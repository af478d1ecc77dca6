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

import contextlib
import os
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..errors import FastaError, FormatError, SeqcoderError
from ..io.atomic import as_write_error, fsync_directory, write_atomically
from ..io.lock import exclusive, held_by_another
from ..io.fasta import mostly_nucleotides, parse_fasta
from ..io.inputs import COMPRESSED_SUFFIXES, open_decompressed
from ..levels import DEFAULT_LEVEL, check_level
from .coder import (LEVELS, MAX_REFERENCE_BASES, EncodedMember, MatchParams, ReferenceText, decode_member,
                    encode_member, is_reference, member_literals)
from .format import (KIND_FASTA, CollectionHeader, CollectionIndex, MemberEntry, decode_member_block,
                     encode_member_block, encode_trailer)
from .recovery import State, cut_back, last_complete_state

#: members kept whole as references; every later member copies from them and from the pool of
#: every earlier member's literals (README, "Collections": what the bound costs)
DEFAULT_MAX_REFS = 0
Progress = Callable[[int], None]


class CollectionWarning(UserWarning):
    """Something the user should know that does not stop the work (e.g. a non-FASTA member)."""


def member_name(path: str | os.PathLike) -> str:
    """A member's name: the file name without a compression suffix (``x.fna.gz`` -> ``x.fna``).

    >>> member_name("/data/GCF_1.fna.gz"), member_name("plasmid.fa")
    ('GCF_1.fna', 'plasmid.fa')
    """
    name = Path(path).name
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def read_input(path: str | os.PathLike) -> bytes:
    """The uncompressed bytes of an input file (gzip/bzip2/xz/zstd read transparently)."""
    with open(path, "rb") as raw:
        stream, _ = open_decompressed(raw, str(path))
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
            state = self._load(f)
            if state.leftover and not held_by_another(f):  # a running add's bytes are no news
                warnings.warn(f"{self.path}: an add to this archive was interrupted; its {state.leftover} "
                              f"bytes after byte {state.end} are ignored and the archive is read as it was "
                              f"before it ({len(self.members)} members); `seqcoder repair` or the next add "
                              "removes them", CollectionWarning, stacklevel=2)

    def _load(self, f: BinaryIO) -> State:
        """Read the header and the last complete state (recovery.py) from the open archive."""
        self.header, self._header_size = CollectionHeader.read(f, str(self.path))
        state = last_complete_state(f, self._header_size, str(self.path))
        self.members: list[MemberEntry] = state.index.members
        self._by_name = {m.name: i for i, m in enumerate(self.members)}
        self._check_claims()
        return state

    def _check_claims(self) -> None:
        """The sizes the index claims fit what a member can hold and what a reader may allocate,
        so that a small damaged index fails here, before any of it is allocated."""
        text = 0
        for i, m in enumerate(self.members):
            fasta = m.kind == KIND_FASTA
            if m.literals > m.bases or (fasta and m.bases > m.original_size) or (not fasta and m.bases):
                raise FormatError(f"member {m.name!r}: its sizes in the index contradict each other",
                                  m.offset, str(self.path))
            if text + m.bases > MAX_REFERENCE_BASES - 16:
                raise FormatError(f"member {m.name!r}: the index claims more bases than an archive can hold",
                                  m.offset, str(self.path))
            text += m.bases if is_reference(i, self.header.max_refs) else m.literals

    # ------------------------------------------------------------------ create / add

    @classmethod
    def create(cls, path: str | os.PathLike, inputs: Sequence[str | os.PathLike], *, level: int = DEFAULT_LEVEL,
               max_refs: int = DEFAULT_MAX_REFS, threads: int = 1, strict: bool = False,
               progress: Progress | None = None, force: bool = True,
               on_wait: Callable[[str], None] | None = None) -> Collection:
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

        with contextlib.ExitStack() as hold:
            if target.is_file():  # an add still writing the old file must finish first
                held = hold.enter_context(open(target, "rb"))
                hold.enter_context(exclusive(held, target, on_wait=on_wait))
            write_atomically(target, write)
        return cls(target)

    def add(self, inputs: Sequence[str | os.PathLike], *, threads: int = 1, strict: bool = False,
            progress: Progress | None = None, wait: bool = True,
            on_wait: Callable[[str], None] | None = None) -> None:
        """Append members without re-encoding the existing ones. The bytes already in the archive
        never change; if anything fails, the archive is cut back to exactly what it was.

        Writers exclude each other (``io/lock.py``): while another process writes the archive,
        this one waits (``on_wait`` is told why), or with ``wait=False`` raises ``LockedError``.
        The archive is read again once the lock is held, so members another add appended in the
        meantime are kept; bytes an interrupted add left behind are removed first."""
        names = [member_name(p) for p in inputs]
        _check_names(names, self._by_name)
        try:
            with open(self.path, "r+b") as f, exclusive(f, self.path, wait=wait, on_wait=on_wait):
                cut_back(f, self._load(f))
                _check_names(names, self._by_name)
                ref = self._references(len(self.members), _params(self.header))
                old_size = f.seek(0, 2)
                try:
                    members = _write_members(f, old_size, self.header, self.members, ref,
                                             list(zip(names, inputs)), threads, strict, progress)
                    index = CollectionIndex(self.members + members).to_bytes()
                    f.write(index + encode_trailer(len(index)))
                    f.flush()
                    os.fsync(f.fileno())
                except BaseException:
                    f.truncate(old_size)
                    raise
            fsync_directory(self.path)
        except OSError as exc:
            raise as_write_error(exc, self.path, (str(self.path),)) from None
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
        except FormatError as exc:
            raise exc.naming(str(self.path)) from None
        finally:
            if pool:
                pool.shutdown(wait=True, cancel_futures=True)

    def read(self, name: str, threads: int = 1) -> bytes:
        """The original bytes of member ``name``."""
        for _, data in self.iter_members([name], threads):
            return data
        raise AssertionError("unreachable")

    def read_record(self, name: str, record: str, threads: int = 1) -> bytes:
        """The bytes of one record (by its id, the header's first word, or ``#N``) of a member."""
        data = self.read(name, threads)
        parsed = parse_fasta(data)
        spans = parsed.records
        if record.startswith("#") and record[1:].isdigit():
            k = int(record[1:])
            if not 1 <= k <= len(spans):
                raise SeqcoderError(f"{name}: no record #{k} (it has {len(spans)})")
            span = spans[k - 1]
        else:
            found = [s for s in spans if s.header is not None and s.header.split()[:1] == [record.encode()]]
            if not found:
                raise SeqcoderError(f"{name}: no record {record!r}")
            span = found[0]
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
            raw = not mostly_nucleotides(data)
            if raw:
                if strict:
                    line = parse_fasta(data).first_non_nucleotide_line
                    raise FastaError("not nucleotide FASTA", line, str(path))
                warnings.warn(f"{path}: not nucleotide data; stored with a general-purpose codec",
                              CollectionWarning, stacklevel=3)
            elif strict:
                line = parse_fasta(data).first_non_nucleotide_line
                if line is not None:
                    raise FastaError("not a nucleotide letter", line, str(path))
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
