"""Nucleotide codes shared by every codec.

The base stream that codecs see holds one uint8 per base: ``A=0, C=1, G=2, T=3``. With this
order the complement of a code ``x`` is ``3 - x``, which the context models use for inverted
repeats. The published autoencoder uses another order (``A=0, T=1, C=2, G=3``, with code 4
padding the last chunk); the AE codecs and training translate with :data:`TO_AE`,
:data:`FROM_AE` and :data:`AE_CODE_OF_BYTE`.
"""

from __future__ import annotations

import numpy as np

BASES = b"ACGT"

#: byte -> code for upper-case A/C/G/T, 255 for every other byte
CODE_OF_BYTE = np.full(256, 255, dtype=np.uint8)
for _code, _byte in enumerate(BASES):
    CODE_OF_BYTE[_byte] = _code

#: code -> upper-case byte
BYTE_OF_CODE = np.frombuffer(BASES, dtype=np.uint8).copy()

#: the published autoencoder's base order
AE_BASES = b"ATCG"
#: the AE code that pads the last chunk of a sequence (it is no base)
AE_PAD_CODE = len(AE_BASES)

#: stream code -> published autoencoder code: ``[0, 2, 3, 1]``
TO_AE = np.array([AE_BASES.index(b) for b in BASES], dtype=np.uint8)
#: published autoencoder code -> stream code: ``[0, 3, 1, 2]``
FROM_AE = np.array([BASES.index(b) for b in AE_BASES], dtype=np.uint8)

#: byte -> AE code for A/C/G/T in either case, 255 for every other byte
AE_CODE_OF_BYTE = np.full(256, 255, dtype=np.uint8)
for _code, _byte in enumerate(AE_BASES):
    AE_CODE_OF_BYTE[_byte] = AE_CODE_OF_BYTE[_byte | 0x20] = _code


def encode_bases(text: bytes) -> np.ndarray:
    """Map upper-case ``ACGT`` bytes to codes.

    >>> encode_bases(b"ACGT").tolist()
    [0, 1, 2, 3]
    """
    codes = CODE_OF_BYTE[np.frombuffer(text, dtype=np.uint8)]
    if codes.size and int(codes.max()) == 255:
        bad = int(np.flatnonzero(codes == 255)[0])
        raise ValueError(f"byte {text[bad:bad + 1]!r} at offset {bad} is not A, C, G or T")
    return codes


def decode_bases(codes: np.ndarray) -> bytes:
    """Map codes back to upper-case bytes.

    >>> decode_bases(encode_bases(b"GATTACA"))
    b'GATTACA'
    """
    return BYTE_OF_CODE[codes].tobytes()


def pack_2bit(codes: np.ndarray) -> bytes:
    """Pack codes four to a byte, first base in the high bits; the tail is zero-padded.

    >>> pack_2bit(encode_bases(b"ACGTA")).hex()
    '1b00'
    """
    n = len(codes)
    padded = np.zeros((n + 3) // 4 * 4, dtype=np.uint8)
    padded[:n] = codes
    quads = padded.reshape(-1, 4)
    packed = (quads[:, 0] << 6) | (quads[:, 1] << 4) | (quads[:, 2] << 2) | quads[:, 3]
    return packed.astype(np.uint8).tobytes()


def unpack_2bit(data: bytes, n: int) -> np.ndarray:
    """Inverse of :func:`pack_2bit` for ``n`` bases."""
    if len(data) != (n + 3) // 4:
        raise ValueError(f"2-bit stream of {len(data)} bytes cannot hold {n} bases")
    packed = np.frombuffer(data, dtype=np.uint8)
    quads = np.stack([(packed >> s) & 3 for s in (6, 4, 2, 0)], axis=1)
    return quads.reshape(-1)[:n].astype(np.uint8)
