"""The kernels' one-time compilation: done ahead where it can be, and said on the terminal
where it still happens.

numba compiles a kernel the first time it runs and caches the machine code beside its source
(``cache=True``: ``__pycache__``, valid for the same source file, numba version and CPU). An
editable install warms that cache while pip builds it (``build_backend.py`` at the top of the
repository runs :func:`warm`), so the first ``seqcoder compress`` loads the kernels instead of
compiling them. Where a compile still runs (a wheel install, another numba, another CPU),
:func:`announce` writes what compiles and how long it took; ``python -m seqcoder.entropy.jit``
warms the cache by hand (docs/cm-coder.md, "First run").
"""

from __future__ import annotations

import logging
import sys
import time

from numba.core import event

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


def warm() -> list[str]:
    """Compile (or load from the cache) every kernel of the cm coder, with the argument types
    of real blocks: the lean kernel of level 1 and the generic kernel, each encoding and
    decoding, with and without the learned prior. Returns the kernels' names."""
    import numpy as np

    from .cm import CHOICE_PRIOR, cm_decode, cm_encode
    from .cm_kernel import cm_kernel
    from .lean_kernel import cm_lean

    codes = np.random.default_rng(0).integers(0, 4, 64, dtype=np.uint8)
    for level, choices in ((1, 0), (4, 0), (4, CHOICE_PRIOR)):
        data = cm_encode(codes, level, choices=choices)
        if not (cm_decode(data, codes.shape[0], level) == codes).all():
            raise RuntimeError(f"cm warm-up: level {level} does not round-trip")
    return [f"{k.py_func.__module__}.{k.py_func.__name__}" for k in (cm_lean, cm_kernel)]


def main() -> int:
    """``python -m seqcoder.entropy.jit``: warm the kernel cache, saying what it did."""
    logging.basicConfig(format="%(message)s", stream=sys.stderr)
    announce()
    t0 = time.perf_counter()
    names = warm()
    print(f"seqcoder: kernels ready in {time.perf_counter() - t0:.1f} s: {', '.join(names)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
