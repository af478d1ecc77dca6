"""The FASTA layer every codec shares: FASTA bytes <-> (A/C/G/T code stream + compact layout).

:func:`parse_fasta` accepts ANY bytes and splits them into

* ``codes``: one uint8 (``A=0 C=1 G=2 T=3``) for every A/C/G/T (either case) of every sequence
  line, in file order, and
* ``layout``: everything else (headers, line lengths, line ends, case, non-ACGT bytes), packed
  and compressed,

and :func:`render_fasta` puts them back together byte for byte.

>>> p = parse_fasta(b">r1 demo\\nACGTNNac\\ngt\\n")
>>> p.codes.tolist(), p.residues, p.exceptions
([0, 1, 2, 3, 0, 1, 2, 3], 10, 2)
>>> render_fasta(p.codes, p.layout)
b'>r1 demo\\nACGTNNac\\ngt\\n'

Line model
----------
The input is split on LF (0x0A). If the input ends with LF, the empty piece after the last LF is
not a line (so ``b""`` has no lines, ``b"A\\n"`` one line with an LF, ``b"A"`` one line without).
Every line but the last is followed by LF; the last one is followed by LF iff the input ends with
LF (``final_eol``). A line whose bytes (before its LF, if any) end with CR (0x0D) has a *CR flag*:
that CR is not part of the line's content. A line whose content starts with ``>`` is a *header*;
every other line is a *sequence line* (empty lines included). A *record* is a header line with the
sequence lines after it, up to the next header; sequence lines before the first header form a
record without header (a bare sequence, or a block that starts inside a record). The *residues* are
the contents of all sequence lines, concatenated in order (the residue stream).

Within a record, the trailing empty sequence lines are its *blank* lines; the sequence lines before
them are its *body* lines (the last body line is non-empty). The body is stored as one of:

* mode 1, *single line*: no body line if the record has no residues, else one line holding all;
* mode ``W + 1`` (W >= 1), *wrapped at W*: ``ceil(R / W)`` lines (R = the record's residues),
  all of length W but the last (which holds 1..W residues); used when the record has >= 2 body
  lines and they fit that pattern;
* mode 0, *explicit*: run-length pairs (length, count) of the body line lengths.

Residues are upper-cased (a-z -> A-Z) and the positions where the case toggles are kept. An
upper-cased residue that is not A/C/G/T is an *exception* (N, IUPAC codes, '-', '*', a lone CR,
any byte): the runs of consecutive exceptions are kept as (gap, length) and their bytes in one
string (zstd turns a run of N into a few bytes), and they are left out of ``codes``.

LAYOUT section, version 1 (exact byte layout)
---------------------------------------------
All integers are unsigned LEB128 varints (7 bits per byte, least significant group first, high bit
set on every byte but the last) unless a width is given. "inc-list" is how a strictly increasing
list of positions ``p0 < p1 < ...`` is stored: ``p0, p1 - p0 - 1, p2 - p1 - 1, ...``.

::

    layout   := version:u8 (=1) | method:u8 | hsize:varint | hpart[hsize] | bpart[rest]
    method   := bit 0 set: hpart is one zstd frame (else HEADERS raw);
                bit 1 set: bpart is one zstd frame (else BODY raw); other bits 0
                (each part is stored raw when zstd would not make it smaller; zstd frames carry
                their content size)
    HEADERS  := for each header line in order: its content without the leading '>', then 0x0A
    BODY     := flags
                n_records
                R[n_records]            residues of each record (body lines; blanks have none)
                mode[n_records]         0 explicit, 1 single line, W+1 wrapped at W
                blanks[n_records]       trailing empty sequence lines of each record
                k[n_explicit]           for each mode-0 record in order: its number of runs
                run_len[sum k]          line length of each run (all explicit records, in order)
                run_count[sum k]        lines in each run (>= 1)
                n_eol_exc, eol_exc: inc-list[n_eol_exc]
                                        line indices (0-based, over all lines of the block,
                                        headers included) whose CR flag differs from the default
                n_case, case: inc-list[n_case]
                                        residue positions where the case toggles; residue 0 is
                                        upper case before the first toggle (a toggle at 0 makes
                                        it lower case); lower case = byte + 0x20 of the stored
                                        upper-case byte
                n_exc, exc_gap[n_exc], exc_len_minus_1[n_exc]
                                        maximal runs of exception residues (upper-cased residue
                                        that is not A/C/G/T): run i starts at the end of run i-1
                                        (0 for the first) + exc_gap[i] and covers
                                        exc_len_minus_1[i] + 1 residues
                exc_bytes:u8[sum of the run lengths]
                                        the upper-cased exception residues, in order
                (end of BODY: no byte may follow)
    flags    := bit 0 final_eol; bit 1 the first record has no header (all others have one);
                bit 2 the default line end is CRLF (CR flag set on every line not in eol_exc)

Rendering: the lines of record r are its header line (if any, content ``'>' + header``), its body
lines (by mode), then ``blanks[r]`` empty lines; every line gets a CR if its CR flag is set and
an LF unless it is the last line of the block and final_eol is 0. The residue stream has
``sum(R)`` bytes: exception runs, the rest filled from ``codes`` in order (``ACGT``), then the
case toggles applied. The number of codes must be ``sum(R) - sum(exc_len)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seqcoder.alphabet import BYTE_OF_CODE, CODE_OF_BYTE
from seqcoder.errors import FormatError
from seqcoder.format import zstd
from seqcoder.format.varint import VarintReader, encode_uvarint, encode_uvarints

__all__ = [
    "LAYOUT_VERSION",
    "ParsedFasta",
    "RecordSpan",
    "layout_stats",
    "parse_fasta",
    "render_fasta",
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


# ----------------------------------------------------------------------------- parse


def parse_fasta(data: bytes | bytearray | memoryview) -> ParsedFasta:
    """Split any bytes into A/C/G/T codes and a layout (see the module docstring).

    >>> p = parse_fasta(b"acgt\\r\\nAC")
    >>> p.codes.tolist(), p.records[0].header, render_fasta(p.codes, p.layout)
    ([0, 1, 2, 3, 0, 1], None, b'acgt\\r\\nAC')
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    arr = np.frombuffer(data, dtype=np.uint8)
    n = int(arr.size)

    # ---- lines
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
    raw_len = ends - starts
    nonempty = raw_len > 0
    cr = nonempty & (arr[np.maximum(ends - 1, 0)] == _CR) if n_lines else np.zeros(0, dtype=bool)
    cend = ends - cr  # content end
    clen = cend - starts
    is_hdr = nonempty & (arr[np.minimum(starts, max(n - 1, 0))] == _GT) if n_lines \
        else np.zeros(0, dtype=bool)

    # ---- records
    hdr_lines = np.flatnonzero(is_hdr)
    headerless = n_lines > 0 and not bool(is_hdr[0])
    rec_first_line = np.concatenate([[0], hdr_lines]) if headerless else hdr_lines
    n_rec = int(rec_first_line.size)
    rec_of_line = np.cumsum(is_hdr, dtype=np.int64) - (0 if headerless else 1)

    seq_lines = np.flatnonzero(~is_hdr)
    seq_len = clen[seq_lines]
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

    # line-width model
    mode = np.ones(n_rec, dtype=np.int64)
    multi = n_body >= 2
    if multi.any():
        width = body_len[np.minimum(body_start[:-1], max(body_len.size - 1, 0))]
        w_line = width[body_rec]
        last_flag = np.zeros(body_len.size, dtype=bool)
        last_flag[body_start[1:][n_body > 0] - 1] = True
        bad = np.where(last_flag, body_len > w_line, body_len != w_line)
        n_bad = np.bincount(body_rec[bad], minlength=n_rec)
        mode = np.where(multi, np.where(n_bad == 0, width + 1, 0), 1).astype(np.int64)
    explicit = mode == 0
    if explicit.any():
        xl = explicit[body_rec]
        x_len, x_rec = body_len[xl], body_rec[xl]
        new_run = np.ones(x_len.size, dtype=bool)
        new_run[1:] = (x_len[1:] != x_len[:-1]) | (x_rec[1:] != x_rec[:-1])
        run_idx = np.flatnonzero(new_run)
        run_len = x_len[run_idx]
        run_count = np.diff(np.append(run_idx, x_len.size))
        k = np.bincount(x_rec[run_idx], minlength=n_rec)[explicit]
    else:
        run_len = run_count = k = np.zeros(0, dtype=np.int64)

    # ---- EOLs
    crlf_default = n_lines > 0 and int(cr.sum()) * 2 > n_lines
    eol_exc = np.flatnonzero(cr != crlf_default)

    # ---- residues (bytes-level C loops: join, replace, upper, translate)
    if hdr_lines.size == 0:
        seq_text = data
    else:
        reg_start = starts[rec_first_line]
        reg_start[int(headerless):] = np.minimum(ends[hdr_lines] + 1, n)
        reg_end = np.append(starts[rec_first_line[1:]], n)
        seq_text = b"".join([data[x:y] for x, y in zip(reg_start.tolist(), reg_end.tolist())])
    if n_lines and bool(cr.any()):
        seq_text = seq_text.replace(b"\r\n", b"\n")
        if not final_eol and bool(cr[-1]) and not bool(is_hdr[-1]):
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
    n_exc = n_res - int(codes.size)
    first_bad_line: int | None = None
    rec_exc = np.zeros(n_rec, dtype=np.int64)
    if n_exc:
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
        if exc_bytes.translate(None, NUCLEOTIDE_BYTES):
            j = int(np.argmax(~_NUCLEOTIDE_OK[np.frombuffer(exc_bytes, dtype=np.uint8)]))
            i = int(np.searchsorted(exc_cum, j, side="right")) - 1
            pos = int(exc_start[i]) + j - int(exc_cum[i])
            seq_res_start = np.zeros(seq_lines.size, dtype=np.int64)
            np.cumsum(seq_len[:-1], out=seq_res_start[1:])
            line = int(np.searchsorted(seq_res_start, pos, side="right")) - 1
            first_bad_line = int(seq_lines[line]) + 1
        # exceptions per record = (exceptions before its end) - (exceptions before its start)
        bounds = np.zeros(n_rec + 1, dtype=np.int64)
        np.cumsum(rec_res, out=bounds[1:])
        runs = np.searchsorted(exc_end, bounds, side="right")  # runs ending at or before bound
        before = exc_cum[runs]
        partial = runs < exc_start.size
        ip = runs[partial]
        before[partial] += np.clip(bounds[partial] - exc_start[ip], 0, None)
        rec_exc = np.diff(before)
    else:
        exc_gap = exc_len = np.zeros(0, dtype=np.int64)
        exc_bytes = b""

    # ---- headers
    h_start, h_end = starts[hdr_lines] + 1, cend[hdr_lines]
    if hdr_lines.size:
        h_content = arr[_range_mask(n, h_start, h_end)]
        hstream = np.insert(h_content, np.cumsum(h_end - h_start), np.uint8(_LF)).tobytes()
    else:
        hstream = b""

    # ---- serialize
    flags = (_FLAG_FINAL_EOL if final_eol else 0) | (_FLAG_HEADERLESS if headerless else 0) \
        | (_FLAG_CRLF if crlf_default else 0)
    body = b"".join([
        encode_uvarint(flags),
        encode_uvarint(n_rec),
        encode_uvarints(rec_res),
        encode_uvarints(mode),
        encode_uvarints(blanks),
        encode_uvarints(k),
        encode_uvarints(run_len),
        encode_uvarints(run_count),
        encode_uvarint(int(eol_exc.size)),
        encode_uvarints(_inc_list(eol_exc)),
        encode_uvarint(int(toggles.size)),
        encode_uvarints(_inc_list(toggles)),
        encode_uvarint(int(exc_len.size)),
        encode_uvarints(exc_gap),
        encode_uvarints(exc_len - 1),
        exc_bytes,
    ])
    hpart, hz = _pack(hstream)
    bpart, bz = _pack(body)
    layout = b"".join([
        bytes([LAYOUT_VERSION, (_METHOD_HZSTD if hz else 0) | (_METHOD_BZSTD if bz else 0)]),
        encode_uvarint(len(hpart)),
        hpart,
        bpart,
    ])

    # ---- records
    rec_start = starts[rec_first_line]
    rec_end = np.append(rec_start[1:], n)
    headers: list[bytes | None] = [data[a:b] for a, b in zip(h_start.tolist(), h_end.tolist())]
    if headerless:
        headers.insert(0, None)
    bases = rec_res - rec_exc
    records = [
        RecordSpan(h, s, e, r, b)
        for h, s, e, r, b in zip(headers, rec_start.tolist(), rec_end.tolist(),
                                 rec_res.tolist(), bases.tolist())
    ]
    return ParsedFasta(
        codes=codes,
        layout=layout,
        records=records,
        residues=n_res,
        exceptions=n_exc,
        first_non_nucleotide_line=first_bad_line,
    )


