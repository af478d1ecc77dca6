"""The FASTA layer every codec shares: FASTA bytes <-> (A/C/G/T code stream + layout).

:func:`parse_fasta` accepts ANY bytes and splits them into

* ``codes``: one uint8 (``A=0 C=1 G=2 T=3``) for every A/C/G/T (either case) of every sequence
  line, in file order, and
* a :class:`Layout`: everything else (headers, line lengths, line ends, case, non-ACGT bytes),
  stored as the LAYOUT section by :meth:`Layout.to_bytes`,

and :func:`render_fasta` puts them back together byte for byte. The line model and the byte
grammar of the LAYOUT section are written once, in FORMAT.md section 7; :data:`BODY_FIELDS`
is that grammar as code, and the one table both :meth:`Layout.to_bytes` and
:meth:`Layout.from_bytes` walk.

::

    bytes --lines--> records --line widths--+                   +--> LAYOUT bytes
             \\--line ends--------------------+--> Layout -------+
             \\--residues--> codes, case, exceptions  (to_bytes / from_bytes)
    LAYOUT bytes --Layout.from_bytes--> line lengths, line ends, residues(codes) --> bytes

>>> p = parse_fasta(b">r1 demo\\nACGTNNac\\ngt\\n")
>>> p.codes.tolist(), p.residues, p.exceptions
([0, 1, 2, 3, 0, 1, 2, 3], 10, 2)
>>> render_fasta(p.codes, p.layout)
b'>r1 demo\\nACGTNNac\\ngt\\n'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from seqcoder.alphabet import BYTE_OF_CODE, CODE_OF_BYTE
from seqcoder.errors import FormatError, RecordError
from seqcoder.format import zstd
from seqcoder.format.varint import VarintReader, encode_uvarint, encode_uvarints

__all__ = [
    "BODY_FIELDS",
    "LAYOUT_VERSION",
    "Layout",
    "ParsedFasta",
    "RecordSpan",
    "layout_stats",
    "parse_fasta",
    "record_id",
    "render_fasta",
    "split_headers",
]

LAYOUT_VERSION = 1

_LF, _CR, _GT = 10, 13, 62
_FLAG_FINAL_EOL, _FLAG_HEADERLESS, _FLAG_CRLF = 1, 2, 4
_METHOD_HZSTD, _METHOD_BZSTD = 1, 2
_MAX_FIELD = 1 << 40  # sanity bound on decoded counts (a corrupt layout must not allocate wildly)

#: bytes allowed on a sequence line by :attr:`ParsedFasta.first_non_nucleotide_line`
NUCLEOTIDE_BYTES = b"ACGTUNRYKMSWBDHVacgtunrykmswbdhv-*"
_NUCLEOTIDE_OK = np.zeros(256, dtype=bool)
_NUCLEOTIDE_OK[np.frombuffer(NUCLEOTIDE_BYTES, dtype=np.uint8)] = True
_MOSTLY_NUCLEOTIDE = np.zeros(256, dtype=bool)
_MOSTLY_NUCLEOTIDE[list(b"ACGTNacgtn\r\n")] = True


def mostly_nucleotides(data: bytes) -> bool:
    """True unless fewer than 30 % of a (sampled) input are A/C/G/T/N or line ends. FASTA
    genomes score above 95 %, protein about 25 %, text and binary far less.

    >>> mostly_nucleotides(b">x\\nACGTN\\n"), mostly_nucleotides(bytes(range(256)))
    (True, False)
    """
    sample = np.frombuffer(data, dtype=np.uint8, count=min(len(data), 1 << 20))
    return sample.size == 0 or bool(_MOSTLY_NUCLEOTIDE[sample].mean() >= 0.3)


def record_id(header: bytes) -> str:
    """A record's id: the first word of its header (as samtools faidx names it).

    >>> record_id(b"NZ_CP009072.1 Escherichia coli"), record_id(b"")
    ('NZ_CP009072.1', '')
    """
    words = header.split(maxsplit=1)
    return words[0].decode("utf-8", "replace") if words else ""


def select_record(headers: Sequence[bytes | None], record: str, where: str) -> int:
    """The index of the record that ``record`` names: ``#N`` (the N-th, 1-based), its name (the
    header's first word) or its whole header (``headers``: without '>', None before any header).
    Raises :class:`RecordError` naming ``where``.

    >>> heads = [b"chr1 main", b"p1 plasmid"]
    >>> select_record(heads, "p1", "x"), select_record(heads, "chr1 main", "x"), select_record(heads, "#2", "x")
    (1, 0, 1)
    """
    if record.startswith("#") and record[1:].isdigit():
        number = int(record[1:])
        if not 1 <= number <= len(headers):
            raise RecordError(f"{where}: no record {record} (it holds {len(headers)})")
        return number - 1
    wanted = record.encode()
    for i, header in enumerate(headers):
        if header is not None and (header == wanted or header.split(None, 1)[:1] == [wanted]):
            return i
    raise RecordError(f"{where}: no record named {record!r}")


_CODE_TABLE = CODE_OF_BYTE.tobytes()  # bytes.translate table: byte -> code, 255 if not ACGT
_NON_ACGT = bytes(sorted(set(range(256)) - set(b"ACGT")))
_BASE_TABLE = (BYTE_OF_CODE.tobytes() + bytes(252))  # code -> upper-case base


@dataclass(slots=True)
class RecordSpan:
    """One record of a parsed block.

    >>> parse_fasta(b">a\\nACNT\\n>b\\n").records[0]
    RecordSpan(header=b'a', start=0, end=8, residues=4, bases=3)
    """

    header: bytes | None  #: header line without '>' and EOL; None for lines before any header
    start: int  #: byte offset of the record ('>' or its first sequence byte) in the block
    end: int  #: byte offset one past the record's last byte (EOLs and blank lines included)
    residues: int  #: sequence letters (all bytes of its sequence lines, EOLs excluded)
    bases: int  #: how many of them are A/C/G/T (either case): the codes it adds to the stream


@dataclass(slots=True)
class ParsedFasta:
    """The result of :func:`parse_fasta`.

    >>> p = parse_fasta(b">x\\nACGU\\n")
    >>> p.residues, p.exceptions, p.first_non_nucleotide_line, len(p.records)
    (4, 1, None, 1)
    """

    codes: np.ndarray  #: uint8 0..3, every A/C/G/T (either case) of every sequence line
    layout: bytes  #: everything else (the LAYOUT section)
    records: list[RecordSpan] = field(default_factory=list)
    residues: int = 0  #: bytes of all sequence lines (EOLs excluded)
    exceptions: int = 0  #: residues that are not A/C/G/T
    #: 1-based line number of the first sequence line holding a byte that is not an IUPAC
    #: nucleotide letter (ACGTUNRYKMSWBDHV, either case), '-' or '*'; None if there is none
    first_non_nucleotide_line: int | None = None


# ----------------------------------------------------------------------------- helpers


def _range_indices(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, e)`` over the ranges."""
    lens = ends - starts
    shift = np.cumsum(lens) - lens - starts
    return np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(shift, lens)


