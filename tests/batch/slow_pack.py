"""A dask worker preload for the batch tests that kill a run mid-write: on a worker it preloads,
every member a pack writes waits ``DELAY`` seconds, so a kill lands while an archive is half
written. Injected from the tests (``dask worker --preload``, or dask's
``distributed.worker.preload`` setting), never by the product."""

from __future__ import annotations

import time

DELAY = 0.3


def dask_setup(worker: object) -> None:
    """Called by dask on the worker that preloads this file (importing it changes nothing)."""
    from seqcoder.collection import Collection

    create = Collection.create.__func__  # type: ignore[attr-defined]

    def slow_create(cls, path, inputs, **options):
        options["progress"] = lambda _n: time.sleep(DELAY)
        return create(cls, path, inputs, **options)

    Collection.create = classmethod(slow_create)  # type: ignore[method-assign, assignment]


def is_slowed() -> bool:
    """Whether this process runs the slowed pack (a test asks each worker)."""
    from seqcoder.collection import Collection

    return Collection.create.__func__.__name__ == "slow_create"  # type: ignore[attr-defined]
