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
import tempfile
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..errors import FormatError, SeqcoderError, SeqcoderWarning
from ..io.atomic import as_write_error, fsync_directory, write_atomically
from ..io.fasta import ParsedFasta, RecordSpan, parse_fasta, record_id, select_record
from ..io.inputs import COMPRESSED_SUFFIXES, open_decompressed, uncompressed_name
from ..io.lock import exclusive, held_by_another
from ..io.sniff import parse_input
from ..levels import DEFAULT_LEVEL, check_level
from .coder import (LEVELS, MAX_REFERENCE_BASES, EncodedMember, MatchedMember, MatchParams, ReferenceText,
                    decode_chunk, decode_member, encode_member, encode_raw, finish_member, is_reference,
                    literal_payloads, match_chained, member_literals, record_table)
from .format import (KIND_FASTA, MAX_DEPTH, VERSION, CollectionHeader, CollectionIndex, MemberEntry,
                     decode_member_block, encode_member_block, encode_trailer)
from .recovery import State, cut_back, last_complete_state
from .references import ParentChooser

#: the longest chain of first parents a member may have: a ``get`` decodes that chain, the roots
#: the members of the chain took as further parents (at most ``references.MAX_CLOSURE`` members
#: in all) and the pooled literals they copy (docs/collections.md: what the bound costs)
DEFAULT_MAX_DEPTH = 8
Progress = Callable[[int], None]
_EMPTY = np.zeros(0, dtype=np.uint8)


