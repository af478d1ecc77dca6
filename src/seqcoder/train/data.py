"""Training data: bases of FASTA or bare sequence files, cut into chunks of K.

Only A/C/G/T are kept (header lines skipped, case folded, every other byte dropped), as the
published notebook trained on bare sequence. Codes use the published autoencoder order
(A=0, T=1, C=2, G=3); the tail of the last chunk is padded with code 4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..alphabet import AE_CODE_OF_BYTE, AE_PAD_CODE


def read_ae_codes(path: str | Path) -> np.ndarray:
    """Return the A/C/G/T bases of ``path`` as AE codes (uint8, A=0 T=1 C=2 G=3).

    Lines starting with ``>`` or ``;`` are headers; every byte other than a/c/g/t/A/C/G/T is
    dropped.
    """
    raw = Path(path).read_bytes()
    if raw[:1] in (b">", b";") or b"\n>" in raw:
        lines = raw.split(b"\n")
        raw = b"".join(line for line in lines if not line.startswith((b">", b";")))
    codes = AE_CODE_OF_BYTE[np.frombuffer(raw, dtype=np.uint8)]
    return codes[codes != 255]


def chunk_codes(codes: np.ndarray, K: int) -> np.ndarray:
    """Cut AE codes into ``(n_chunks, K)`` rows, the last one padded with code 4."""
    n = len(codes)
    n_chunks = max(1, -(-n // K))
    out = np.full(n_chunks * K, AE_PAD_CODE, dtype=np.uint8)
    out[:n] = codes
    return out.reshape(n_chunks, K)


def split_chunks(chunks: np.ndarray, seed: int, eval_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Random 80/20 split of a file's chunks (fixed by ``seed``); both parts are non-empty."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(chunks))
    n_eval = int(round(len(chunks) * eval_fraction))
    if len(chunks) >= 2:
        n_eval = min(max(n_eval, 1), len(chunks) - 1)
        return chunks[order[n_eval:]], chunks[order[:n_eval]]
    return chunks, chunks
