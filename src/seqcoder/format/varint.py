"""Vectorised unsigned LEB128 varints.

A value is written 7 bits at a time, least significant group first; every byte but the last
of a value has its high bit (0x80) set. Values are unsigned 64-bit integers (at most 10 bytes).

>>> encode_uvarints([0, 127, 128, 300]).hex()
'007f8001ac02'
>>> decode_uvarints(bytes.fromhex('007f8001ac02'), 0, 4)[0].tolist()
[0, 127, 128, 300]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..errors import FormatError

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
    if int(v.max()) < 0x80:
        return v.astype(np.uint8).tobytes()
    nbytes = np.ones(v.size, dtype=np.int64)
    for threshold in _THRESHOLDS:
        big = v >= threshold
        if not big.any():
            break
        nbytes += big
    start = np.zeros(v.size, dtype=np.int64)
    np.cumsum(nbytes[:-1], out=start[1:])
    out = np.empty(int(start[-1] + nbytes[-1]), dtype=np.uint8)
    for k in range(int(nbytes.max())):
        sel = np.flatnonzero(nbytes > k)
        group = ((v[sel] >> _SHIFTS[k]) & np.uint64(0x7F)).astype(np.uint8)
        group[nbytes[sel] > k + 1] |= 0x80
        out[start[sel] + k] = group
    return out.tobytes()


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
    avail = max(len(buf) - offset, 0)
    ends = np.zeros(0, dtype=np.int64)
    for window in (count + count // 8 + 16, count * 10):
        b = np.frombuffer(buf, dtype=np.uint8, offset=min(offset, len(buf)),
                          count=min(avail, window))
        ends = np.flatnonzero(b < 0x80)[:count]
        if ends.size == count or window >= avail:
            break
    if ends.size < count:
        raise FormatError(f"truncated varint list ({ends.size} of {count} values)", offset)
    used = int(ends[-1]) + 1
    if used == count:  # every value is one byte
        return b[:count].astype(np.uint64), offset + used
    lens = np.diff(ends, prepend=-1)
    if int(lens.max()) > 10:
        raise FormatError("varint longer than 10 bytes", offset)
    vals = b[ends].astype(np.uint64)
    for k in range(1, int(lens.max())):
        sel = np.flatnonzero(lens > k)
        vals[sel] = (vals[sel] << np.uint64(7)) | (b[ends[sel] - k] & 0x7F).astype(np.uint64)
    return vals, offset + used


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
