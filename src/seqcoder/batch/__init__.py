"""Many collections: sketch genomes, group similar ones, pack each group, find them by catalog.

Layers: :mod:`.inputs` (find the genomes), :mod:`.sketch` (k-mer hash sketches),
:mod:`.group` (clustering, caps, order), :mod:`.tasks` (the pure steps), :mod:`.run` (the steps
as Dask tasks; the only module that imports dask), :mod:`.catalog` (SQLite) and
:mod:`.access` (get, list, check; no dask).
"""

from .access import check_directory, iter_genomes, read_genome
from .catalog import CATALOG_NAME, Catalog, CatalogError
from .inputs import BatchInputError, GenomeInput, find_genomes

__all__ = ["CATALOG_NAME", "BatchInputError", "Catalog", "CatalogError", "GenomeInput", "check_directory",
           "find_genomes", "iter_genomes", "read_genome", "run_batch"]


def __getattr__(name: str):
    if name == "run_batch":  # imports dask only when a batch runs
        from .run import run_batch

        return run_batch
    raise AttributeError(name)
