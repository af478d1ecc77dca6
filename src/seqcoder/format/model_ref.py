"""The model an archive names in its header, importable by every layer that needs it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelRef:
    """The model an archive needs, as written in its header (empty for model-free codecs).

    >>> ModelRef().name == "" and len(ModelRef().sha256)
    32
    """

    name: str = ""
    version: str = ""
    sha256: bytes = b"\0" * 32