def _range_mask(size: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Boolean mask of ``size`` with True on the disjoint, sorted ranges [starts, ends).

    >>> _range_mask(6, np.array([1, 4]), np.array([3, 5])).astype(int).tolist()
    [0, 1, 1, 0, 1, 0]
    """
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if starts.size <= 16:
        mask = np.zeros(size, dtype=bool)
        for a, b in zip(starts.tolist(), ends.tolist()):
            mask[a:b] = True
        return mask
    covered = int((ends - starts).sum())
    many = 16 * starts.size > size  # many short ranges: one cumsum pass is cheaper
    if 4 * covered <= size and not many:  # few bytes covered: set them
        mask = np.zeros(size, dtype=bool)
        mask[_range_indices(starts, ends)] = True
        return mask
    gap_starts = np.concatenate([[0], ends])
    gap_ends = np.concatenate([starts, [size]])
    if 4 * (size - covered) <= size and not many:  # few bytes left out: clear them
        mask = np.ones(size, dtype=bool)
        keep = gap_ends > gap_starts
        mask[_range_indices(gap_starts[keep], gap_ends[keep])] = False
        return mask
    delta = np.zeros(size + 1, dtype=np.int8)
    delta[starts] += 1
    delta[ends] -= 1
    return np.cumsum(delta[:size], dtype=np.int8).view(bool)


def _copy_runs(dst: np.ndarray, starts: np.ndarray, lengths: np.ndarray, src: np.ndarray) -> None:
    """``dst[starts[i]:starts[i] + lengths[i]]`` = the next ``lengths[i]`` bytes of ``src``, for
    every i (sorted, disjoint runs that together take all of ``src``).

    A wrapped record's lines are rows of one length at one stride, so each group of them is
    copied as one 2-D view, in a few calls per record instead of a mask over every byte;
    layouts with too many groups (ragged lines, scattered exceptions) take the mask.

    >>> dst = np.zeros(11, dtype=np.uint8)
    >>> _copy_runs(dst, np.array([0, 4, 8]), np.array([3, 3, 2]), np.arange(1, 9, dtype=np.uint8))
    >>> dst.tolist()
    [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 0]
    """
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    n = int(starts.size)
    if n == 0:
        return
    if int(starts[-1] + lengths[-1]) > dst.size or int(lengths.sum()) != src.size:
        raise FormatError("layout: the runs do not fit the residues")
    # a group starts where the row length changes or the stride to the next row does
    stride = np.diff(starts)
    first = np.ones(n, dtype=bool)
    first[1:] = lengths[1:] != lengths[:-1]
    first[2:] |= stride[1:] != stride[:-1]
    group = np.flatnonzero(first)
    if group.size > max(64, src.size // 256):
        dst[_range_mask(dst.size, starts, starts + lengths)] = src
        return
    rows = np.diff(np.append(group, n))
    at = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=at[1:])
    for f, r in zip(group.tolist(), rows.tolist()):
        a, w, s = int(starts[f]), int(lengths[f]), int(at[f])
        if r > 1:  # rows but the last as one view; the last may end where the buffer does
            step = int(stride[f])
            dst[a:a + (r - 1) * step].reshape(r - 1, step)[:, :w] = src[s:s + (r - 1) * w].reshape(r - 1, w)
            a, s = a + (r - 1) * step, s + (r - 1) * w
        dst[a:a + w] = src[s:s + w]


def _inc_list(positions: np.ndarray) -> np.ndarray:
    """Strictly increasing positions -> p0, p1-p0-1, ... (see the module docstring)."""
    out = np.asarray(positions, dtype=np.int64).copy()
    if out.size > 1:
        out[1:] = np.diff(out) - 1
    return out


def _from_inc_list(gaps: np.ndarray) -> np.ndarray:
    out = gaps.astype(np.int64).copy()
    if out.size > 1:
        out[1:] += 1
    return np.cumsum(out)


def _pack(part: bytes) -> tuple[bytes, bool]:
    """zstd-compress ``part`` if that makes it smaller."""
    if not part:
        return b"", False
    packed = zstd.compress(part, zstd.layout_level(len(part)))
    return (packed, True) if len(packed) < len(part) else (part, False)


def _unpack(part: bytes, compressed: bool, what: str) -> bytes:
    if not compressed:
        return part
    return zstd.decompress(part, None, f"layout {what} part")


# ----------------------------------------------------------------------------- the layout


@dataclass(frozen=True)
class _Field:
    """One field of BODY (FORMAT.md section 7): its name on :class:`Layout`, its shape and how
    many values it holds."""

    name: str
    kind: str = "varints"  #: "one" (a single varint), "varints" or "raw" (bytes)
    #: how many values, from the fields before it; None: the count is stored before the values
    count: Callable[[dict], int] | None = None
    store: Callable[[np.ndarray], np.ndarray] = lambda v: v  #: values -> what is written
    load: Callable[[np.ndarray], np.ndarray] = lambda v: v  #: what is read -> values


#: BODY of the LAYOUT section, in order: the grammar of FORMAT.md section 7 as the one table that
#: writing and reading both walk (``n_records``, ``n_eol_exc``, ``n_case`` and ``n_exc`` are the
#: stored counts of ``rec_res``, ``eol_exc``, ``toggles`` and ``exc_gap``)
BODY_FIELDS: tuple[_Field, ...] = (
    _Field("flags", "one"),
    _Field("rec_res"),
    _Field("mode", count=lambda v: len(v["rec_res"])),
    _Field("blanks", count=lambda v: len(v["rec_res"])),
    _Field("k", count=lambda v: int(np.count_nonzero(v["mode"] == 0))),
    _Field("run_len", count=lambda v: int(v["k"].sum())),
    _Field("run_count", count=lambda v: int(v["k"].sum())),
    _Field("eol_exc", store=_inc_list, load=_from_inc_list),
    _Field("toggles", store=_inc_list, load=_from_inc_list),
    _Field("exc_gap"),
    _Field("exc_len", count=lambda v: len(v["exc_gap"]), store=lambda v: v - 1, load=lambda v: v + 1),
    _Field("exc_bytes", "raw", count=lambda v: int(v["exc_len"].sum())),
)


@dataclass(slots=True)
class Layout:
    """Everything of a block but its A/C/G/T codes, field by field as FORMAT.md section 7
    names them. :func:`parse_fasta` builds one, :func:`render_fasta` reads one;
    :meth:`to_bytes` and :meth:`from_bytes` are the only code that writes and reads its bytes.

    >>> layout = Layout.from_bytes(parse_fasta(b">a\\nACGT\\nAC\\n").layout)
    >>> layout.headers, layout.rec_res.tolist(), layout.mode.tolist(), layout.final_eol
    (b'a\\n', [6], [5], True)
    >>> Layout.from_bytes(layout.to_bytes()) == layout
    True
    """

    flags: int  #: bit 0 final_eol, bit 1 headerless first record, bit 2 CRLF by default
    headers: bytes  #: HEADERS: each header line's content without '>', then LF
    rec_res: np.ndarray  #: residues of each record
    mode: np.ndarray  #: 0 explicit, 1 single line, W + 1 wrapped at W
    blanks: np.ndarray  #: trailing empty sequence lines of each record
    k: np.ndarray  #: runs of each explicit record
    run_len: np.ndarray  #: line length of each run
    run_count: np.ndarray  #: lines in each run
    eol_exc: np.ndarray  #: lines whose CR flag differs from the default
    toggles: np.ndarray  #: residue positions where the case toggles
    exc_gap: np.ndarray  #: exception runs: gap after the previous run
    exc_len: np.ndarray  #: exception runs: length
    exc_bytes: bytes  #: the upper-cased exception residues

    @property
    def final_eol(self) -> bool:
        return bool(self.flags & _FLAG_FINAL_EOL)

    @property
    def headerless(self) -> bool:
        return bool(self.flags & _FLAG_HEADERLESS)

    @property
    def crlf(self) -> bool:
        return bool(self.flags & _FLAG_CRLF)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Layout):
            return NotImplemented
        return all(np.array_equal(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    def body(self) -> bytes:
        """BODY, by :data:`BODY_FIELDS`."""
        parts = []
        for f in BODY_FIELDS:
            value = getattr(self, f.name)
            if f.kind == "one":
                parts.append(encode_uvarint(int(value)))
            elif f.kind == "raw":
                parts.append(bytes(value))
            else:
                if f.count is None:
                    parts.append(encode_uvarint(len(value)))
                parts.append(encode_uvarints(f.store(np.asarray(value, dtype=np.int64))))
        return b"".join(parts)

    def to_bytes(self) -> bytes:
        """The LAYOUT section: version, method, the HEADERS part and the BODY part."""
        hpart, hz = _pack(self.headers)
        bpart, bz = _pack(self.body())
        method = (_METHOD_HZSTD if hz else 0) | (_METHOD_BZSTD if bz else 0)
        return bytes([LAYOUT_VERSION, method]) + encode_uvarint(len(hpart)) + hpart + bpart

    @classmethod
    def from_bytes(cls, data: bytes) -> Layout:
        """Inverse of :meth:`to_bytes`; a malformed section is a :class:`FormatError`."""
        hpart, hz, bpart, bz = _parts(data)
        body = _unpack(bpart, bz, "body")
        b = VarintReader(body)
        values: dict = {}
        for f in BODY_FIELDS:
            if f.kind == "one":
                values[f.name] = b.one()
                continue
            n = b.one() if f.count is None else f.count(values)
            if n > len(body):  # every value takes a byte at least: a corrupt count
                raise FormatError(f"layout: {f.name} count {n} out of range")
            values[f.name] = b.raw(n) if f.kind == "raw" else f.load(b.many(n))
        if not b.at_end():
            raise FormatError("trailing bytes after the layout body")
        if values["flags"] & ~(_FLAG_FINAL_EOL | _FLAG_HEADERLESS | _FLAG_CRLF):
            raise FormatError(f"unknown layout flags {values['flags']:#x}")
        return cls(headers=_unpack(hpart, hz, "headers"), **values)


def split_headers(layout: bytes) -> tuple[bytes, bytes]:
    """(HEADERS, the same LAYOUT section with an empty HEADERS part), without recoding the BODY.
    A collection archive (version 3) keeps its members' header lines in its index, where they
    compress against each other; :func:`render_fasta` takes them back (``headers``).

    >>> p = parse_fasta(b">a one\\nACGT\\n")
    >>> headers, bare = split_headers(p.layout)
    >>> headers, render_fasta(p.codes, bare, headers=headers)
    (b'a one\\n', b'>a one\\nACGT\\n')
    """
    hpart, hz, bpart, bz = _parts(layout)
    bare = bytes([LAYOUT_VERSION, _METHOD_BZSTD if bz else 0]) + encode_uvarint(0) + bpart
    return _unpack(hpart, hz, "headers"), bare


def _parts(data: bytes) -> tuple[bytes, bool, bytes, bool]:
    """(HEADERS part, zstd?, BODY part, zstd?) of a LAYOUT section."""
    if len(data) < 3:
        raise FormatError("layout section too short")
    if data[0] != LAYOUT_VERSION:
        raise FormatError(f"unknown layout version {data[0]}", 0)
    method = data[1]
    if method & ~(_METHOD_HZSTD | _METHOD_BZSTD):
        raise FormatError(f"unknown layout method bits {method:#x}", 1)
    r = VarintReader(data, 2)
    hpart = r.raw(r.one())
    return hpart, bool(method & _METHOD_HZSTD), bytes(data[r.pos:]), bool(method & _METHOD_BZSTD)


# ----------------------------------------------------------------------------- parse stages


@dataclass(slots=True)
class _Lines:
    """The block split on LF: per line its start, end (before LF), CR flag, content end."""

    n: int  #: bytes in the block
    final_eol: bool
    starts: np.ndarray
    ends: np.ndarray
    cr: np.ndarray
    cend: np.ndarray
    is_hdr: np.ndarray


def _split_lines(arr: np.ndarray) -> _Lines:
    n = int(arr.size)
    lf = np.flatnonzero(arr == _LF)
    final_eol = n > 0 and int(arr[-1]) == _LF
    if n == 0:
        starts = ends = np.zeros(0, dtype=np.int64)
    else:
        starts = np.empty(lf.size + 1, dtype=np.int64)
        starts[0] = 0
        starts[1:] = lf + 1
        ends = np.empty(lf.size + 1, dtype=np.int64)
        ends[:-1] = lf
        ends[-1] = n
        if final_eol:
            starts, ends = starts[:-1], ends[:-1]
    n_lines = int(starts.size)
    nonempty = ends - starts > 0
    cr = nonempty & (arr[np.maximum(ends - 1, 0)] == _CR) if n_lines else np.zeros(0, dtype=bool)
    is_hdr = nonempty & (arr[np.minimum(starts, max(n - 1, 0))] == _GT) if n_lines \
        else np.zeros(0, dtype=bool)
    return _Lines(n, final_eol, starts, ends, cr, ends - cr, is_hdr)


@dataclass(slots=True)
class _Records:
    """Lines grouped into records: header lines, sequence lines, body lines and blanks."""

    headerless: bool
    hdr_lines: np.ndarray
    first_line: np.ndarray  #: first line of each record
    seq_lines: np.ndarray
    seq_len: np.ndarray
    body_len: np.ndarray  #: length of each body line, records in order
    body_rec: np.ndarray  #: record of each body line
    n_body: np.ndarray
    body_start: np.ndarray
    blanks: np.ndarray
    rec_res: np.ndarray

    @property
    def n(self) -> int:
        return int(self.first_line.size)


def _find_records(lines: _Lines) -> _Records:
    is_hdr, n_lines = lines.is_hdr, int(lines.starts.size)
    hdr_lines = np.flatnonzero(is_hdr)
    headerless = n_lines > 0 and not bool(is_hdr[0])
    first_line = np.concatenate([[0], hdr_lines]) if headerless else hdr_lines
    n_rec = int(first_line.size)
    rec_of_line = np.cumsum(is_hdr, dtype=np.int64) - (0 if headerless else 1)
    seq_lines = np.flatnonzero(~is_hdr)
    seq_len = (lines.cend - lines.starts)[seq_lines]
    seq_rec = rec_of_line[seq_lines]
    # last non-empty sequence line of each record (-1: none) -> body vs trailing blank lines
    nb = seq_lines[seq_len > 0]
    nb_rec = rec_of_line[nb]
    last_nb = np.full(n_rec, -1, dtype=np.int64)
    if nb.size:
        is_last = np.ones(nb.size, dtype=bool)
        is_last[:-1] = nb_rec[1:] != nb_rec[:-1]
        last_nb[nb_rec[is_last]] = nb[is_last]
    in_body = seq_lines <= last_nb[seq_rec] if seq_lines.size else np.zeros(0, dtype=bool)
    blanks = np.bincount(seq_rec[~in_body], minlength=n_rec).astype(np.int64)
    body_len = seq_len[in_body]
    body_rec = seq_rec[in_body]
    n_body = np.bincount(body_rec, minlength=n_rec).astype(np.int64)
    body_start = np.zeros(n_rec + 1, dtype=np.int64)
    np.cumsum(n_body, out=body_start[1:])
    csum = np.zeros(body_len.size + 1, dtype=np.int64)
    np.cumsum(body_len, out=csum[1:])
    rec_res = csum[body_start[1:]] - csum[body_start[:-1]]
    return _Records(headerless, hdr_lines, first_line, seq_lines, seq_len, body_len, body_rec, n_body,
                    body_start, blanks, rec_res)


def _line_widths(recs: _Records) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(mode, k, run_len, run_count): each record's body lines as one line, wrapped at a
    width, or explicit runs of lengths."""
    n_rec, body_len, body_rec, n_body = recs.n, recs.body_len, recs.body_rec, recs.n_body
    mode = np.ones(n_rec, dtype=np.int64)
    multi = n_body >= 2
    if multi.any():
        width = body_len[np.minimum(recs.body_start[:-1], max(body_len.size - 1, 0))]
        w_line = width[body_rec]
        last_flag = np.zeros(body_len.size, dtype=bool)
        last_flag[recs.body_start[1:][n_body > 0] - 1] = True
        bad = np.where(last_flag, body_len > w_line, body_len != w_line)
        n_bad = np.bincount(body_rec[bad], minlength=n_rec)
        mode = np.where(multi, np.where(n_bad == 0, width + 1, 0), 1).astype(np.int64)
    explicit = mode == 0
    if not explicit.any():
        empty = np.zeros(0, dtype=np.int64)
        return mode, empty, empty, empty
    xl = explicit[body_rec]
    x_len, x_rec = body_len[xl], body_rec[xl]
    new_run = np.ones(x_len.size, dtype=bool)
    new_run[1:] = (x_len[1:] != x_len[:-1]) | (x_rec[1:] != x_rec[:-1])
    run_idx = np.flatnonzero(new_run)
    run_count = np.diff(np.append(run_idx, x_len.size))
    k = np.bincount(x_rec[run_idx], minlength=n_rec)[explicit]
    return mode, k, x_len[run_idx], run_count


@dataclass(slots=True)
class _Residues:
    """The residue stream: its codes, case toggles and exception runs."""

    codes: np.ndarray
    n: int
    toggles: np.ndarray
    exc_gap: np.ndarray
    exc_len: np.ndarray
    exc_bytes: bytes
    rec_exc: np.ndarray  #: exception residues of each record
    first_bad_line: int | None


def _residues(data: bytes, lines: _Lines, recs: _Records) -> _Residues:
    """Residues with C-speed bytes operations (join, replace, upper, translate)."""
    n, cr = lines.n, lines.cr
    if recs.hdr_lines.size == 0:
        seq_text = data
    else:
        reg_start = lines.starts[recs.first_line]
        reg_start[int(recs.headerless):] = np.minimum(lines.ends[recs.hdr_lines] + 1, n)
        reg_end = np.append(lines.starts[recs.first_line[1:]], n)
        seq_text = b"".join([data[x:y] for x, y in zip(reg_start.tolist(), reg_end.tolist())])
    if cr.size and bool(cr.any()):
        seq_text = seq_text.replace(b"\r\n", b"\n")
        if not lines.final_eol and bool(cr[-1]) and not bool(lines.is_hdr[-1]):
            seq_text = seq_text[:-1]
    res_b = seq_text.replace(b"\n", b"")
    n_res = len(res_b)
    upper_b = res_b.upper()
    if upper_b != res_b:
        lower = np.frombuffer(res_b, dtype=np.uint8) != np.frombuffer(upper_b, dtype=np.uint8)
        toggles = np.flatnonzero(np.diff(lower.view(np.int8), prepend=np.int8(0)))
        del lower
    else:
        toggles = np.zeros(0, dtype=np.int64)
    codes = np.frombuffer(upper_b.translate(_CODE_TABLE, _NON_ACGT), dtype=np.uint8).copy()
    n_rec = recs.n
    if n_res == codes.size:
        empty = np.zeros(0, dtype=np.int64)
        return _Residues(codes, n_res, toggles, empty, empty, b"", np.zeros(n_rec, dtype=np.int64), None)
    exc = np.frombuffer(upper_b.translate(_CODE_TABLE), dtype=np.uint8) == 255
    edge = np.diff(exc.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    del exc
    exc_start = np.flatnonzero(edge == 1)
    exc_end = np.flatnonzero(edge == -1)
    del edge
    exc_len = exc_end - exc_start
    exc_gap = exc_start.copy()
    exc_gap[1:] -= exc_end[:-1]
    exc_bytes = upper_b.translate(None, b"ACGT")
    exc_cum = np.zeros(exc_len.size + 1, dtype=np.int64)
    np.cumsum(exc_len, out=exc_cum[1:])
    first_bad_line = None
    if exc_bytes.translate(None, NUCLEOTIDE_BYTES):
        j = int(np.argmax(~_NUCLEOTIDE_OK[np.frombuffer(exc_bytes, dtype=np.uint8)]))
        i = int(np.searchsorted(exc_cum, j, side="right")) - 1
        pos = int(exc_start[i]) + j - int(exc_cum[i])
        seq_res_start = np.zeros(recs.seq_lines.size, dtype=np.int64)
        np.cumsum(recs.seq_len[:-1], out=seq_res_start[1:])
        line = int(np.searchsorted(seq_res_start, pos, side="right")) - 1
        first_bad_line = int(recs.seq_lines[line]) + 1
    # exceptions per record = (exceptions before its end) - (exceptions before its start)
    bounds = np.zeros(n_rec + 1, dtype=np.int64)
    np.cumsum(recs.rec_res, out=bounds[1:])
    runs = np.searchsorted(exc_end, bounds, side="right")  # runs ending at or before bound
    before = exc_cum[runs]
    partial = runs < exc_start.size
    ip = runs[partial]
    before[partial] += np.clip(bounds[partial] - exc_start[ip], 0, None)
    return _Residues(codes, n_res, toggles, exc_gap, exc_len, exc_bytes, np.diff(before), first_bad_line)


def _header_stream(arr: np.ndarray, lines: _Lines, recs: _Records) -> bytes:
    """HEADERS: every header line's content without '>', each followed by LF."""
    if not recs.hdr_lines.size:
        return b""
    h_start, h_end = lines.starts[recs.hdr_lines] + 1, lines.cend[recs.hdr_lines]
    h_content = arr[_range_mask(lines.n, h_start, h_end)]
    return np.insert(h_content, np.cumsum(h_end - h_start), np.uint8(_LF)).tobytes()


def _record_spans(data: bytes, lines: _Lines, recs: _Records, res: _Residues) -> list[RecordSpan]:
    rec_start = lines.starts[recs.first_line]
    rec_end = np.append(rec_start[1:], lines.n)
    h_start, h_end = lines.starts[recs.hdr_lines] + 1, lines.cend[recs.hdr_lines]
    headers: list[bytes | None] = [data[a:b] for a, b in zip(h_start.tolist(), h_end.tolist())]
    if recs.headerless:
        headers.insert(0, None)
    bases = recs.rec_res - res.rec_exc
    return [RecordSpan(h, s, e, r, b)
            for h, s, e, r, b in zip(headers, rec_start.tolist(), rec_end.tolist(),
                                     recs.rec_res.tolist(), bases.tolist())]


def parse_fasta(data: bytes | bytearray | memoryview) -> ParsedFasta:
    """Split any bytes into A/C/G/T codes and a layout (FORMAT.md section 7).

    >>> p = parse_fasta(b"acgt\\r\\nAC")
    >>> p.codes.tolist(), p.records[0].header, render_fasta(p.codes, p.layout)
    ([0, 1, 2, 3, 0, 1], None, b'acgt\\r\\nAC')
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    arr = np.frombuffer(data, dtype=np.uint8)
    lines = _split_lines(arr)
    recs = _find_records(lines)
    mode, k, run_len, run_count = _line_widths(recs)
    crlf = lines.cr.size > 0 and int(lines.cr.sum()) * 2 > lines.cr.size
    res = _residues(data, lines, recs)
    flags = (_FLAG_FINAL_EOL if lines.final_eol else 0) | (_FLAG_HEADERLESS if recs.headerless else 0) \
        | (_FLAG_CRLF if crlf else 0)
    layout = Layout(flags, _header_stream(arr, lines, recs), recs.rec_res, mode, recs.blanks, k, run_len,
                    run_count, np.flatnonzero(lines.cr != crlf), res.toggles, res.exc_gap, res.exc_len,
                    res.exc_bytes)
    return ParsedFasta(codes=res.codes, layout=layout.to_bytes(), records=_record_spans(data, lines, recs, res),
                       residues=res.n, exceptions=res.n - int(res.codes.size),
                       first_non_nucleotide_line=res.first_bad_line)


# ----------------------------------------------------------------------------- render stages


def _check_fields(L: Layout) -> None:
    for name, v in (("residues", L.rec_res), ("blank lines", L.blanks), ("line length", L.run_len),
                    ("line count", L.run_count), ("exception run", L.exc_len)):
        if v.size and int(v.max()) > _MAX_FIELD:
            raise FormatError(f"layout: {name} field out of range")
    if L.headerless and L.rec_res.size == 0:
        raise FormatError("layout: header-less first record but no records")


def _header_lengths(L: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(length of each header's content, all header contents without LF)."""
    hs = np.frombuffer(L.headers, dtype=np.uint8)
    h_lf = np.flatnonzero(hs == _LF)
    n_hdr = int(L.rec_res.size) - int(L.headerless)
    if h_lf.size != n_hdr or (hs.size and int(hs[-1]) != _LF):
        raise FormatError(f"layout: {h_lf.size} headers stored for {n_hdr} header lines")
    return np.diff(h_lf, prepend=-1) - 1, hs[hs != _LF]


def _line_lengths(L: Layout, h_len: np.ndarray, size: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(content length of every line, is it a header) from the records' modes; at most
    ``size`` + 1 lines (every line but the last ends in a byte)."""
    R, mode, n_rec = L.rec_res, L.mode, int(L.rec_res.size)
    explicit = mode == 0
    W = np.where(mode >= 2, mode - 1, 1)
    n_wrapped = np.where(mode >= 2, -(-R // W), 0)
    single = mode == 1
    main_val = np.where(single, R, W)
    main_cnt = np.where(single, (R > 0).astype(np.int64), np.maximum(n_wrapped - 1, 0))
    last_cnt = (n_wrapped > 0).astype(np.int64)
    last_val = np.where(last_cnt > 0, R - (n_wrapped - 1) * W, 0)
    k_rec = np.zeros(n_rec, dtype=np.int64)
    k_rec[explicit] = L.k
    if explicit.any():
        if (L.run_count < 1).any():
            raise FormatError("layout: empty run of explicit lines")
        run_rec = np.repeat(np.flatnonzero(explicit), L.k)
        x_res = np.bincount(run_rec, weights=L.run_len * L.run_count, minlength=n_rec)
        if not np.array_equal(x_res[explicit].astype(np.int64), R[explicit]):
            raise FormatError("layout: explicit line lengths do not add up to the residues")
    # slots: [header, main, last, explicit runs..., blanks] per record
    n_slots = 4 + k_rec
    off = np.zeros(n_rec + 1, dtype=np.int64)
    np.cumsum(n_slots, out=off[1:])
    off = off[:-1]
    total_slots = int(n_slots.sum())
    vals = np.zeros(total_slots, dtype=np.int64)
    cnts = np.zeros(total_slots, dtype=np.int64)
    kind = np.zeros(total_slots, dtype=np.int8)  # 1: header line
    has_hdr = np.ones(n_rec, dtype=bool)
    if L.headerless:
        has_hdr[0] = False
    vals[off[has_hdr]] = h_len + 1
    cnts[off[has_hdr]] = 1
    kind[off] = 1
    vals[off + 1], cnts[off + 1] = main_val, main_cnt
    vals[off + 2], cnts[off + 2] = last_val, last_cnt
    if L.k.size and int(L.k.sum()):
        xs = np.repeat(off[explicit] + 3, L.k)
        kstart = np.zeros(L.k.size, dtype=np.int64)
        np.cumsum(L.k[:-1], out=kstart[1:])
        xs += np.arange(xs.size, dtype=np.int64) - np.repeat(kstart, L.k)
        vals[xs], cnts[xs] = L.run_len, L.run_count
    vals[off + 3 + k_rec] = 0
    cnts[off + 3 + k_rec] = L.blanks
    if size is not None and int(cnts.sum()) > size + 1:
        raise FormatError(f"layout: {int(cnts.sum())} lines cannot fit in the {size} bytes of the block")
    return np.repeat(vals, cnts), np.repeat(kind, cnts).view(bool)


def _line_ends(L: Layout, n_lines: int) -> tuple[np.ndarray, np.ndarray]:
    """(CR flag, LF flag) of every line."""
    cr = np.full(n_lines, L.crlf)
    if L.eol_exc.size:
        if int(L.eol_exc[-1]) >= n_lines or int(L.eol_exc[0]) < 0:
            raise FormatError("layout: line-end exception past the last line")
        cr[L.eol_exc] = ~cr[L.eol_exc]
    lf = np.ones(n_lines, dtype=bool)
    if n_lines:
        lf[-1] = L.final_eol
    return cr, lf


def _residue_stream(L: Layout, codes: np.ndarray) -> np.ndarray:
    """The residues: exception runs, the codes as ACGT elsewhere, then the case toggles."""
    n_res = int(L.rec_res.sum())
    n_exc_res = int(L.exc_len.sum())
    if codes.size != n_res - n_exc_res:
        raise FormatError(f"layout expects {n_res - n_exc_res} codes, got {codes.size}")
    if codes.size and (codes.dtype.kind not in "ui" or int(codes.max()) > 3
                       or int(codes.min()) < 0):
        raise FormatError("codes must be integers 0..3")
    bases = codes.astype(np.uint8, copy=False).tobytes().translate(_BASE_TABLE)
    if L.exc_len.size:
        ex_end = np.cumsum(L.exc_gap + L.exc_len)
        ex_start = ex_end - L.exc_len
        if int(ex_end[-1]) > n_res:
            raise FormatError("layout: exception run past the residues")
        res = np.empty(n_res, dtype=np.uint8)
        _copy_runs(res, ex_start, L.exc_len, np.frombuffer(L.exc_bytes, dtype=np.uint8))
        gap_start = np.concatenate([[0], ex_end])  # the A/C/G/T between the exception runs
        gap_len = np.concatenate([ex_start, [n_res]]) - gap_start
        _copy_runs(res, gap_start, gap_len, np.frombuffer(bases, dtype=np.uint8))
    else:
        res = np.frombuffer(bases, dtype=np.uint8)
    if L.toggles.size:
        if int(L.toggles[-1]) >= n_res:
            raise FormatError("layout: case toggle past the residues")
        low_start = L.toggles[0::2]
        low_end = np.append(L.toggles[1::2], n_res)[: low_start.size]
        res = np.add(res, np.uint8(32), where=_range_mask(n_res, low_start, low_end), out=res.copy())
    return res


def render_fasta(codes: np.ndarray, layout: bytes, size: int | None = None, headers: bytes | None = None
                 ) -> bytes:
    """Rebuild the exact bytes :func:`parse_fasta` was given. ``headers``: the HEADERS of a
    layout stored without them (:func:`split_headers`).

    Raises :class:`~seqcoder.errors.FormatError` when the layout is malformed or does not fit
    ``codes``, or (``size``: the bytes an archive says the block has) describes another size:
    that is checked before the output is allocated, so a small layout claiming a huge file
    fails without taking the memory.

    >>> p = parse_fasta(b">chr\\nACGT\\nAC\\n\\n>empty\\n")
    >>> render_fasta(p.codes, p.layout)
    b'>chr\\nACGT\\nAC\\n\\n>empty\\n'
    """
    L = Layout.from_bytes(layout)
    if headers is not None:
        if L.headers:
            raise FormatError("layout: headers given for a layout that holds its own")
        L.headers = headers
    _check_fields(L)
    h_len, h_content = _header_lengths(L)
    res = _residue_stream(L, np.asarray(codes))
    line_len, line_hdr = _line_lengths(L, h_len, size)
    cr, lf = _line_ends(L, int(line_len.size))
    out_len = line_len + cr + lf
    out_start = np.zeros(line_len.size + 1, dtype=np.int64)
    np.cumsum(out_len, out=out_start[1:])
    total = int(out_start[-1])
    if size is not None and total != size:
        raise FormatError(f"layout describes {total} bytes, the archive {size}")
    out_start = out_start[:-1]
    out = np.empty(total, dtype=np.uint8)
    seq = ~line_hdr
    _copy_runs(out, out_start[seq], line_len[seq], res)
    if h_len.size:
        hst = out_start[line_hdr]
        out[hst] = _GT
        out[_range_mask(total, hst + 1, hst + line_len[line_hdr])] = h_content
    out[(out_start + line_len)[cr]] = _CR
    out[(out_start + out_len - 1)[lf]] = _LF
    return out.tobytes()


# ----------------------------------------------------------------------------- stats


def layout_stats(layout: bytes) -> dict[str, int | bool]:
    """Sizes and counts of a layout's parts, for reports.

    >>> s = layout_stats(parse_fasta(b">a\\nACGT\\nAC\\n").layout)
    >>> s["records"], s["wrapped_records"], s["total_bytes"]
    (1, 1, 13)
    """
    hpart, _, bpart, _ = _parts(layout)
    L = Layout.from_bytes(layout)
    return {
        "version": LAYOUT_VERSION,
        "total_bytes": len(layout),
        "header_bytes_stored": len(hpart),
        "header_bytes_raw": len(L.headers),
        "body_bytes_stored": len(bpart),
        "body_bytes_raw": len(L.body()),
        "records": int(L.rec_res.size),
        "residues": int(L.rec_res.sum()),
        "wrapped_records": int(np.count_nonzero(L.mode >= 2)),
        "single_line_records": int(np.count_nonzero(L.mode == 1)),
        "explicit_records": int(np.count_nonzero(L.mode == 0)),
        "explicit_runs": int(L.run_len.size),
        "blank_lines": int(L.blanks.sum()),
        "eol_exceptions": int(L.eol_exc.size),
        "crlf_default": L.crlf,
        "final_eol": L.final_eol,
        "case_toggles": int(L.toggles.size),
        "exception_runs": int(L.exc_len.size),
        "exception_residues": int(L.exc_len.sum()),
    }
