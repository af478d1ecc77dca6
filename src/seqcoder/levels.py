"""Compression levels: the one place that says which levels exist and which is the default.

A level is stored in the archive header (one byte), so the decoder builds the same models.

>>> MIN_LEVEL <= DEFAULT_LEVEL <= MAX_LEVEL
True
"""

from __future__ import annotations

MIN_LEVEL = 1
MAX_LEVEL = 9
#: near the best levels' ratio at a fraction of their time (docs/cm-coder.md)
DEFAULT_LEVEL = 4


def check_level(level: int) -> int:
    """Return ``level`` if it is a valid level, else raise :class:`ValueError`.

    >>> check_level(9)
    9
    """
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ValueError(f"level must be {MIN_LEVEL}..{MAX_LEVEL}, not {level}")
    return level
