"""Outputs written atomically: a temporary file beside the target, renamed over it only when
everything was written, so a failure never leaves a partial file or clobbers an old one.
A *durable* write also flushes the file and its directory to the disk (fsync) before success
is reported, so a power loss right after cannot leave the name pointing at nothing: archives
are always written so. Decoded outputs are durable only when asked (``--sync``, as gzip's
``--synchronous``), since the archive still holds them and the flush costs a fifth of an
``unpack``'s time (docs/reliability.md)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, TypeVar, cast
from collections.abc import Callable

from ..errors import WriteError

T = TypeVar("T")
#: what a write can meet on a healthy machine: a full disk or quota, a read-only or forbidden place
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM,
                           errno.EIO})


def as_write_error(exc: OSError, target: str | os.PathLike, own: tuple[str, ...] = ()) -> OSError | WriteError:
    """``exc`` as one line naming ``target``, when it is the failure of a write to ``target``
    (no file name, or one of ``own``, the temporary names); other errors are returned as they are."""
    if exc.errno in _WRITE_ERRNOS and (exc.filename is None or str(exc.filename) in own):
        return WriteError(f"{target}: cannot write ({exc.strerror}); nothing was changed")
    return exc


def default_mode() -> int:
    """The permission bits a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def fsync_directory(path: str | os.PathLike) -> None:
    """Flush the directory entry of ``path`` (a new or renamed name) to the disk."""
    fd = os.open(Path(path).parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(target: str | os.PathLike, produce: Callable[[BinaryIO], T], *, durable: bool = True) -> T:
    """Call ``produce(stream)`` on a temporary file beside ``target``, then rename it there
    (``durable``: flushed to the disk first, and the directory after).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomically(p, lambda out: out.write(b"done")), p.read_bytes()
    (4, b'done')
    """
    target = Path(target)
    try:
        handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp",
                                             delete=False)
    except OSError as exc:
        raise as_write_error(exc, target, (str(exc.filename),)) from None
    try:
        with handle:
            result = produce(cast(BinaryIO, handle))
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(handle.name, default_mode())
        os.replace(handle.name, target)
        if durable:
            fsync_directory(target)
    except BaseException as exc:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise as_write_error(exc, target, (handle.name,)) from None
        raise
    return result