def member_name(path: str | os.PathLike) -> str:
    """A member's name: the file name without a compression suffix (``x.fna.gz`` -> ``x.fna``).

    >>> member_name("/data/GCF_1.fna.gz"), member_name("plasmid.fa")
    ('GCF_1.fna', 'plasmid.fa')
    """
    return uncompressed_name(Path(path).name)


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
                              "removes them", SeqcoderWarning, stacklevel=2)

    def _load(self, f: BinaryIO) -> State:
        """Read the header and the last complete state (recovery.py) from the open archive."""
        self.header, self._header_size = CollectionHeader.read(f, str(self.path))
        state = last_complete_state(f, self._header_size, str(self.path), self.header.version)
        self.members: list[MemberEntry] = state.index.members
        self._by_name = {m.name: i for i, m in enumerate(self.members)}
        self._check_claims()
        #: where each member's literals begin in the pool (from version 2), and where it ends
        self._pool_starts = np.zeros(len(self.members) + 1, dtype=np.int64)
        np.cumsum([m.literals for m in self.members], out=self._pool_starts[1:])
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
            if self.header.version == 1 and text + m.bases > MAX_REFERENCE_BASES - 16:
                raise FormatError(f"member {m.name!r}: the index claims more bases than an archive can hold",
                                  m.offset, str(self.path))
            text += m.bases if is_reference(i, self.header.max_refs) else m.literals

    # ------------------------------------------------------------------ create / add

    @classmethod
    def create(cls, path: str | os.PathLike, inputs: Sequence[str | os.PathLike], *, level: int = DEFAULT_LEVEL,
               max_depth: int = DEFAULT_MAX_DEPTH, threads: int = 1, strict: bool = False,
               progress: Progress | None = None, force: bool = True,
               on_wait: Callable[[str], None] | None = None) -> Collection:
        """Pack ``inputs`` (in this order) into a new archive at ``path``, written atomically.
        ``max_depth``: the longest chain of first parents a member may have (0: no parents,
        every member is coded against the pool alone)."""
        check_level(level)
        if not 0 <= max_depth <= MAX_DEPTH:
            raise SeqcoderError(f"max depth must be 0..{MAX_DEPTH}, got {max_depth}")
        names = [member_name(p) for p in inputs]
        _check_names(names)
        target = Path(path)
        if target.exists() and not force:
            raise SeqcoderError(f"{target} exists (use -f to overwrite)")
        header = CollectionHeader(level, max_depth, tuple(int(v) for v in LEVELS[level][1].array()), VERSION)

        def write(sink: BinaryIO) -> None:
            head = header.to_bytes()
            sink.write(head)
            with _Encoder(header) as enc:
                members = enc.write(sink, len(head), [], list(zip(names, inputs)), threads, strict, progress)
            index = CollectionIndex(members, header.version).to_bytes()
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
            with contextlib.ExitStack() as stack:
                f = stack.enter_context(open(self.path, "r+b"))
                stack.enter_context(exclusive(f, self.path, wait=wait, on_wait=on_wait))
                cut_back(f, self._load(f))
                _check_names(names, self._by_name)
                if self.header.version == 1:
                    ref = self._references(len(self.members), _params(self.header))
                    enc: _Encoder | _EncoderV1 = _EncoderV1(self.header, ref)
                else:
                    enc = stack.enter_context(_Encoder(self.header))
                    enc.resume(self)
                old_size = f.seek(0, 2)
                try:
                    members = enc.write(f, old_size, self.members, list(zip(names, inputs)), threads, strict,
                                        progress)
                    index = CollectionIndex(self.members + members, self.header.version).to_bytes()
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
        """The reference text that member ``upto`` of a version-1 archive is coded against."""
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
        """Bases of the reference text that member ``upto`` of a version-1 archive is coded against."""
        return sum(m.bases if is_reference(i, self.header.max_refs) else m.literals
                   for i, m in enumerate(self.members[:upto]))

    @property
    def names(self) -> set[str]:
        return set(self._by_name)

    def entry(self, name: str) -> MemberEntry:
        try:
            return self.members[self._by_name[name]]
        except KeyError:
            raise SeqcoderError(f"{self.path}: no member named {name!r}") from None

    def closure(self, number: int) -> list[int]:
        """Member ``number``, its parents, their parents ...: what decoding it decodes, in
        archive order (from version 2; version 1: every member up to it)."""
        if self.header.version == 1:
            return list(range(number + 1))
        seen, todo = {number}, [number]
        while todo:
            for p in self.members[todo.pop()].parents:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return sorted(seen)

    def decoding_cost(self, name: str) -> tuple[int, int]:
        """What getting member ``name`` decodes: (members whose tokens are replayed, literal
        bases decoded). Bounded by the archive's ``max_depth`` (from version 2), whatever its size."""
        number = self._by_name[self.entry(name).name]
        if self.header.version == 1:
            return number + 1, int(self._pool_starts[number + 1])
        closure = self.closure(number)
        version = self.header.version
        return len(closure), sum(b - a for j, ks in self._chunks_read(closure).items()
                                 for a, b in (self.members[j].chunks(version)[k] for k in ks))

    def iter_members(self, names: Iterable[str] | None = None, threads: int = 1
                     ) -> Iterator[tuple[MemberEntry, bytes]]:
        """Decode the named members (all when None) in archive order, each verified against its
        SHA-256. In a version-2 or 3 archive a named member decodes only its closure of parents and the
        pooled literals they copy; all members decode in one pass. With ``threads`` > 1,
        literal sections are decoded on other threads (same output)."""
        try:
            yield from self._iter_members(names, threads)
        except FormatError as exc:
            raise exc.naming(str(self.path)) from None

    def _iter_members(self, names: Iterable[str] | None, threads: int) -> Iterator[tuple[MemberEntry, bytes]]:
        if names is not None:
            numbers = sorted({self._by_name[self.entry(n).name] for n in names})
        if self.header.version == 1:
            wanted = set(range(len(self.members))) if names is None else set(numbers)
            yield from self._iter_v1(wanted, threads)
        elif names is None:
            yield from self._iter_all(threads)
        else:
            for number in numbers:
                yield self.members[number], self._decode_one(number, threads)

    def _iter_v1(self, wanted: set[int], threads: int) -> Iterator[tuple[MemberEntry, bytes]]:
        if not wanted:
            return
        last = max(wanted)
        ref = ReferenceText(None)
        ref.reserve(self._text_bases(last) + max(self.members[n].bases for n in wanted))
        with _Ahead(self, threads) as ahead, open(self.path, "rb") as f:
            for number in range(last + 1):
                sections, literals = ahead.get(f, number, last)
                render = number in wanted
                data = decode_member(self.members[number], sections, number, ref, self.header.max_refs, render,
                                     literals)
                if render:
                    assert data is not None
                    yield self.members[number], data

    def _iter_all(self, threads: int) -> Iterator[tuple[MemberEntry, bytes]]:
        """Every member of a version-2 or 3 archive in one pass: the pool fills as it goes, and the
        codes of members that later members need as parents wait in a scratch file."""
        children = np.zeros(len(self.members) + 1, dtype=np.int64)
        for m in self.members:
            children[list(m.parents)] += 1
        ref = ReferenceText(None)
        ref.reserve(int(self._pool_starts[-1]) + 2 * max((m.bases for m in self.members), default=0))
        last = len(self.members) - 1
        with _Ahead(self, threads) as ahead, _CodeStore() as store, open(self.path, "rb") as f:
            for number, entry in enumerate(self.members):
                sections, literals = ahead.get(f, number, last)
                codes = None
                if entry.kind == KIND_FASTA:
                    assert literals is not None
                    parents = _in_text_order(store.get(p) for p in entry.parents)
                    codes = ref.decode(entry.bases, sections[1], literals, False, f"member {entry.name!r}", parents)
                    if children[number]:
                        store.put(number, codes)
                yield entry, finish_member(entry, sections, codes, self.header.version)

    def _chunks_read(self, closure: list[int]) -> dict[int, list[int]]:
        """Member -> the chunks of its literals that decoding ``closure`` reads: all of a closure
        member's, and of the pool only those its copies read."""
        version = self.header.version
        wanted: dict[int, set[int]] = {c: set(range(len(self.members[c].chunks(version)))) for c in closure}
        for c in closure:
            for j, ks in self.members[c].pool_reads(version):
                wanted.setdefault(j, set()).update(ks)
        return {j: sorted(wanted[j]) for j in sorted(wanted)}

    def _decode_one(self, number: int, threads: int = 1) -> bytes:
        """One member of a version-2 or 3 archive: its closure of parents in archive order, each over
        the pool chunks it reads (the rest of the pool is never decoded)."""
        entry, version = self.members[number], self.header.version
        with open(self.path, "rb") as f:
            sections = self._read_block(f, entry)
            if entry.kind != KIND_FASTA:
                return finish_member(entry, sections, None, version)
            closure = self.closure(number)
            wanted = self._chunks_read(closure)
            blocks = {j: sections if j == number else self._read_block(f, self.members[j]) for j in wanted}
        payloads = {j: literal_payloads(self.members[j], blocks[j], version) for j in wanted}

        def decode(j: int, k: int) -> np.ndarray:
            first, end = self.members[j].chunks(version)[k]
            return decode_chunk(self.members[j], payloads[j][k], first, end)

        pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
        try:
            # chunks decode on the pool in archive order; each closure member is rebuilt as soon
            # as the chunks it reads are in
            jobs = {(j, k): (pool.submit(decode, j, k) if pool else None) for j, ks in wanted.items() for k in ks}
            done: dict[tuple[int, int], np.ndarray] = {}

            def chunk(j: int, k: int) -> np.ndarray:
                if (j, k) not in done:
                    job = jobs[(j, k)]
                    done[(j, k)] = job.result() if job else decode(j, k)
                return done[(j, k)]

            ref = ReferenceText(None)
            ref.reserve(int(self._pool_starts[number]) + 2 * sum(self.members[c].bases for c in closure))
            decoded: dict[int, np.ndarray] = {}
            for c in closure:
                member = self.members[c]
                for j, ks in member.pool_reads(version):
                    at = int(self._pool_starts[j])
                    for k in ks:
                        first, end = self.members[j].chunks(version)[k]
                        ref.T[at + first:at + end] = chunk(j, k)
                ref.end = int(self._pool_starts[c])
                own = [chunk(c, k) for k in wanted[c]]
                literals = np.concatenate(own) if own else np.zeros(0, dtype=np.uint8)
                parents = _in_text_order(decoded[p] for p in member.parents)
                decoded[c] = ref.decode(member.bases, blocks[c][1], literals, False, f"member {member.name!r}", parents)
        finally:
            if pool:
                pool.shutdown(wait=True, cancel_futures=True)
        return finish_member(entry, sections, decoded[number], version)

    def read(self, name: str, threads: int = 1) -> bytes:
        """The original bytes of member ``name``."""
        for _, data in self.iter_members([name], threads):
            return data
        raise AssertionError("unreachable")

    def records(self) -> list[tuple[str, str, int]]:
        """(member, record id, sequence letters) of every record, from the index alone
        (from version 2; version 1 archives decode each member)."""
        if self.header.version >= 2:
            return [(m.name, rid, letters) for m in self.members for rid, letters in m.record_table]
        return [(entry.name, rid, letters) for entry, data in self.iter_members() if entry.kind == KIND_FASTA
                for rid, letters in record_table(parse_fasta(data))]

    def read_record(self, name: str, record: str, threads: int = 1) -> bytes:
        """The bytes of one record of a member (its name, whole header or ``#N``: ``select_record``)."""
        data = self.read(name, threads)
        spans = parse_fasta(data).records
        span = spans[select_record([s.header for s in spans], record, name)]
        return data[span.start:span.end]

    def read_region(self, name: str, record: str, start: int, end: int, threads: int = 1) -> bytes:
        """Letters ``start``..``end`` (1-based, inclusive, as samtools faidx) of one record of a
        member, as FASTA named ``record:start-end`` and wrapped at the record's line width."""
        data = self.read(name, threads)
        parsed = parse_fasta(data)
        span = _find_record(parsed, name, record)
        if not 1 <= start <= end:
            raise SeqcoderError(f"{name}:{record}: bad region {start}-{end} (1-based, start <= end)")
        body = data[span.start:span.end]
        lines = body.split(b"\n")
        seq_lines = [ln.rstrip(b"\r") for ln in (lines[1:] if body.startswith(b">") else lines)]
        seq = b"".join(seq_lines)
        if end > len(seq):
            raise SeqcoderError(f"{name}:{record}: region {start}-{end} past the record's end ({len(seq)})")
        width = max((len(ln) for ln in seq_lines[:1]), default=60) or 60
        part = seq[start - 1:end]
        rid = record_id(span.header or b"")
        return (f">{rid}:{start}-{end}\n".encode() + b"".join(part[i:i + width] + b"\n"
                                                             for i in range(0, len(part), width)))

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


