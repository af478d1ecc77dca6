"""The kernels' one-time compilation: announced when it runs; warmed by an editable install."""

from __future__ import annotations

import logging
from pathlib import Path

from numba import njit

from seqcoder.entropy import jit

ROOT = Path(__file__).resolve().parents[2]


def _fresh_kernel():
    def twice(x):
        return 2 * x

    twice.__module__ = "seqcoder.entropy.test_only"  # announced: a seqcoder function
    twice.__qualname__ = "twice"
    return njit(twice)


def test_a_compile_is_announced_with_its_time(caplog):
    jit.announce()
    jit.announce()  # idempotent: one listener
    kernel = _fresh_kernel()
    with caplog.at_level(logging.WARNING, logger="seqcoder"):
        assert kernel(21) == 42
        assert kernel(4) == 8  # compiled already: nothing more
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 2, msgs
    assert msgs[0].startswith("seqcoder: compiling seqcoder.entropy.test_only.twice for this machine")
    assert msgs[1].startswith("seqcoder: compiled seqcoder.entropy.test_only.twice in ")
    assert msgs[1].endswith(" s")


def test_an_editable_build_asks_for_what_the_warm_up_imports():
    import importlib.util
    import tomllib

    spec = importlib.util.spec_from_file_location("build_backend", ROOT / "build_backend.py")
    assert spec is not None and spec.loader is not None
    backend = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend)
    wanted = backend.get_requires_for_build_editable()
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert set(deps) <= set(wanted)
    assert any(r.startswith("numba") for r in wanted)
