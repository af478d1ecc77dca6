"""What an input is: nucleotide FASTA (or bare sequence) for the sequence coders, or other bytes,
stored with a general-purpose codec. ``compress`` (per block) and ``pack`` (per member) both
ask :func:`parse_input`, so the same bytes get the same answer and the same error.

>>> parse_input(b">x\\nACGT\\n", strict=False).codes.tolist()
[0, 1, 2, 3]
>>> parse_input(b">p\\nMKVLQWERTYIPAS\\n", strict=True, path="p.fa")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
seqcoder.errors.FastaError: Error in FASTA file p.fa, line 2: a sequence line holds a byte that is not ...
"""

from __future__ import annotations

import warnings

from ..errors import FastaError, SeqcoderWarning
from .fasta import ParsedFasta, mostly_nucleotides, parse_fasta

#: input is stored as general-purpose data when more than this share of its letters are not
#: A/C/G/T and some are not nucleotide letters at all (protein, text, binary)
NON_NUCLEOTIDE_SHARE = 0.1
_STRICT = "a sequence line holds a byte that is not a nucleotide letter (--strict refuses non-nucleotide input)"


def parse_input(data: bytes, *, strict: bool, path: str | None = None, first_line: int = 1) -> ParsedFasta | None:
    """The parse of ``data``, or None when it is to be stored raw (with a :class:`SeqcoderWarning`
    that says why). ``strict``: raise :class:`FastaError` instead, naming the line (``data``'s
    first line is ``first_line`` of the file)."""
    if not strict and not mostly_nucleotides(data):  # spare junk the costly parse
        _warn_raw(path, "most bytes are not nucleotide letters")
        return None
    parsed = parse_fasta(data)
    if parsed.first_non_nucleotide_line is not None:
        line = first_line + parsed.first_non_nucleotide_line - 1
        if strict:
            raise FastaError(_STRICT, line, path)
        if parsed.exceptions > NON_NUCLEOTIDE_SHARE * parsed.residues:
            _warn_raw(path, f"first at line {line}")
            return None
    return parsed


def _warn_raw(path: str | None, why: str) -> None:
    warnings.warn(f"{path or '<input>'}: not nucleotide data ({why}); stored with a general-purpose codec",
                  SeqcoderWarning, stacklevel=4)