# ----------------------------------------------------------------------------- layout decode


@dataclass(slots=True)
class _Layout:
    flags: int
    hstream: bytes
    hstored: int
    bstored: int
    braw: int
    rec_res: np.ndarray
    mode: np.ndarray
    blanks: np.ndarray
    k: np.ndarray
    run_len: np.ndarray
    run_count: np.ndarray
    eol_exc: np.ndarray
    toggles: np.ndarray
    exc_gap: np.ndarray
    exc_len: np.ndarray
    exc_bytes: bytes


def _read_layout(layout: bytes) -> _Layout:
    if len(layout) < 3:
        raise FormatError("layout section too short")
    if layout[0] != LAYOUT_VERSION:
        raise FormatError(f"unknown layout version {layout[0]}", 0)
    method = layout[1]
    if method & ~(_METHOD_HZSTD | _METHOD_BZSTD):
        raise FormatError(f"unknown layout method bits {method:#x}", 1)
    r = VarintReader(layout, 2)
    hsize = r.one()
    hpart = r.raw(hsize)
    bpart = bytes(layout[r.pos:])
    hstream = _unpack(hpart, bool(method & _METHOD_HZSTD), "headers")
    body = _unpack(bpart, bool(method & _METHOD_BZSTD), "body")
    b = VarintReader(body)
    flags = b.one()
    if flags & ~7:
        raise FormatError(f"unknown layout flags {flags:#x}")
    n_rec = b.one()
    if n_rec > len(body):
        raise FormatError("layout record count out of range")
    rec_res, mode, blanks = b.many(n_rec), b.many(n_rec), b.many(n_rec)
    k = b.many(int(np.count_nonzero(mode == 0)))
    n_runs = int(k.sum())
    if n_runs > len(body):
        raise FormatError("layout run count out of range")
    run_len, run_count = b.many(n_runs), b.many(n_runs)
    eol_exc = _from_inc_list(b.many(b.one()))
    toggles = _from_inc_list(b.many(b.one()))
    n_exc = b.one()
    exc_gap, exc_len = b.many(n_exc), b.many(n_exc) + 1
    if n_exc and int(exc_len.max()) > len(body):
        raise FormatError("layout: exception run longer than the layout")
    exc_bytes = b.raw(int(exc_len.sum()))
    if not b.at_end():
        raise FormatError("trailing bytes after the layout body")
    return _Layout(flags, hstream, len(hpart), len(bpart), len(body), rec_res, mode, blanks, k,
                   run_len, run_count, eol_exc, toggles, exc_gap, exc_len, exc_bytes)