def _find_record(parsed: ParsedFasta, name: str, record: str) -> RecordSpan:
    """A record by its id, its whole header or ``#N`` (:func:`seqcoder.io.fasta.select_record`)."""
    return parsed.records[select_record([r.header for r in parsed.records], record, name)]


def _in_text_order(parents: Iterable[np.ndarray]) -> list[np.ndarray]:
    """The parents' codes in the order they lie in a member's text (FORMAT.md 14.3), unjoined."""
    return list(parents)[::-1]


def _joined(parents: Iterable[np.ndarray]) -> np.ndarray:
    """The parents' codes as they lie in a member's text, joined: the best parent last, next to
    the member (FORMAT.md 14.3)."""
    codes = _in_text_order(parents)
    return np.concatenate(codes) if codes else _EMPTY


class _Ahead:
    """Member blocks read, and their literal sections decoded on ``threads`` other threads, a few
    members ahead of the one being rebuilt (the same literals as decoding them in line). The
    rebuilding thread mostly waits for them, so it is not counted."""

    def __init__(self, collection: Collection, threads: int):
        self.c = collection
        self.threads = threads
        self.pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
        self.ahead: dict[int, tuple[list[bytes], Future[np.ndarray] | None]] = {}

    def __enter__(self) -> _Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def get(self, f: BinaryIO, number: int, last: int) -> tuple[list[bytes], np.ndarray | None]:
        for later in range(number, min(last + 1, number + 2 * self.threads)):
            if later not in self.ahead:
                entry = self.c.members[later]
                sections = self.c._read_block(f, entry)
                job = (self.pool.submit(member_literals, entry, sections, self.c.header.version)
                       if self.pool and entry.kind == KIND_FASTA else None)
                self.ahead[later] = (sections, job)
        sections, job = self.ahead.pop(number)
        entry = self.c.members[number]
        if job is not None:
            return sections, job.result()
        return sections, member_literals(entry, sections, self.c.header.version) if entry.kind == KIND_FASTA else None


