from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def shared() -> Path:
    """../shared beside the checkout (CI has it); tests that need it skip without it."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture
def messy_fasta() -> bytes:
    """A small FASTA with most layout cases at once."""
    return (b">chr1 some description\r\nACGTACGTNNNNNNacgtacgtRYKM\r\nACG\r\n\r\n"
            b">chr2\nGGGGCCCCAAAATTTT\nGGGG\n>empty\n>chr1 duplicate name\nacgtn-*\nAC")
