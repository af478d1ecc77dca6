"""Fixtures of the reliability tests (crashes, writers, full disks, fuzzing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reliability_helpers import relatives
from seqcoder.collection import Collection


@pytest.fixture
def genomes(tmp_path) -> list[Path]:
    return relatives(tmp_path / "in", 6)


@pytest.fixture
def archive(tmp_path, genomes) -> Collection:
    """An archive of two members, to which the tests add the others."""
    return Collection.create(tmp_path / "set.sqcl", genomes[:2])
