"""The kernels' one-time compilation: done ahead where it can be, and said on the terminal
where it still happens.

numba compiles a kernel the first time it runs and caches the machine code beside its source
(``cache=True``: ``__pycache__``, valid for the same source file, numba version and CPU). An
editable install warms that cache while pip builds it (``build_backend.py`` at the top of the
repository runs :mod:`seqcoder.warm`), so the first ``seqcoder compress`` loads the kernels instead of
compiling them. Where a compile still runs (a wheel install, another numba, another CPU),
:func:`announce` writes what compiles and how long it took; ``python -m seqcoder.warm`` warms
the cache by hand (docs/cm-coder.md, "First run").

Every kernel module takes ``njit`` from here, so :func:`_skip_blas_probe` runs before numba
loads its first kernel.
"""

from __future__ import annotations

import logging
import sys
import time


def _skip_blas_probe() -> None:
    """Load numba's array typing without the BLAS probe in it.

    The first kernel a process loads makes numba import ``numba.np.arraymath``, which imports
    ``scipy.linalg`` (about 0.2 s, where scipy is installed) only to learn whether jitted code may
    call ``np.dot``. No seqcoder kernel does, and that import is a fifth of a whole-process ``get``.
    So, unless scipy.linalg is already loaded, the probe sees it missing; ``scipy.linalg`` imports
    normally afterwards.
    """
    if "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # import of it raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg"]


_skip_blas_probe()

from numba import njit  # noqa: E402  (after the probe is skipped)
from numba.core import event  # noqa: E402

__all__ = ["announce", "njit"]

log = logging.getLogger("seqcoder")


class _Announcer(event.Listener):
    """Logs the start and the length of every outermost compile of a seqcoder function (numba
    fires no compile event when it loads a kernel from its cache)."""

    def __init__(self) -> None:
        self._depth = 0
        self._start: tuple[str, float] | None = None

    def on_start(self, ev: event.Event) -> None:
        fn = ev.data["dispatcher"].py_func
        if self._depth == 0 and fn.__module__.startswith("seqcoder."):
            name = f"{fn.__module__}.{fn.__qualname__}"
            log.warning("seqcoder: compiling %s for this machine, once (numba; the machine code "
                        "is cached for the next runs)", name)
            self._start = (name, time.perf_counter())
        self._depth += 1

    def on_end(self, ev: event.Event) -> None:
        self._depth -= 1
        if self._depth == 0 and self._start is not None:
            name, t0 = self._start
            log.warning("seqcoder: compiled %s in %.1f s", name, time.perf_counter() - t0)
            self._start = None


_ANNOUNCER: _Announcer | None = None


def announce() -> None:
    """Log (``logging``, logger ``seqcoder``; without a handler, to stderr) each kernel compile
    from now on: what compiles and how long it took. Idempotent."""
    global _ANNOUNCER
    if _ANNOUNCER is None:
        _ANNOUNCER = _Announcer()
        event.register("numba:compile", _ANNOUNCER)
