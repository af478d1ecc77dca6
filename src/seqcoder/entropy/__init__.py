"""Entropy coders: the context-mixing nucleotide coder (``cm_encode`` / ``cm_decode``)."""

from __future__ import annotations

from ..levels import DEFAULT_LEVEL
from .cm import CM_FORMAT_VERSION, cm_decode, cm_encode, level_config, memory_bytes

__all__ = ["CM_FORMAT_VERSION", "DEFAULT_LEVEL", "cm_decode", "cm_encode", "level_config",
           "memory_bytes"]
