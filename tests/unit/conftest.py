"""The twin of the cm kernels: the same calls run by a worker process with numba's JIT off.

``pure_kernels`` reroutes every call of the cm coder's kernels (the lean one of level 1 and the
generic one) to a worker started with ``NUMBA_DISABLE_JIT=1``, where the kernels and every
helper they inline are plain Python. What the kernel writes into its array arguments (the
decoded bases) comes back into the caller's arrays, so ``cm_encode``/``cm_decode`` run as
usual around it. A test compares those bytes with the compiled kernels' bytes: a miscompile, an
overflow or a change in one path alone shows as a difference.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

_WORKER = """
import importlib, pickle, sys
from numba.core.registry import CPUDispatcher
from seqcoder.entropy import cm_kernel, lean_kernel, primitives
for mod in (cm_kernel, lean_kernel, primitives):  # nothing compiled may run in the twin
    for name, obj in vars(mod).items():
        if isinstance(obj, CPUDispatcher):
            raise SystemExit(f"{mod.__name__}.{name} is compiled: the JIT is on")
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
while True:
    try:
        module, name, args = pickle.load(stdin)
    except EOFError:
        break
    res = getattr(importlib.import_module(module), name)(*args)
    pickle.dump((res, args), stdout)
    stdout.flush()
"""


class PureKernels:
    """A worker process running kernels with the JIT off; :meth:`call` is one kernel call."""

    def __init__(self) -> None:
        env = dict(os.environ, NUMBA_DISABLE_JIT="1")
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env)
        self.calls = 0

    def call(self, module: str, name: str, *args):
        assert self.proc.stdin is not None and self.proc.stdout is not None
        pickle.dump((module, name, args), self.proc.stdin)
        self.proc.stdin.flush()
        try:
            res, back = pickle.load(self.proc.stdout)
        except EOFError:
            raise RuntimeError(f"the JIT-off worker died (exit {self.proc.wait()})") from None
        for a, b in zip(args, back):
            if isinstance(a, np.ndarray) and a.flags.writeable:
                a[...] = b  # what the kernel wrote (decode: the bases)
        self.calls += 1
        return res

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def _pure_worker() -> Iterator[PureKernels]:
    worker = PureKernels()
    yield worker
    worker.close()


@pytest.fixture
def pure_kernels(_pure_worker: PureKernels, monkeypatch: pytest.MonkeyPatch):
    """Inside ``with pure_kernels():`` the cm coder's kernels run with the JIT off."""
    from contextlib import contextmanager

    from seqcoder.entropy import cm, cm_kernel

    @contextmanager
    def pure():
        before = _pure_worker.calls
        with monkeypatch.context() as m:
            m.setattr(cm_kernel, "cm_kernel", lambda *a: _pure_worker.call(
                "seqcoder.entropy.cm_kernel", "cm_kernel", *a))
            m.setattr(cm, "cm_lean", lambda *a: _pure_worker.call(
                "seqcoder.entropy.lean_kernel", "cm_lean", *a))
            yield
        assert _pure_worker.calls > before, "no kernel ran in the JIT-off worker"

    return pure
