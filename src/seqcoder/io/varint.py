"""Vectorised unsigned LEB128 varints.

A value is written 7 bits at a time, least significant group first; every byte but the last
of a value has its high bit (0x80) set. Values are unsigned 64-bit integers (at most 10 bytes).

>>> encode_uvarints([0, 127, 128, 300]).hex()
'007f8001ac02'
>>> decode_uvarints(bytes.fromhex('007f8001ac02'), 0, 4)[0].tolist()
[0, 127, 128, 300]
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from seqcoder.errors import FormatError

_SHIFTS = (np.arange(10, dtype=np.uint64) * np.uint64(7)).astype(np.uint64)
_THRESHOLDS = np.array([1 << (7 * k) for k in range(1, 10)], dtype=np.uint64)


def encode_uvarints(values: Iterable[int] | np.ndarray) -> bytes:
    """Encode non-negative integers as concatenated LEB128 varints.

    >>> encode_uvarints(np.array([1, 2, 16384])).hex()
    '0102808001'
    """
    v = np.asarray(values)
    if v.size == 0:
        return b""
    if v.dtype.kind == "i" and int(v.min()) < 0:
        raise ValueError("varints hold non-negative integers only")
    v = v.astype(np.uint64, copy=False).reshape(-1)
    nbytes = 1 + (v[:, None] >= _THRESHOLDS[None, :]).sum(axis=1)
    groups = ((v[:, None] >> _SHIFTS[None, :]) & np.uint64(0x7F)).astype(np.uint8)
    col = np.arange(10)[None, :]
    groups |= (col < (nbytes - 1)[:, None]).astype(np.uint8) << 7
    return groups[col < nbytes[:, None]].tobytes()


def encode_uvarint(value: int) -> bytes:
    """Encode one non-negative integer.

    >>> encode_uvarint(300).hex()
    'ac02'
    """
    if value < 0:
        raise ValueError("varints hold non-negative integers only")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_uvarints(buf: bytes, offset: int, count: int) -> tuple[np.ndarray, int]:
    """Decode ``count`` varints from ``buf`` at ``offset``; return (uint64 array, next offset).

    Raises :class:`~seqcoder.errors.FormatError` when the buffer ends too early or a varint is
    longer than 10 bytes.

    >>> decode_uvarints(b'\\x05\\x81\\x01', 0, 2)[0].tolist()
    [5, 129]
    """
    if count < 0:
        raise FormatError("negative varint count", offset)
    if count == 0:
        return np.zeros(0, dtype=np.uint64), offset
    b = np.frombuffer(buf, dtype=np.uint8, offset=offset, count=min(len(buf) - offset, count * 10)) \
        if offset <= len(buf) else np.zeros(0, dtype=np.uint8)
    ends = np.flatnonzero(b < 0x80)[:count]
    if ends.size < count:
        raise FormatError(f"truncated varint list ({ends.size} of {count} values)", offset)
    used = int(ends[-1]) + 1
    starts = np.empty(count, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lens = ends - starts + 1
    if int(lens.max()) > 10:
        raise FormatError("varint longer than 10 bytes", offset)
    pos_in_value = np.arange(used, dtype=np.int64) - np.repeat(starts, lens)
    vals = (b[:used] & 0x7F).astype(np.uint64) << (pos_in_value.astype(np.uint64) * np.uint64(7))
    return np.add.reduceat(vals, starts), offset + used


class VarintReader:
    """Sequential reader of varints from a byte string.

    >>> r = VarintReader(encode_uvarints([3, 1, 2, 3]))
    >>> n = r.one(); r.many(n).tolist(), r.at_end()
    ([1, 2, 3], True)
    """

    def __init__(self, buf: bytes, offset: int = 0):
        self.buf = buf
        self.pos = offset

    def one(self) -> int:
        """Read one varint as a Python int."""
        value, shift = 0, 0
        while True:
            if self.pos >= len(self.buf):
                raise FormatError("truncated varint", self.pos)
            byte = self.buf[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift > 63:
                raise FormatError("varint longer than 10 bytes", self.pos)

    def many(self, count: int) -> np.ndarray:
        """Read ``count`` varints as an int64 array (values must fit in int64)."""
        values, self.pos = decode_uvarints(self.buf, self.pos, count)
        if values.size and int(values.max()) >= 1 << 62:
            raise FormatError("varint value out of range", self.pos)
        return values.astype(np.int64)

    def raw(self, count: int) -> bytes:
        """Read ``count`` raw bytes."""
        if count < 0 or self.pos + count > len(self.buf):
            raise FormatError("truncated byte field", self.pos)
        out = self.buf[self.pos:self.pos + count]
        self.pos += count
        return bytes(out)

    def at_end(self) -> bool:
        """True when every byte has been read."""
        return self.pos == len(self.buf)
