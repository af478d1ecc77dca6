"""The self-attention block of the published SeqCoder autoencoder.

::

    x (B, C_in, L) --1x1 conv--> (B, E, L) + sinusoidal PE
        --> MHA --(+)--> LayerNorm --> FFN(E, 4E, GELU) --(+)--> LayerNorm --> (B, E, L)

Parameter names (``proj_in``, ``attn``, ``ln1``, ``ffn.0``, ``ffn.2``, ``ln2``) match the
published checkpoint so its state dict loads unchanged.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def sinusoidal_position_encoding(length: int, dim: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """Return the (length, dim) table: sin on even channels, cos on odd ones, base 10000."""
    pos = torch.arange(length, dtype=torch.float32, device=device).unsqueeze(1)
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32, device=device) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim, dtype=torch.float32, device=device)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div[: dim // 2])
    return pe.to(dtype)


class SelfAttnBlock1D(nn.Module):
    """Self-attention over the length axis of a (batch, channels, length) tensor."""

    def __init__(self, in_channels: int, embed_dim: int, num_heads: int = 4, dropout: float = 0.1):
        super().__init__()
        self.embed_dim = embed_dim
        self.proj_in = nn.Conv1d(in_channels, embed_dim, kernel_size=1)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout, batch_first=True)
        self.ln1 = nn.LayerNorm(embed_dim)
        self.ffn = nn.Sequential(nn.Linear(embed_dim, 4 * embed_dim), nn.GELU(), nn.Linear(4 * embed_dim, embed_dim))
        self.ln2 = nn.LayerNorm(embed_dim)
        self._pe_cache: dict[tuple, torch.Tensor] = {}

    def _pe(self, length: int, x: torch.Tensor) -> torch.Tensor:
        key = (length, x.device, x.dtype)
        pe = self._pe_cache.get(key)
        if pe is None:
            pe = sinusoidal_position_encoding(length, self.embed_dim, device=x.device, dtype=x.dtype)
            self._pe_cache[key] = pe
        return pe

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.proj_in(x).transpose(1, 2)  # (B, L, E)
        h = h + self._pe(h.shape[1], h)
        a, _ = self.attn(h, h, h, need_weights=False)
        h = self.ln1(h + a)
        h = self.ln2(h + self.ffn(h))
        return h.transpose(1, 2)
