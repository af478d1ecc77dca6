"""One writer at a time: an exclusive ``flock`` on the file being changed in place.

Whoever changes an archive in place (``add``, ``repair``, ``pack -f`` over it) holds the lock
for the whole change. A second writer *waits* for it (``on_wait`` is told once, so the CLI can
say why it is waiting), or, with ``wait=False``, fails at once with :class:`LockedError`.
Readers never take the lock: the archive format lets them find the last complete state while
a writer appends (FORMAT.md, "Collection archives"); :func:`held_by_another` only tells them
whether the bytes after that state belong to a running writer or to an interrupted one.

``flock`` locks belong to the open file, so the kernel drops them when their holder dies
(``kill -9`` included): a crashed writer never leaves a stale lock behind. On NFS, Linux maps
``flock`` to POSIX record locks, which the server arbitrates.

>>> import tempfile
>>> with tempfile.TemporaryFile() as f, exclusive(f, "x"):
...     held_by_another(f)
False
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..errors import SeqcoderError


class LockedError(SeqcoderError):
    """Another process is writing the file, and the caller chose not to wait."""


def _fd(f: IO[Any] | int) -> int:
    return f if isinstance(f, int) else f.fileno()


@contextlib.contextmanager
def exclusive(f: IO[Any] | int, path: str | os.PathLike, *, wait: bool = True,
              on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the open file ``f`` (``path`` only names it in messages)."""
    fd = _fd(f)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not wait:
            raise LockedError(f"{path}: another seqcoder process is writing it; try again when it "
                              "has finished") from None
        if on_wait is not None:
            on_wait(f"{path}: another seqcoder process is writing it; waiting for it to finish")
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def held_by_another(f: IO[Any] | int) -> bool:
    """True when some other open file holds an exclusive lock on ``f``'s file (a writer is at
    work). Probes with a shared lock that is let go at once, so it never delays a writer."""
    fd = _fd(f)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False
