"""The last complete state of a collection archive, and cleaning up after an interrupted add.

An ``add`` only ever appends (member blocks, then an index and a trailer after the old trailer),
so the archive as it was before the add is still there, byte for byte, whatever happened to the
add (``kill -9``, a power loss, a full disk). Its end is found by scanning back from the end of
the file for the last trailer whose index passes its checksum::

    | header | blocks | index | trailer | new blocks ... (cut short) |
                                        ^ last complete state ends here

A file that ends in a trailer is read through that trailer only: there, a bad index is damage,
not an interrupted add, and is an error. Cleaning up (``repair``, or the next ``add``) cuts the
file back to the end of its last complete state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import FormatError
from ..io.atomic import fsync_directory
from ..io.lock import exclusive
from .format import TRAILER_MAGIC, TRAILER_SIZE, VERSION, CollectionHeader, CollectionIndex, read_index_at

_SCAN_CHUNK = 1 << 20
_SMALLEST_INDEX = 5  # tag, a zero member count, crc32


@dataclass(frozen=True, slots=True)
class State:
    """A complete state of an archive: its index, where the index starts and where it ends."""

    index: CollectionIndex
    index_offset: int
    end: int  #: bytes of the archive in this state (through its trailer)
    file_size: int  #: bytes in the file; more than ``end`` after an interrupted add

    @property
    def leftover(self) -> int:
        """Bytes after the state that an interrupted add left behind."""
        return self.file_size - self.end


def check_blocks(index: CollectionIndex, header_size: int, index_offset: int, path: str | None = None) -> None:
    """Every member block lies after the previous one, between the header and the index."""
    pos = header_size
    for m in index.members:
        if m.offset < pos or m.offset + m.size > index_offset:
            raise FormatError(f"member {m.name!r}: block outside the archive's data", m.offset, path)
        pos = m.offset + m.size


def _state_at(stream: BinaryIO, end: int, size: int, header_size: int, path: str | None, version: int) -> State:
    index, start = read_index_at(stream, end, path, version)
    if start < header_size:
        raise FormatError("trailer points into the header", end - TRAILER_SIZE, path)
    check_blocks(index, header_size, start, path)
    return State(index, start, end, size)


def _trailer_ends(stream: BinaryIO, lowest: int, size: int) -> Iterator[int]:
    """Ends of the trailer magics at or after ``lowest``, last first, read a chunk at a time."""
    hi = size
    while hi > lowest:
        lo = max(lowest, hi - _SCAN_CHUNK)
        stream.seek(lo)
        buf = stream.read(hi - lo + len(TRAILER_MAGIC) - 1)  # a magic may straddle the chunk's end
        ends = []
        at = buf.rfind(TRAILER_MAGIC)
        while at >= 0:
            if lo + at < hi:
                ends.append(lo + at + len(TRAILER_MAGIC))
            at = buf.rfind(TRAILER_MAGIC, 0, at + len(TRAILER_MAGIC) - 1)
        yield from ends
        hi = lo


def last_complete_state(stream: BinaryIO, header_size: int, path: str | None = None, version: int = VERSION
                        ) -> State:
    """The state of the archive in ``stream`` that its last complete add (or pack) left."""
    size = stream.seek(0, 2)
    stream.seek(max(0, size - len(TRAILER_MAGIC)))
    if stream.read(len(TRAILER_MAGIC)) == TRAILER_MAGIC:
        return _state_at(stream, size, size, header_size, path, version)
    lowest = header_size + _SMALLEST_INDEX + TRAILER_SIZE - len(TRAILER_MAGIC)
    for end in _trailer_ends(stream, lowest, size):
        try:
            return _state_at(stream, end, size, header_size, path, version)
        except FormatError:
            continue  # the magic's bytes inside a member block, or an index cut short
    raise FormatError("no complete archive in the file: no trailer whose member index passes its "
                      "checksum (truncated before its first pack finished?)", size, path)


def cut_back(f: BinaryIO, state: State) -> None:
    """Remove what an interrupted add left after ``state`` (the caller holds the lock)."""
    if state.leftover:
        f.truncate(state.end)
        f.flush()
        os.fsync(f.fileno())


@dataclass(frozen=True, slots=True)
class RepairReport:
    members: int  #: members of the archive's last complete state
    removed: int  #: bytes of interrupted adds cut off


def repair(path: str | os.PathLike, *, wait: bool = True,
           on_wait: Callable[[str], None] | None = None) -> RepairReport:
    """Cut the archive at ``path`` back to its last complete state (waits for a running writer).

    A complete archive is left as it is (``removed`` is 0)."""
    name = str(path)
    with open(path, "r+b") as f, exclusive(f, name, wait=wait, on_wait=on_wait):
        header, header_size = CollectionHeader.read(f, name)
        state = last_complete_state(f, header_size, name, header.version)
        cut_back(f, state)
    if state.leftover:
        fsync_directory(path)
    return RepairReport(len(state.index.members), state.leftover)
