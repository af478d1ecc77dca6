"""The published SeqCoder 1-D convolutional autoencoder (``seqcoder-ae``).

::

    x = code/4 (B, 1, K)
      encoder_stem: 4 x [Conv1d k3 s2 p1, BN, ReLU]   1->32->64->128->128   (B, 128, K/16)
      encoder_attn: SelfAttnBlock1D(128, 128)
      channel_funnel: 1x1 128->64 BN ReLU ->32 BN ReLU ->P                  z (B, P, K/16)
    z
      latent_to_decoder: 1x1 P->32
      decoder: 3 x [ConvT k3 s2 p1 op1, BN, ReLU, SelfAttnBlock1D]  32->128->64->32
               up_final ConvT 32->1, sigmoid                         y (B, 1, K)

Widths are constructor arguments with the published values as defaults, so tests can build a
tiny model; the defaults load ``FP16_SeqCoder_P4_20K.pth`` with ``strict=True``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .attention import SelfAttnBlock1D
from .registry import register_model

PUBLISHED_HPARAMS = dict(
    P=4,
    K=1280,
    stem_channels=(32, 64, 128, 128),
    funnel_channels=(64, 32),
    decoder_in=32,
    decoder_channels=(128, 64, 32),
    num_heads=4,
    dropout=0.1,
)


class _Decoder(nn.Module):
    def __init__(self, c_in: int, chans: Sequence[int], num_heads: int, dropout: float):
        super().__init__()
        c1, c2, c3 = chans

        def up(a, b):
            return nn.ConvTranspose1d(a, b, kernel_size=3, stride=2, padding=1, output_padding=1)

        self.up1, self.bn1, self.attn1 = up(c_in, c1), nn.BatchNorm1d(c1), SelfAttnBlock1D(c1, c1, num_heads, dropout)
        self.up2, self.bn2, self.attn2 = up(c1, c2), nn.BatchNorm1d(c2), SelfAttnBlock1D(c2, c2, num_heads, dropout)
        self.up3, self.bn3, self.attn3 = up(c2, c3), nn.BatchNorm1d(c3), SelfAttnBlock1D(c3, c3, num_heads, dropout)
        self.up_final = up(c3, 1)
        self.act = nn.ReLU()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = self.attn1(self.act(self.bn1(self.up1(h))))
        h = self.attn2(self.act(self.bn2(self.up2(h))))
        h = self.attn3(self.act(self.bn3(self.up3(h))))
        return torch.sigmoid(self.up_final(h))


@register_model("seqcoder-ae")
class ConvolutionalAutoEncoder1D(nn.Module):
    """Chunks of ``K`` bases (as ``code/4``) to a ``(P, K/16)`` latent and back.

    >>> m = ConvolutionalAutoEncoder1D(P=2, K=64, stem_channels=(4, 8, 8, 8), funnel_channels=(8, 4),
    ...                                decoder_in=4, decoder_channels=(8, 8, 4), num_heads=2).eval()
    >>> z = m.encode(torch.zeros(3, 1, 64)); tuple(z.shape)
    (3, 2, 4)
    >>> tuple(m.decode(z).shape)
    (3, 1, 64)
    """

    def __init__(
        self,
        P: int = 4,
        K: int = 1280,
        stem_channels: Sequence[int] = (32, 64, 128, 128),
        funnel_channels: Sequence[int] = (64, 32),
        decoder_in: int = 32,
        decoder_channels: Sequence[int] = (128, 64, 32),
        num_heads: int = 4,
        dropout: float = 0.1,
    ):
        super().__init__()
        if K % 16:
            raise ValueError(f"K must be a multiple of 16, got {K}")
        self.hparams = dict(
            P=int(P),
            K=int(K),
            stem_channels=tuple(int(c) for c in stem_channels),
            funnel_channels=tuple(int(c) for c in funnel_channels),
            decoder_in=int(decoder_in),
            decoder_channels=tuple(int(c) for c in decoder_channels),
            num_heads=int(num_heads),
            dropout=float(dropout),
        )
        self.P, self.K = int(P), int(K)
        layers: list[nn.Module] = []
        c = 1
        for c_out in stem_channels:
            layers += [nn.Conv1d(c, c_out, kernel_size=3, stride=2, padding=1), nn.BatchNorm1d(c_out), nn.ReLU()]
            c = c_out
        self.encoder_stem = nn.Sequential(*layers)
        self.encoder_attn = SelfAttnBlock1D(c, c, num_heads, dropout)
        f1, f2 = funnel_channels
        self.channel_funnel = nn.Sequential(
            nn.Conv1d(c, f1, 1), nn.BatchNorm1d(f1), nn.ReLU(),
            nn.Conv1d(f1, f2, 1), nn.BatchNorm1d(f2), nn.ReLU(),
            nn.Conv1d(f2, P, 1),
        )
        self.latent_to_decoder = nn.Conv1d(P, decoder_in, 1)
        self.decoder = _Decoder(decoder_in, decoder_channels, num_heads, dropout)

    @property
    def latent_length(self) -> int:
        return self.K // 16

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 1, K)`` inputs in [0, 1] to the ``(B, P, K/16)`` latent."""
        return self.channel_funnel(self.encoder_attn(self.encoder_stem(x)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent to the sigmoid output ``(B, 1, K)``; a base is ``round(clip(y, 0, 1) * 4)``."""
        return self.decoder(self.latent_to_decoder(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