# ----------------------------------------------------------------------------- render


def render_fasta(codes: np.ndarray, layout: bytes) -> bytes:
    """Rebuild the exact bytes :func:`parse_fasta` was given.

    Raises :class:`~seqcoder.errors.FormatError` when the layout is malformed or does not fit
    ``codes``.

    >>> p = parse_fasta(b">chr\\nACGT\\nAC\\n\\n>empty\\n")
    >>> render_fasta(p.codes, p.layout)
    b'>chr\\nACGT\\nAC\\n\\n>empty\\n'
    """
    L = _read_layout(layout)
    codes = np.asarray(codes)
    n_rec = int(L.rec_res.size)
    headerless = bool(L.flags & _FLAG_HEADERLESS)
    final_eol = bool(L.flags & _FLAG_FINAL_EOL)
    if headerless and n_rec == 0:
        raise FormatError("layout: header-less first record but no records")

    # headers
    hs = np.frombuffer(L.hstream, dtype=np.uint8)
    h_lf = np.flatnonzero(hs == _LF)
    n_hdr = n_rec - (1 if headerless else 0)
    if h_lf.size != n_hdr or (hs.size and int(hs[-1]) != _LF):
        raise FormatError(f"layout: {h_lf.size} headers stored for {n_hdr} header lines")
    h_len = np.diff(h_lf, prepend=-1) - 1
    h_content = hs[hs != _LF]

    # residues per record -> body lines
    R, mode = L.rec_res, L.mode
    for name, v in (("residues", R), ("blank lines", L.blanks), ("line length", L.run_len),
                    ("line count", L.run_count), ("exception run", L.exc_len)):
        if v.size and int(v.max()) > _MAX_FIELD:
            raise FormatError(f"layout: {name} field out of range")
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
    if headerless:
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
    line_len = np.repeat(vals, cnts)
    line_hdr = np.repeat(kind, cnts).view(bool)
    n_lines = int(line_len.size)

    # line ends
    cr = np.full(n_lines, bool(L.flags & _FLAG_CRLF))
    if L.eol_exc.size:
        if int(L.eol_exc[-1]) >= n_lines or int(L.eol_exc[0]) < 0:
            raise FormatError("layout: line-end exception past the last line")
        cr[L.eol_exc] = ~cr[L.eol_exc]
    lf = np.ones(n_lines, dtype=bool)
    if n_lines:
        lf[-1] = final_eol
    out_len = line_len + cr + lf
    out_start = np.zeros(n_lines + 1, dtype=np.int64)
    np.cumsum(out_len, out=out_start[1:])
    total = int(out_start[-1])
    out_start = out_start[:-1]

    # residue stream
    n_res = int(R.sum())
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
        emask = _range_mask(n_res, ex_start, ex_end)
        res[emask] = np.frombuffer(L.exc_bytes, dtype=np.uint8)
        res[~emask] = np.frombuffer(bases, dtype=np.uint8)
        del emask
    else:
        res = np.frombuffer(bases, dtype=np.uint8)
    if L.toggles.size:
        if int(L.toggles[-1]) >= n_res:
            raise FormatError("layout: case toggle past the residues")
        low_start = L.toggles[0::2]
        low_end = np.append(L.toggles[1::2], n_res)[: low_start.size]
        res = np.add(res, np.uint8(32), where=_range_mask(n_res, low_start, low_end), out=res.copy())

    # assemble
    out = np.empty(total, dtype=np.uint8)
    seq = ~line_hdr
    out[_range_mask(total, out_start[seq], out_start[seq] + line_len[seq])] = res
    if n_hdr:
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
    L = _read_layout(layout)
    return {
        "version": LAYOUT_VERSION,
        "total_bytes": len(layout),
        "header_bytes_stored": L.hstored,
        "header_bytes_raw": len(L.hstream),
        "body_bytes_stored": L.bstored,
        "body_bytes_raw": L.braw,
        "records": int(L.rec_res.size),
        "residues": int(L.rec_res.sum()),
        "wrapped_records": int(np.count_nonzero(L.mode >= 2)),
        "single_line_records": int(np.count_nonzero(L.mode == 1)),
        "explicit_records": int(np.count_nonzero(L.mode == 0)),
        "explicit_runs": int(L.run_len.size),
        "blank_lines": int(L.blanks.sum()),
        "eol_exceptions": int(L.eol_exc.size),
        "crlf_default": bool(L.flags & _FLAG_CRLF),
        "final_eol": bool(L.flags & _FLAG_FINAL_EOL),
        "case_toggles": int(L.toggles.size),
        "exception_runs": int(L.exc_len.size),
        "exception_residues": int(L.exc_len.sum()),
    }
