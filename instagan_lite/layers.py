"""Building blocks shared by every network: initialisation, the ResNet block, conv factories.

All networks follow the authors' (and CycleGAN's) conventions: InstanceNorm without affine parameters
or running statistics, a bias on every conv, reflection padding for the 7×7 and residual convs.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

__all__ = [
    "IMAGE_OUTPUTS",
    "ResnetBlock",
    "combine_image_output",
    "compose_layers",
    "decoder",
    "encoder",
    "init_image_output",
    "init_weights",
    "patch_features",
    "sn_conv",
]

IMAGE_OUTPUTS = ("direct", "residual", "layered")
"""How a generator's decoder output becomes its image (the authors': ``"direct"``). With ``"residual"`` the
generator starts as the identity on the image and learns what to change (the lite recipe); ``"layered"``
(set generators only) paints two residual layers, objects and background, cut by the generated masks
(:func:`compose_layers`)."""


def init_weights(module: nn.Module, std: float = 0.02) -> None:
    """Initialise every conv / transposed conv in ``module`` with weights ~ N(0, std) and zero biases.

    This is CycleGAN's and InstaGAN's ``init_type='normal', gain=0.02``. Call it *before* wrapping a
    conv in spectral norm, so that the raw weight is what gets initialised (the authors' code calls it
    after, so their discriminators silently keep PyTorch's default init; see docs/deviations.md).
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def init_image_output(decoder: nn.Module, kind: str, mask_channels: int = 0) -> None:
    """Initialise a decoder ending in [conv, tanh] for its image output: ``"residual"`` and ``"layered"``
    zero the last conv's weights and bias for the image channels, so the generator starts exactly as the
    identity on the image (Δ = 0); the last ``mask_channels`` output channels (a direct mask output, see
    :class:`~instagan_lite.cyclegan.ResnetGenerator`) keep their initialisation; ``"direct"`` is left as it
    is; any other kind is refused."""
    if kind not in IMAGE_OUTPUTS:
        raise ValueError(f"image output must be one of {IMAGE_OUTPUTS}, got {kind!r}")
    if kind in ("residual", "layered"):
        last = [m for m in decoder.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))][-1]
        if not isinstance(last, nn.Conv2d):
            raise ValueError("the image output's last layer must be a Conv2d (out channels first)")
        image_rows = last.out_channels - mask_channels
        with torch.no_grad():
            last.weight[:image_rows].zero_()
            if last.bias is not None:
                last.bias[:image_rows].zero_()


