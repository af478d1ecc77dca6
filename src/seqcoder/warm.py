"""``python -m seqcoder.warm``: compile (or load from numba's cache) every kernel a first run
needs, the cm coder's and the collection coder's, saying
what compiles and how long it takes. An editable install runs it (``build_backend.py``), so
the first ``compress``, ``pack`` or batch worker loads the kernels instead of compiling them.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path


def warm_cm() -> list[str]:
    """Compile (or load from the cache) every kernel of the cm coder, with the argument types
    of real blocks: the lean kernel of level 1 and the generic kernel, each encoding and
    decoding, with and without the learned prior. Returns the kernels' names."""
    import numpy as np

    from .entropy.cm import CHOICE_PRIOR, cm_decode, cm_encode
    from .entropy.cm_kernel import cm_kernel
    from .entropy.lean_kernel import cm_lean

    codes = np.random.default_rng(0).integers(0, 4, 64, dtype=np.uint8)
    for level, choices in ((1, 0), (4, 0), (4, CHOICE_PRIOR)):
        data = cm_encode(codes, level, choices=choices)
        if not (cm_decode(data, codes.shape[0], level) == codes).all():
            raise RuntimeError(f"cm warm-up: level {level} does not round-trip")
    return [f"{k.py_func.__module__}.{k.py_func.__name__}" for k in (cm_lean, cm_kernel)]


def warm_collections() -> list[str]:
    """Pack, add to, get from and unpack a tiny collection whose members have parents and a
    pool, so every collection kernel runs with the argument types of real archives."""
    import numpy as np

    from .collection import Collection

    rng = np.random.default_rng(0)
    base = rng.integers(0, 4, 3000).astype(np.uint8)
    with tempfile.TemporaryDirectory(prefix="seqcoder-warm-") as tmp:
        paths = []
        for i in range(3):
            seq = base.copy()
            seq[rng.integers(0, len(seq), 20)] ^= 1
            seq = np.concatenate([seq, rng.integers(0, 4, 300).astype(np.uint8)])
            p = Path(tmp) / f"g{i}.fa"
            p.write_bytes(b">g%d\n" % i + np.frombuffer(b"ACGT", dtype=np.uint8)[seq].tobytes() + b"\n")
            paths.append(p)
        c = Collection.create(Path(tmp) / "w.sqcl", paths[:2])
        c.add(paths[2:])
        if c.read("g2.fa") != paths[2].read_bytes() or [d for _, d in c.iter_members()] != [
                p.read_bytes() for p in paths]:
            raise RuntimeError("collection warm-up: the members do not round-trip")
    return ["seqcoder.collection.kernel", "seqcoder.collection.references"]


def main() -> int:
    from .entropy import jit

    logging.basicConfig(format="%(message)s", stream=sys.stderr)
    jit.announce()
    t0 = time.perf_counter()
    names = warm_cm() + warm_collections()
    print(f"seqcoder: kernels ready in {time.perf_counter() - t0:.1f} s: {', '.join(names)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
