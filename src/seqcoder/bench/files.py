"""The facts about an input file that every row needs: its size, its A/C/G/T bases (the
denominator of bits per base), its md5, and the reductions that tools taking only a bare
sequence get."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path




@dataclass
class FileInfo:
    path: Path
    size: int
    bases: int  # A/C/G/T in either case, sequence lines only
    md5: str
    fasta: bool  # starts with '>' (else a raw sequence such as a DNAcorpus file)

    @property
    def name(self) -> str:
        return self.path.name


_HEADER_RE = re.compile(rb"(?m)^[>;][^\n]*")


def sequence_bytes(data: bytes) -> bytes:
    """The sequence letters of ``data``: header lines and line ends removed, as written."""
    if data.lstrip()[:1] in (b">", b";"):
        data = _HEADER_RE.sub(b"", data)
    return data.translate(None, b"\r\n \t")


def count_acgt(data: bytes) -> int:
    """A/C/G/T in either case in the sequence lines of FASTA (or in raw sequence) ``data``.

    >>> count_acgt(b">x ACGT\\nACgtN\\nac\\n")
    6
    """
    seq = sequence_bytes(data)
    return sum(seq.count(c) for c in b"ACGTacgt")


def bare_sequence(data: bytes) -> bytes:
    """The file reduced as for the anchors: records joined, upper-cased, only A/C/G/T kept."""
    seq = sequence_bytes(data).upper()
    return seq.translate(None, bytes(c for c in range(256) if c not in b"ACGT"))


def _records(data: bytes) -> list[tuple[bytes, bytes]]:
    """(header, sequence) per record, line layout ignored: the ``records`` verification."""
    out: list[tuple[bytes, bytes]] = []
    head, seq = b"", list[bytes]()
    for line in data.splitlines():
        if line.startswith(b">"):
            if head or seq:
                out.append((head, b"".join(seq)))
            head, seq = line.rstrip(), []
        else:
            seq.append(line.strip())
    if head or seq:
        out.append((head, b"".join(seq)))
    return out


def file_info(path: str | os.PathLike) -> FileInfo:
    p = Path(path)
    data = p.read_bytes()
    return FileInfo(p, len(data), count_acgt(data), hashlib.md5(data).hexdigest(),
                    data.lstrip()[:1] == b">")


def _md5_file(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