class _CodeStore:
    """Codes of members kept for later use as parents, in an unnamed scratch file in the
    temporary directory (``TMPDIR``), so memory stays bounded however many there are; the page
    cache keeps them warm. It needs about one byte per base of the members."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="seqcoder-codes-")
        self.where: dict[int, tuple[int, int]] = {}
        self.end = 0
        self._last: tuple[int, np.ndarray] | None = None

    def __enter__(self) -> _CodeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def put(self, number: int, codes: np.ndarray) -> None:
        self.file.seek(self.end)
        self.file.write(np.ascontiguousarray(codes).data)
        self.where[number] = (self.end, codes.shape[0])
        self.end += codes.shape[0]
        self._last = (number, codes)

    def get(self, number: int) -> np.ndarray:
        if self._last is not None and self._last[0] == number:
            return self._last[1]
        offset, n = self.where[number]
        self.file.seek(offset)
        codes = np.frombuffer(self.file.read(n), dtype=np.uint8)
        if codes.shape[0] != n:
            raise SeqcoderError("scratch file of decoded codes came back short")
        return codes


def _estimated_bases(inputs: Sequence[str | os.PathLike]) -> int:
    """About how many bases the inputs hold (compressed ones at 4x their size)."""
    total = 0
    for path in inputs:
        size = os.path.getsize(path)
        total += 4 * size if str(path).endswith(COMPRESSED_SUFFIXES) else size
    return total


def _params(header: CollectionHeader) -> MatchParams:
    return MatchParams.from_tuple(header.params)


def _read_member_input(path: str | os.PathLike, strict: bool) -> tuple[bytes, ParsedFasta | None]:
    """An input's bytes and, when it is nucleotide FASTA, its parse (None: store it raw)."""
    data = read_input(path)
    return data, parse_input(data, strict=strict, path=str(path))


