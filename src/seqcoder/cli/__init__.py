"""The ``seqcoder`` command. ``main(argv) -> int`` is the testable entry; ``main_cli()`` only
calls it. Heavy modules (numpy, numba, torch, dask) are imported inside the commands, so
``--help`` stays instant.

Modules, bottom up: :mod:`.common` (the plumbing every command shares), one module per job —
:mod:`.genome` (compress, decompress, cat), :mod:`.collection` (pack, add, unpack),
:mod:`.batch` (batch) and :mod:`.tools` (models, train, eval, bench) — and :mod:`.main` (the
one parser, and ``list``/``info``/``test``/``get`` sent to the job that owns the archive).
"""

from __future__ import annotations

from .main import build_parser, main, main_cli

__all__ = ["build_parser", "main", "main_cli"]
