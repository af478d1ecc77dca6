"""One child process, measured alone: wall time, CPU time and peak memory of the tool itself.
Every benchmark runs its tools through :func:`measure` (``seqcoder bench`` and
``seqcoder bench collections``), so their figures mean the same thing."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class Measured:
    wall_s: float
    cpu_s: float  #: user + system time of the child
    peak_rss_kib: int
    returncode: int
    reason: str = ""  #: why it did not finish by itself ("timed out after ...")


@functools.cache
def find_gnu_time() -> str | None:
    """GNU time, if installed: it forks the tool from a ~1 MiB process (see :func:`measure`)."""
    for cand in ("/usr/bin/time", shutil.which("gtime")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            try:
                r = subprocess.run([cand, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, timeout=10)
            except (OSError, subprocess.SubprocessError):
                continue
            if r.returncode == 0:
                return cand
    return None


def rss_method() -> str:
    gnu_time = find_gnu_time()
    if gnu_time:
        return f"ru_maxrss of the tool's process (wait4, reported by GNU time {gnu_time} %M), KiB"
    return ("ru_maxrss of the child (os.wait4), KiB; GNU time is missing, so small values include the "
            "harness's own RSS, which Linux carries into the child at exec")


def measure(argv: Sequence[str], *, stdin: IO[Any] | int = subprocess.DEVNULL,
            stdout: IO[Any] | int = subprocess.DEVNULL, stderr: IO[Any] | int = subprocess.DEVNULL,
            cwd: str | os.PathLike | None = None, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> Measured:
    """Run ``argv`` to its end (killed after ``timeout`` seconds) and measure it. Raises
    :class:`OSError` when it cannot start.

    Why GNU time: on Linux a process's ``ru_maxrss`` starts at the RSS of the process that
    forked it (exec records the old address space's high-water mark), so a tool forked from
    this Python process would report at least the harness's own ~15-40 MiB. GNU time forks the
    tool from a ~1 MiB process and reports the tool's own ``wait4`` ``ru_maxrss``.
    """
    gnu_time = find_gnu_time()
    child_env = dict(os.environ, **(env or {}))
    if gnu_time and shutil.which(argv[0], path=child_env.get("PATH")) is None:
        raise FileNotFoundError(f"{argv[0]}: not found")
    fd, stats = tempfile.mkstemp(prefix="seqcoder-rss-")
    os.close(fd)
    try:
        full = [gnu_time, "-f", "%M", "-o", stats, *argv] if gnu_time else list(argv)
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, env=child_env)
        reason = ""
        if timeout is None:
            _, status, ru = os.wait4(proc.pid, 0)
        else:
            while True:
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > t0 + timeout:
                    proc.kill()
                    _, status, ru = os.wait4(proc.pid, 0)
                    reason = f"timed out after {timeout:g} s"
                    break
                time.sleep(0.01)
        wall = time.perf_counter() - t0
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
        peak = int(ru.ru_maxrss)
        if gnu_time:
            try:
                peak = int(Path(stats).read_text().split()[-1])
            except (OSError, ValueError, IndexError):
                pass
    finally:
        os.unlink(stats)
    return Measured(wall, ru.ru_utime + ru.ru_stime, peak, rc, reason)
