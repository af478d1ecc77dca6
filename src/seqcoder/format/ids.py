"""Frozen numeric ids written to disk. Never renumber; only add. See FORMAT.md section 5."""

from __future__ import annotations

from enum import IntEnum

#: the first four bytes of each kind of archive (FORMAT.md): one genome, a collection of many
ARCHIVE_MAGIC = b"\x89SQC"
COLLECTION_MAGIC = b"\x89SQL"  # "seqcoder library"
#: the file name suffix ``compress`` gives a single-genome archive
ARCHIVE_SUFFIX = ".sqc"


class CodecId(IntEnum):
    """Which sequence codec coded the A/C/G/T stream of a block."""

    TWO_BIT = 1
    AE_ZSTD = 2
    CM = 3
    AE_CM = 4


class BlockKind(IntEnum):
    """How a block's bytes are represented."""

    FASTA = 1  # parsed: layout section + codec sections
    RAW = 2  # not nucleotide data: the bytes, general-purpose compressed


class SectionId(IntEnum):
    """Section ids inside a block. Ids 16-31 belong to the autoencoder codecs."""

    LAYOUT = 1  # FASTA layout (headers, line lengths, case, exceptions), io/fasta.py
    BASES = 2  # coded A/C/G/T stream (2bit, cm, ae-cm residual coder)
    RAW = 3  # general-purpose compressed bytes of a RAW block
    AE_PARAMS = 16  # quantization scales, chunk geometry, safety margin
    AE_LATENT = 17  # int8 latent, zstd
    AE_RESIDUAL = 18  # (original - reconstruction) mod 4, 2-bit packed, zstd
    AE_AMBIGUOUS = 19  # positions whose decoder output lies near a rounding boundary
