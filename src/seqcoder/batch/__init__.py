"""Many collections: sketch genomes, group similar ones, pack each group, find them by catalog.

Layers: :mod:`.inputs` (find the genomes), :mod:`.sketch` (k-mer hash sketches),
:mod:`.group` (clustering, caps, order), :mod:`.tasks` (the pure steps), :mod:`.run` (the steps
as Dask tasks; the only module that imports dask), :mod:`.catalog` (SQLite) and
:mod:`.access` (get, list, check; no dask). Names are imported on first use, so that
``seqcoder --help`` reads :mod:`.defaults` without loading numba or dask.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports on first use
    from .access import check_directory, iter_genomes, list_directory, read_genome  # noqa: F401
    from .catalog import CATALOG_NAME, Catalog, CatalogError  # noqa: F401
    from .inputs import BatchInputError, GenomeInput, find_genomes  # noqa: F401
    from .run import BatchReport, run_batch  # noqa: F401

_WHERE = {"run_batch": "run", "BatchReport": "run", "check_directory": "access", "iter_genomes": "access",
          "list_directory": "access", "read_genome": "access", "CATALOG_NAME": "catalog", "Catalog": "catalog",
          "CatalogError": "catalog",
          "BatchInputError": "inputs", "GenomeInput": "inputs", "find_genomes": "inputs"}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
