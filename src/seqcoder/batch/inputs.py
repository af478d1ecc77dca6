"""Find the genomes of a batch: files, directories searched for FASTA files, lists of paths.

Every problem is reported here, before any work starts: a missing path, a directory with no
FASTA file, two genomes that would get one name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from collections.abc import Iterable, Sequence

from ..collection.archive import member_name
from ..io.inputs import FASTA_SUFFIXES, is_fasta_name
from ..errors import SeqcoderError

class BatchInputError(SeqcoderError):
    """A problem with the inputs of a batch, found before any work starts."""


@dataclass(frozen=True, slots=True)
class GenomeInput:
    """One input genome: its name (file name without a compression suffix) and its path."""

    name: str
    path: str


def _walk(directory: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(directory, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files) if is_fasta_name(f)]
    return found


def read_path_list(list_file: str) -> list[str]:
    """Paths from a file, one a line (blank lines and lines starting with '#' are skipped)."""
    with open(list_file, encoding="utf-8") as f:
        return [s for s in (line.strip() for line in f) if s and not s.startswith("#")]


def find_genomes(inputs: Sequence[str | os.PathLike], exclude: Iterable[str | os.PathLike] = ()) -> list[GenomeInput]:
    """The genomes named by ``inputs`` (files as they are, directories searched recursively for
    FASTA suffixes), sorted by name. ``exclude``: directories not to search (the output).

    Raises :class:`BatchInputError` naming the path for a missing input, and naming both files
    when two genomes would get one name.
    """
    skip = {os.path.realpath(p) for p in exclude}
    paths: list[str] = []
    for item in (os.fspath(p) for p in inputs):
        if os.path.isdir(item):
            if os.path.realpath(item) in skip:
                continue
            found = [p for p in _walk(item) if not any(os.path.realpath(p).startswith(s + os.sep) for s in skip)]
            if not found:
                raise BatchInputError(f"{item}: no FASTA files below this directory "
                                      f"(looked for {', '.join(FASTA_SUFFIXES)}, plain or compressed)")
            paths += found
        elif os.path.isfile(item):
            paths.append(item)
        else:
            raise BatchInputError(f"{item}: no such file or directory")
    by_name: dict[str, str] = {}
    for path in paths:
        name = member_name(path)
        other = by_name.get(name)
        if other is not None and os.path.realpath(other) != os.path.realpath(path):
            raise BatchInputError(f"two genomes would be named {name!r}: {other} and {path}; rename one")
        by_name[name] = path
    if not by_name:
        raise BatchInputError("no input genomes")
    return [GenomeInput(name, by_name[name]) for name in sorted(by_name)]

