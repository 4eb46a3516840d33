"""CycleGAN's networks: the ResNet generator and the PatchGAN discriminator.

Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks", ICCV 2017.
Both are plain ``nn.Module``s built from a small config dataclass, with ``.paper()`` (the reference
widths) and ``.lite()`` (CPU-friendly) constructors.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import (
    combine_image_output,
    decoder,
    encoder,
    init_image_output,
    init_weights,
    patch_features,
    sn_conv,
)
from .masks import check_images

__all__ = [
    "PatchDiscriminator",
    "PatchDiscriminatorConfig",
    "ResnetGenerator",
    "ResnetGeneratorConfig",
]


@dataclass(frozen=True)
class ResnetGeneratorConfig:
    """Widths of a :class:`ResnetGenerator`.

    ``in_channels`` / ``out_channels`` are 3 for CycleGAN and 4 for the "CycleGAN + Seg" baseline
    (image plus the union of the instance masks); ``mask_channels`` (0 or 1) says how many of the last
    channels, in and out, are masks. ``image_output`` (not CycleGAN's unless ``"direct"``; ``"residual"``
    needs in = out channels): how the decoder's output becomes the image, see
    :func:`~instagan_lite.layers.combine_image_output`. The mask channels are always the direct tanh
    output, as the set generator's mask decoder: a residual on a mask of exactly ±1 gets no gradient
    through its clamp and would stay the input mask for ever.
    """

    in_channels: int = 3
    out_channels: int = 3
    ngf: int = 64
    n_blocks: int = 9
    n_downsampling: int = 2
    image_output: str = "direct"
    mask_channels: int = 0

    def __post_init__(self) -> None:
        if self.image_output == "layered":
            raise ValueError("the layered image output needs generated instance masks: set generators (InstaGAN) only")
        if self.image_output != "direct" and self.in_channels != self.out_channels:
            raise ValueError(f"a {self.image_output} image output needs as many output channels as input channels")
        if not 0 <= self.mask_channels < min(self.in_channels, self.out_channels):
            raise ValueError(
                f"mask_channels must leave at least one image channel: 0 <= mask_channels < "
                f"{min(self.in_channels, self.out_channels)}, got {self.mask_channels}"
            )

    @classmethod
    def paper(cls, in_channels: int = 3, out_channels: int = 3) -> ResnetGeneratorConfig:
        """The reference CycleGAN generator: ngf 64, 9 blocks (11,378,179 parameters)."""
        return cls(in_channels, out_channels, ngf=64, n_blocks=9)

    @classmethod
    def lite(cls, in_channels: int = 3, out_channels: int = 3) -> ResnetGeneratorConfig:
        """CPU-friendly widths: ngf 16, 3 blocks."""
        return cls(in_channels, out_channels, ngf=16, n_blocks=3)


class ResnetGenerator(nn.Module):
    """CycleGAN's ResNet generator: encoder (7×7 stem, 2 stride-2 convs, ``n_blocks`` ResNet blocks) and
    decoder (2 transposed convs, 7×7 conv, tanh).

    Shapes: (B, in_channels, H, W) in [-1, 1] -> (B, out_channels, H, W) in [-1, 1]; H and W must be
    multiples of 2^n_downsampling (4 by default). At the paper widths (ngf 64, 9 blocks) it has
    11,378,179 parameters. The image channels follow ``image_output``; the last ``mask_channels`` are
    the decoder's tanh output (the translated mask, as g_GA's).
    """

    def __init__(self, config: ResnetGeneratorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or ResnetGeneratorConfig()
        n = config.n_downsampling
        self.encoder = encoder(config.in_channels, config.ngf, config.n_blocks, n)
        self.decoder = decoder(config.ngf * 2**n, config.ngf, config.out_channels, n)
        init_weights(self)
        init_image_output(self.decoder, config.image_output, config.mask_channels)

    @classmethod
    def paper(cls, in_channels: int = 3, out_channels: int = 3) -> ResnetGenerator:
        """The reference CycleGAN generator: ngf 64, 9 blocks."""
        return cls(ResnetGeneratorConfig.paper(in_channels, out_channels))

    @classmethod
    def lite(cls, in_channels: int = 3, out_channels: int = 3) -> ResnetGenerator:
        """CPU-friendly widths: ngf 16, 3 blocks."""
        return cls(ResnetGeneratorConfig.lite(in_channels, out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.config.in_channels, 2**self.config.n_downsampling, name="x")
        out = self.decoder(self.encoder(x))
        m = self.config.mask_channels
        if m == 0:
            return combine_image_output(self.config.image_output, x, out)
        image = combine_image_output(self.config.image_output, x[:, :-m], out[:, :-m])
        return torch.cat([image, out[:, -m:]], 1)  # masks: direct tanh output


@dataclass(frozen=True)
class PatchDiscriminatorConfig:
    """Widths of a :class:`PatchDiscriminator`. Every conv is under spectral norm, because the authors'
    InstaGAN repository put spectral norm on its plain PatchGAN too; the CycleGAN baselines then use the
    same discriminator recipe as InstaGAN."""

    in_channels: int = 3
    ndf: int = 64
    n_layers: int = 3

    @classmethod
    def paper(cls, in_channels: int = 3) -> PatchDiscriminatorConfig:
        """The reference PatchGAN: ndf 64, 3 layers."""
        return cls(in_channels, ndf=64, n_layers=3)

    @classmethod
    def lite(cls, in_channels: int = 3) -> PatchDiscriminatorConfig:
        """CPU-friendly widths: ndf 16, 2 layers."""
        return cls(in_channels, ndf=16, n_layers=2)


class PatchDiscriminator(nn.Module):
    """CycleGAN's 70×70 PatchGAN: ``n_layers`` stride-2 4×4 convs (64-128-256 at the paper widths), a
    stride-1 conv (512), IN and LeakyReLU 0.2, and a stride-1 conv to one channel. No output activation
    (LSGAN).

    Shapes: (B, in_channels, H, W) in [-1, 1] -> (B, 1, h, w) patch scores (6×6 for 64×64 input at
    3 layers). At the paper widths it has 2,764,737 parameters.
    """

    def __init__(self, config: PatchDiscriminatorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or PatchDiscriminatorConfig()
        trunk, width = patch_features(config.in_channels, config.ndf, config.n_layers)
        head_width = config.ndf * min(2**config.n_layers, 8)
        self.model = nn.Sequential(
            *trunk,
            sn_conv(width, head_width, 1),
            nn.InstanceNorm2d(head_width),
            nn.LeakyReLU(0.2, True),
            sn_conv(head_width, 1, 1),
        )

    @classmethod
    def paper(cls, in_channels: int = 3) -> PatchDiscriminator:
        """The reference PatchGAN: ndf 64, 3 layers."""
        return cls(PatchDiscriminatorConfig.paper(in_channels))

    @classmethod
    def lite(cls, in_channels: int = 3) -> PatchDiscriminator:
        """CPU-friendly widths: ndf 16, 2 layers."""
        return cls(PatchDiscriminatorConfig.lite(in_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(x, self.config.in_channels, 1, name="x")
        return self.model(x)
