"""InstaGAN's instance-aware networks: the set generator and the set discriminator.

Mo, Cho, Shin, "InstaGAN: Instance-aware Image-to-Image Translation", ICLR 2019, Sec. 2.2 and Eq. (1):

    h_GX   = [f_GX(x); Σ_i f_GA(a_i)]                  image representation
    h_GA^n = [f_GA(a_n); f_GX(x); Σ_i f_GA(a_i)]        representation of instance n
    y'  = g_GX(h_GX),   b'_n = g_GA(h_GA^n)

(the authors' code concatenates the instance representation as [instance, image, sum]; we follow the
code so that their weights load). Unlike the authors' generator, which only works with one sample per
forward call, these modules are batched: the set sum is taken per sample over that sample's valid
instances, and a sample may have any number of instances, zero included.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .layers import (
    combine_image_output,
    compose_layers,
    decoder,
    encoder,
    init_image_output,
    init_weights,
    patch_features,
    sn_conv,
)
from .masks import check_images, check_masks, instance_validity

__all__ = [
    "SetDiscriminator",
    "SetDiscriminatorConfig",
    "SetGenerator",
    "SetGeneratorConfig",
    "encode_set",
]


def encode_set(encode: nn.Module, masks: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode every valid instance with the shared mask encoder and sum per sample.

    Args:
        encode: maps (N, 1, H, W) -> (N, C, h, w) (f_GA, or the discriminator's mask trunk).
        masks: (B, K, H, W) in [-1, 1].
        valid: bool (B, K), which slots hold an instance.

    Returns:
        features: (N, C, h, w), f_GA(a_i) for the N = valid.sum() valid slots in row-major (b, k) order.
        set_sum: (B, C, h, w), Σ_i f_GA(a_i) over each sample's valid slots (zeros for a sample with none).
    """
    b, k, h, w = masks.shape
    flat_valid = valid.reshape(-1)
    features = encode(masks.reshape(b * k, 1, h, w)[flat_valid])
    # Scatter the N features back to their samples and sum: Σ_i f_GA(a_i), per sample.
    sample_of = torch.arange(b, device=masks.device).repeat_interleave(k)[flat_valid]
    set_sum = features.new_zeros((b, *features.shape[1:])).index_add(0, sample_of, features)
    return features, set_sum


@dataclass(frozen=True)
class SetGeneratorConfig:
    """Widths of a :class:`SetGenerator`. ``ngf`` is the stem width of both encoders; the image decoder
    is 2·ngf wide and the mask decoder 3·ngf wide, as in the authors' code.

    ``image_output`` (not the authors' unless ``"direct"``): how g_GX's output becomes the image — see
    :func:`~instagan_lite.layers.combine_image_output`. ``"residual"`` starts as the identity on the
    image and learns what to change; ``"layered"`` paints an object and a background layer, each a
    residual, cut by the generated masks (:func:`~instagan_lite.layers.compose_layers`); the masks are
    generated as usual.
    """

    image_channels: int = 3
    ngf: int = 64
    n_blocks: int = 9
    n_downsampling: int = 2
    image_output: str = "direct"

    @classmethod
    def paper(cls) -> SetGeneratorConfig:
        """The authors' widths: ngf 64, 9 blocks per encoder (26,815,108 parameters)."""
        return cls(ngf=64, n_blocks=9)

    @classmethod
    def lite(cls, image_output: str = "direct") -> SetGeneratorConfig:
        """CPU-friendly widths: ngf 16, 3 blocks per encoder (see benchmarks/train_step.py)."""
        return cls(ngf=16, n_blocks=3, image_output=image_output)