class _Encoder:
    """The encoder of a version-2 or 3 archive: the pool of every member's literals (indexed), each
    member's sketch for choosing parents, and the codes of possible parents (scratch file).

    Memory: the pool (1 byte a literal base) plus its index (10 bytes per ``step`` bases), the
    hash head table (8 bytes x 2^hash_bits), the sketches (8 bytes per 1,000 bases), and a few
    members in flight; never the members' codes themselves.
    """

    def __init__(self, header: CollectionHeader):
        self.header = header
        self.ref = ReferenceText(_params(header))
        params = _params(header)
        self.chooser = ParentChooser(header.max_depth, params.parents, params.parent_bases)
        self.store = _CodeStore()
        self.pool_starts: list[int] = [0]

    def __enter__(self) -> _Encoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.__exit__()

    def resume(self, c: Collection) -> None:
        """Take up the state the encoder had after the archive's last member: the pool from
        every literal section, the sketches and possible parents from every member (so ``add``
        decodes the whole archive once)."""
        self.ref.reserve(int(c._pool_starts[-1]))
        with open(c.path, "rb") as f:
            for entry in c.members:
                if entry.kind == KIND_FASTA:
                    self.ref.extend(member_literals(entry, c._read_block(f, entry), c.header.version))
        for number, (entry, data) in enumerate(c.iter_members()):
            codes = parse_fasta(data).codes if entry.kind == KIND_FASTA else None
            self._record(number, entry, codes, None if codes is None else self.chooser.sketch(codes))

    def _record(self, number: int, entry: MemberEntry, codes: np.ndarray | None,
                sk: tuple[int, np.ndarray] | None) -> None:
        """Note a member just coded (or read back): its sketch, and its codes if it may be a parent."""
        if codes is None or sk is None:
            self.chooser.record_raw()
        else:
            self.chooser.record(entry.parents, sk, entry.bases)
            self.store.put(number, codes)
        self.pool_starts.append(self.pool_starts[-1] + entry.literals)

    def write(self, sink: BinaryIO, offset: int, existing: list[MemberEntry],
              inputs: list[tuple[str, str | os.PathLike]], threads: int, strict: bool,
              progress: Progress | None) -> list[MemberEntry]:
        """Read, code and write members in order. With ``threads`` > 1, later inputs are read,
        parsed and sketched, and each member's literals are cm-coded while the next member's
        copies are found, on other threads (the same bytes)."""
        self.ref.reserve(min(_estimated_bases([p for _, p in inputs]) // 8, 1 << 30))
        written: list[MemberEntry] = []
        workers = ThreadPoolExecutor(max_workers=threads - 1) if threads > 1 else None
        #: the last member (its literals perhaps being coded on a worker) and its input's size
        pending: tuple[Callable[[], EncodedMember], int] | None = None

        def write_pending() -> None:
            nonlocal offset, pending
            if pending is not None:
                offset = _write_block(sink, offset, pending[0](), written)
                if progress:
                    progress(pending[1])
                pending = None

        try:
            def load(path: str | os.PathLike) -> tuple[bytes, ParsedFasta | None, tuple[int, np.ndarray] | None]:
                data, parsed = _read_member_input(path, strict)
                return data, parsed, (self.chooser.sketch(parsed.codes) if parsed is not None else None)

            ahead = max(1, 2 * (threads - 1))
            jobs: dict[int, Future] = {}
            for i, (name, path) in enumerate(inputs):
                if workers is not None:
                    for later in range(i, min(len(inputs), i + ahead)):
                        if later not in jobs:
                            jobs[later] = workers.submit(load, inputs[later][1])
                    data, parsed, sk = jobs.pop(i).result()
                else:
                    data, parsed, sk = load(path)
                if parsed is None:
                    member: EncodedMember | MatchedMember = encode_raw(name, data, self.header.level)
                else:
                    assert sk is not None
                    parents = self.chooser.choose(sk)
                    member = match_chained(name, data, parsed, self.ref, self.header.level, parents,
                                           _joined(self.store.get(p) for p in parents),
                                           np.array(self.pool_starts, dtype=np.int64), self.header.version)
                self._record(len(existing) + i, member.entry, None if parsed is None else parsed.codes, sk)
                write_pending()
                pending = (workers.submit(member.finish).result if workers is not None else member.finish, len(data))
            write_pending()
        finally:
            if workers:
                workers.shutdown(wait=True, cancel_futures=True)
        return written


def _write_block(sink: BinaryIO, offset: int, member: EncodedMember, written: list[MemberEntry]) -> int:
    """Write a member's block at ``offset``, note where it lies; returns the offset after it."""
    block = encode_member_block(member.sections)
    member.entry.offset = offset
    member.entry.size = len(block)
    sink.write(block)
    written.append(member.entry)
    return offset + len(block)


class _EncoderV1:
    """``add`` to a version-1 archive: members coded as version 1 codes them."""

    def __init__(self, header: CollectionHeader, ref: ReferenceText):
        self.header = header
        self.ref = ref

    def write(self, sink: BinaryIO, offset: int, existing: list[MemberEntry],
              inputs: list[tuple[str, str | os.PathLike]], threads: int, strict: bool,
              progress: Progress | None) -> list[MemberEntry]:
        written: list[MemberEntry] = []
        for name, path in inputs:
            data, parsed = _read_member_input(path, strict)
            number = len(existing) + len(written)
            member: EncodedMember = encode_member(name, data, number, self.ref, self.header.level,
                                                  self.header.max_refs, parsed is None)
            offset = _write_block(sink, offset, member, written)
            if progress:
                progress(len(data))
        return written