def combine_image_output(kind: str, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The generator's image from its input x (B, C, H, W) and its decoder's tanh output ``out``:

    - ``"direct"`` (the authors'): y' = out;
    - ``"residual"``: y' = clamp(x + 2·out, −1, 1) — a change Δ = 2·out of any size.

    Only for images, not for binary masks: the clamp passes no gradient where x + 2·out is exactly ±1,
    so a residual on a mask of ±1 that starts at Δ = 0 never moves (the set generator's mask decoder and
    the CycleGAN + Seg generator's mask channel are direct).
    """
    if kind == "direct":
        return out
    if kind != "residual":
        raise ValueError(f"combine_image_output takes 'direct' or 'residual', got {kind!r} (see compose_layers)")
    return (x + 2 * out).clamp(-1, 1)


def compose_layers(x: torch.Tensor, out: torch.Tensor, generated_masks: torch.Tensor) -> torch.Tensor:
    """The ``"layered"`` image: two residual layers cut by the generated masks (not in the paper).

    x (B, C, H, W) in [-1, 1]; ``out`` (B, 2C, H, W), the decoder's tanh output: an object change Δ_o
    (first C channels) and a background change Δ_g (last C); ``generated_masks`` b' (B, K, H, W) in
    [-1, 1]. With s = (merge(b') + 1) / 2 ∈ [0, 1], the soft union of the new instances,

        y' = clamp(s · (x + 2Δ_o) + (1 − s) · (x + 2Δ_g), −1, 1).

    The image's new outline is the masks' outline, and each layer only has to be smooth inside it: the
    objects' colour over the new shape, the background over the vacated area.
    """
    c = x.shape[1]
    s = ((generated_masks + 1) / 2).sum(1, keepdim=True).clamp(0, 1)  # merge(b') in [0, 1]
    return (x + 2 * (s * out[:, :c] + (1 - s) * out[:, c:])).clamp(-1, 1)  # = the formula above


class ResnetBlock(nn.Module):
    """Residual block ``x + F(x)``: [ReflectionPad 1, Conv 3×3, IN, ReLU, ReflectionPad 1, Conv 3×3, IN].

    No ReLU after the addition (as in CycleGAN / InstaGAN). Indices of the two convs inside
    ``conv_block`` are 1 and 5, as in the authors' checkpoints.

    Shapes: (B, C, H, W) -> (B, C, H, W).
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


def encoder(in_channels: int, ngf: int, n_blocks: int, n_downsampling: int = 2) -> nn.Sequential:
    """Stem (ReflectionPad 3, Conv 7×7, IN, ReLU), ``n_downsampling`` stride-2 Conv 3×3 + IN + ReLU, then
    ``n_blocks`` ResNet blocks.

    Shapes: (B, in_channels, H, W) -> (B, ngf·2^n_downsampling, H/2^n, W/2^n).
    Module indices match the authors' ``encoder_img`` / ``encoder_seg`` (convs at 1, 4, 7; blocks from 10).
    """
    layers: list[nn.Module] = [
        nn.ReflectionPad2d(3),
        nn.Conv2d(in_channels, ngf, 7),
        nn.InstanceNorm2d(ngf),
        nn.ReLU(True),
    ]
    for i in range(n_downsampling):
        c = ngf * 2**i
        layers += [nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.InstanceNorm2d(2 * c), nn.ReLU(True)]
    width = ngf * 2**n_downsampling
    layers += [ResnetBlock(width) for _ in range(n_blocks)]
    return nn.Sequential(*layers)


def decoder(in_channels: int, width: int, out_channels: int, n_upsampling: int = 2) -> nn.Sequential:
    """``n_upsampling`` × [ConvTranspose 3×3 stride 2, IN, ReLU] halving the width each time, then
    ReflectionPad 3, Conv 7×7 and Tanh, so the output lies in [-1, 1].

    ``width`` is the channel count after the first transposed conv divided by 2^(n_upsampling-1); the
    authors' image decoder is ``decoder(512, 128, 3)`` and their mask decoder ``decoder(768, 192, 1)``.

    Shapes: (B, in_channels, h, w) -> (B, out_channels, h·2^n, w·2^n).
    """
    layers: list[nn.Module] = []
    c_in = in_channels
    for i in range(n_upsampling):
        c_out = width * 2 ** (n_upsampling - 1 - i)
        layers += [
            nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1),
            nn.InstanceNorm2d(c_out),
            nn.ReLU(True),
        ]
        c_in = c_out
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(c_in, out_channels, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def sn_conv(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """A 4×4 conv with padding 1 (PatchGAN's), N(0, 0.02)-initialised, under spectral norm (torch's
    parametrization: one power iteration per training-mode forward)."""
    conv = nn.Conv2d(in_channels, out_channels, 4, stride=stride, padding=1)
    init_weights(conv)
    return spectral_norm(conv)


def patch_features(in_channels: int, ndf: int, n_layers: int) -> tuple[nn.Sequential, int]:
    """The stride-2 trunk of a PatchGAN: Conv(in→ndf) + LeakyReLU 0.2, then ``n_layers - 1`` ×
    [Conv stride 2 (doubling, capped at 8·ndf), IN, LeakyReLU 0.2]. No norm on the first layer.

    Returns the trunk and its output width. Shapes: (B, in_channels, H, W) -> (B, width, H/2^n, W/2^n).
    Module indices match the authors' ``feature_img`` (convs at 0, 2, 5).
    """
    layers: list[nn.Module] = [
        sn_conv(in_channels, ndf, 2),
        nn.LeakyReLU(0.2, True),
    ]
    width = ndf
    for i in range(1, n_layers):
        new_width = ndf * min(2**i, 8)
        layers += [
            sn_conv(width, new_width, 2),
            nn.InstanceNorm2d(new_width),
            nn.LeakyReLU(0.2, True),
        ]
        width = new_width
    return nn.Sequential(*layers), width
