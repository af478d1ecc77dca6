"""Mutations of valid inputs, the kinds that real damage and hostile files bring: bit flips,
overwritten bytes, truncations, cut-out and inserted runs, and length fields overwritten with
huge or small values. One list of them serves the seeded fuzz run (as a hypothesis strategy)
and the hand-mutated archives check (``benchmarks/mutated_archives.py``, from a seed)."""

from __future__ import annotations

import random
import struct

from hypothesis import strategies as st

KINDS = ("flip", "byte", "truncate", "cut", "insert", "length")
#: what an overwritten length field says: nothing, a little, a lot, a terabyte, all ones
LENGTHS = (0, 1, 0x7F, 0xFFFF, 1 << 31, 1 << 40, (1 << 64) - 1)


def mutate(data: bytes, kind: str, at: int, value: int) -> bytes:
    """``data`` damaged once: ``at`` picks the place (modulo the size), ``value`` the new bits."""
    if not data:
        return bytes([value & 0xFF]) if kind == "insert" else data
    at %= len(data)
    b = bytearray(data)
    if kind == "flip":
        b[at] ^= 1 << (value % 8)
    elif kind == "byte":
        b[at] = value & 0xFF
    elif kind == "truncate":
        del b[at:]
    elif kind == "cut":
        del b[at:at + 1 + value % 64]
    elif kind == "insert":
        b[at:at] = bytes([value & 0xFF]) * (1 + value % 16)
    else:  # a length field: a LEB128 varint or a little-endian u32/u64 put over the bytes there
        n = LENGTHS[value % len(LENGTHS)]
        form = value // len(LENGTHS) % 3
        raw = _varint(n) if form == 0 else struct.pack("<I", n & 0xFFFFFFFF) if form == 1 else struct.pack("<Q", n)
        b[at:at + len(raw)] = raw
    return bytes(b)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


Mutation = tuple[str, int, int]


def mutations(most: int = 3) -> st.SearchStrategy[list[Mutation]]:
    """One to ``most`` mutations, applied in order (hypothesis shrinks a failure to the fewest)."""
    one = st.tuples(st.sampled_from(KINDS), st.integers(0, 1 << 24), st.integers(0, 1 << 16))
    return st.lists(one, min_size=1, max_size=most)


def apply(data: bytes, changes: list[Mutation]) -> bytes:
    for kind, at, value in changes:
        data = mutate(data, kind, at, value)
    return data


def random_mutation(rng: random.Random) -> Mutation:
    return rng.choice(KINDS), rng.randrange(1 << 24), rng.randrange(1 << 16)
