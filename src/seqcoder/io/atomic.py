"""Outputs written atomically: a temporary file beside the target, renamed over it only when
everything was written, so a failure never leaves a partial file or clobbers an old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, TypeVar, cast
from collections.abc import Callable

T = TypeVar("T")


def default_mode() -> int:
    """The permission bits a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(target: str | os.PathLike, produce: Callable[[BinaryIO], T]) -> T:
    """Call ``produce(stream)`` on a temporary file beside ``target``, then rename it there.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomically(p, lambda out: out.write(b"done")), p.read_bytes()
    (4, b'done')
    """
    target = Path(target)
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp",
                                         delete=False)
    try:
        with handle:
            result = produce(cast(BinaryIO, handle))
        os.chmod(handle.name, default_mode())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return result