class SetGenerator(nn.Module):
    """InstaGAN's generator G(x, a) -> (y', b').

    Parts (names as in the authors' checkpoints, so their state dicts map onto ours by name):
      * ``encoder_img``  f_GX: image encoder, (B, 3, H, W) -> (B, 4·ngf, H/4, W/4)
      * ``encoder_seg``  f_GA: mask encoder shared by all instances, (N, 1, H, W) -> (N, 4·ngf, H/4, W/4)
      * ``decoder_img``  g_GX: image decoder on [f_GX(x), Σ f_GA(a_i)], tanh output
      * ``decoder_seg``  g_GA: mask decoder on [f_GA(a_n), f_GX(x), Σ f_GA(a_i)], tanh output

    Call ``G(images, masks)`` with images (B, 3, H, W) and masks (B, K, H, W), both in [-1, 1], H and W
    multiples of 4; returns (images (B, 3, H, W), masks (B, K, H, W)) in [-1, 1]. An absent slot (all
    -1) is neither encoded nor decoded and comes out as exactly -1. The image output is invariant and
    the mask outputs equivariant to permuting the slots. Paper widths: 26,815,108 parameters.
    """

    def __init__(self, config: SetGeneratorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or SetGeneratorConfig()
        ngf, n = config.ngf, config.n_downsampling
        feat = ngf * 2**n
        self.encoder_img = encoder(config.image_channels, ngf, config.n_blocks, n)  # f_GX
        self.encoder_seg = encoder(1, ngf, config.n_blocks, n)  # f_GA
        layers = 2 if config.image_output == "layered" else 1  # objects and background (compose_layers)
        self.decoder_img = decoder(2 * feat, 2 * ngf, layers * config.image_channels, n)  # g_GX
        self.decoder_seg = decoder(3 * feat, 3 * ngf, 1, n)  # g_GA
        init_weights(self)
        init_image_output(self.decoder_img, config.image_output)

    @classmethod
    def paper(cls) -> SetGenerator:
        """The authors' widths: ngf 64, 9 blocks per encoder (26,815,108 parameters)."""
        return cls(SetGeneratorConfig.paper())

    @classmethod
    def lite(cls) -> SetGenerator:
        """CPU-friendly widths: ngf 16, 3 blocks per encoder (see benchmarks/train_step.py)."""
        return cls(SetGeneratorConfig.lite())

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_images(images, self.config.image_channels, 2**self.config.n_downsampling)
        check_masks(images, masks)
        b, k, h, w = masks.shape
        valid = instance_validity(masks)  # (B, K)
        image_feat = self.encoder_img(images)  # f_GX(x): (B, C, h', w')
        inst_feat, set_sum = encode_set(self.encoder_seg, masks, valid)  # f_GA(a_i), Σ_i f_GA(a_i)
        # y' = g_GX([f_GX(x); Σ_i f_GA(a_i)])  (or, for the lite image outputs, a change of x)
        out_images = self.decoder_img(torch.cat([image_feat, set_sum], 1))
        sample_of = valid.nonzero()[:, 0]
        # b'_n = g_GA([f_GA(a_n); f_GX(x); Σ_i f_GA(a_i)]) for each valid slot n
        decoded = self.decoder_seg(torch.cat([inst_feat, image_feat[sample_of], set_sum[sample_of]], 1))
        # Absent slots pass through unchanged (exactly -1); under bf16 autocast the decoded masks are cast back.
        out_masks = masks.reshape(b * k, h, w).index_put((valid.reshape(-1),), decoded[:, 0].to(masks.dtype))
        out_masks = out_masks.reshape(b, k, h, w)
        if self.config.image_output == "layered":  # y' = s·(x + 2Δ_o) + (1 − s)·(x + 2Δ_g), s = merge(b')
            return compose_layers(images, out_images, out_masks), out_masks
        return combine_image_output(self.config.image_output, images, out_images), out_masks


@dataclass(frozen=True)
class SetDiscriminatorConfig:
    """Widths of a :class:`SetDiscriminator`: two PatchGAN trunks of ``n_layers`` stride-2 convs and a
    classifier 2F -> 4F -> 1 where F = ndf · 2^(n_layers-1) (512 -> 1024 -> 1 at the paper widths)."""

    image_channels: int = 3
    ndf: int = 64
    n_layers: int = 3

    @classmethod
    def paper(cls) -> SetDiscriminatorConfig:
        """The authors' widths: ndf 64, 3 layers (9,721,729 trainable parameters)."""
        return cls(ndf=64, n_layers=3)

    @classmethod
    def lite(cls) -> SetDiscriminatorConfig:
        """CPU-friendly widths: ndf 16, 2 layers."""
        return cls(ndf=16, n_layers=2)


class SetDiscriminator(nn.Module):
    """InstaGAN's discriminator D(x, a) -> patch scores.

    Parts: ``feature_img`` (image PatchGAN trunk), ``feature_seg`` (mask trunk shared by all instances),
    ``classifier`` on [feature_img(x), Σ_i feature_seg(a_i)]. Spectral norm on every conv (torch's
    parametrization), InstanceNorm, LeakyReLU 0.2, no output activation (LSGAN).

    Call ``D(images, masks)`` with images (B, 3, H, W) and masks (B, K, H, W) in [-1, 1]; returns
    (B, 1, h, w) scores (6×6 at 64×64 for 3 layers). Invariant to the order of the slots; absent slots
    add nothing. Paper widths: 9,721,729 trainable parameters.
    """

    def __init__(self, config: SetDiscriminatorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or SetDiscriminatorConfig()
        self.feature_img, width = patch_features(config.image_channels, config.ndf, config.n_layers)
        self.feature_seg, _ = patch_features(1, config.ndf, config.n_layers)
        self.classifier = nn.Sequential(
            sn_conv(2 * width, 4 * width, 1),
            nn.InstanceNorm2d(4 * width),
            nn.LeakyReLU(0.2, True),
            sn_conv(4 * width, 1, 1),
        )

    @classmethod
    def paper(cls) -> SetDiscriminator:
        """The authors' widths: ndf 64, 3 layers (9,721,729 trainable parameters)."""
        return cls(SetDiscriminatorConfig.paper())

    @classmethod
    def lite(cls) -> SetDiscriminator:
        """CPU-friendly widths: ndf 16, 2 layers."""
        return cls(SetDiscriminatorConfig.lite())

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        check_images(images, self.config.image_channels)
        check_masks(images, masks)
        valid = instance_validity(masks)
        _, set_sum = encode_set(self.feature_seg, masks, valid)
        return self.classifier(torch.cat([self.feature_img(images), set_sum], 1))
