"""A two-direction translation model (G_A, G_B, D_A, D_B) for InstaGAN and its CycleGAN baselines.

Names follow the authors' code: ``G_A`` translates domain A -> B (the paper's G_XY), ``G_B`` B -> A
(G_YX), ``D_A`` judges domain B (D_Y) and ``D_B`` judges domain A (D_X).

Every generator here is called ``G(images, masks) -> (images, masks)`` and every discriminator
``D(images, masks) -> scores``, so one training step serves all three methods:

* ``"instagan"``: :class:`SetGenerator` / :class:`SetDiscriminator` on the selected instance masks.
* ``"cyclegan"``: :class:`ResnetGenerator` / :class:`PatchDiscriminator` on the image alone (K = 0 masks).
* ``"cyclegan_seg"``: the same networks on [image, union of the instance masks] (4 channels in and out),
  the paper's "CycleGAN + Seg" ablation baseline.

What depends on the method is decided by its :class:`~instagan_lite.methods.Method` (``model.method_spec``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from .cyclegan import PatchDiscriminator, PatchDiscriminatorConfig, ResnetGenerator, ResnetGeneratorConfig
from .layers import IMAGE_OUTPUTS
from .masks import check_images, check_masks, context_weight
from .methods import METHODS, Method, get_method
from .set_networks import SetDiscriminator, SetDiscriminatorConfig, SetGenerator, SetGeneratorConfig
from .settings import setting

__all__ = [
    "METHODS",
    "PRESETS",
    "BlendGenerator",
    "ConcatDiscriminator",
    "ConcatGenerator",
    "ModelConfig",
    "TranslationModel",
]

PRESETS = ("paper", "lite")


@dataclass(frozen=True)
class ModelConfig:
    """Which networks a :class:`TranslationModel` holds: everything needed to rebuild it from weights.

    ``method``: ``"instagan"``, ``"cyclegan"`` or ``"cyclegan_seg"``; ``preset``: ``"paper"`` (the
    authors' widths) or ``"lite"`` (CPU-friendly); ``cyclegan_width`` scales the baselines' generator
    width (≈ √2 doubles CycleGAN's parameters, as the paper does for fairness).

    ``image_output`` says how every generator's image is made (see
    :func:`~instagan_lite.layers.combine_image_output`): ``"direct"``, the authors'; ``"residual"``, a
    change added to the input, starting exactly as the identity; ``"layered"`` (InstaGAN only), an
    object and a background change cut by the generated masks
    (:func:`~instagan_lite.layers.compose_layers`). None (the default) takes the preset's:
    ``"residual"`` for ``lite`` (the lite recipe's first deviation, see ``docs/lite_recipe.md``) and
    ``"direct"`` for ``paper``, which stays exactly the authors'. ``blend_background`` wraps InstaGAN's
    generators in :class:`BlendGenerator` (a lite option kept for comparison; off by default).

    ``generator_width`` (the stem width ngf), ``generator_blocks`` (residual blocks per encoder) and
    ``generator_downsampling`` (stride-2 convs per encoder, 2 in both presets: an 8×8 bottleneck at 32 px)
    override the preset's generator architecture (None keeps it: 64 and 9 for ``paper``, 16 and 3 for
    ``lite``). They are recorded with the rest of the config in every checkpoint, so a model built with
    them loads anywhere.
    """

    method: str = setting(
        "instagan",
        "what to train: InstaGAN or a baseline (cyclegan_seg = the paper's CycleGAN + Seg)",
        choices=METHODS,
    )
    preset: str = setting(
        "lite",
        "lite (CPU-friendly widths and the lite recipe) or paper (exactly the authors' widths and recipe; "
        "the other flags still apply)",
        choices=PRESETS,
    )
    cyclegan_width: float = setting(
        1.0,
        "width factor of the CycleGAN baselines' generator (1.414 doubles its parameters, as the paper does "
        "for fairness)",
    )
    image_output: str | None = setting(
        None,
        "how the generators' image is made: direct (the authors'), residual (x + a learned change) or layered "
        "(InstaGAN: object and background changes cut by the generated masks) (default: the preset's: "
        "residual for lite, direct for paper)",
        choices=IMAGE_OUTPUTS,
        kind=str,
    )
    blend_background: bool = setting(
        False,
        "lite option: blend the input back in outside the instances, y = w(a,b')·x + (1-w)·y' (keeps the "
        "background by construction; not the paper's)",
    )
    generator_width: int | None = setting(
        None, "the generators' stem width ngf (default: the preset's: 16 for lite, 64 for paper)", kind=int
    )
    generator_blocks: int | None = setting(
        None, "residual blocks per generator encoder (default: the preset's: 3 for lite, 9 for paper)", kind=int
    )
    generator_downsampling: int | None = setting(
        None,
        "stride-2 convs in each generator encoder: the bottleneck is the image size / 2^N (default: the preset's: 2)",
        kind=int,
    )

    def __post_init__(self) -> None:
        spec = get_method(self.method)
        if self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {PRESETS}, got {self.preset!r}")
        if self.image_output is not None and self.image_output not in IMAGE_OUTPUTS:
            raise ValueError(f"image_output must be one of {IMAGE_OUTPUTS}, got {self.image_output!r}")
        if self.image_output == "layered" and not spec.instance_wise:
            raise ValueError("image_output 'layered' cuts the image by the generated instance masks: InstaGAN only")
        if self.blend_background and not spec.instance_wise:
            raise ValueError("blend_background applies to InstaGAN's set generators only")
        for name in ("generator_width", "generator_blocks", "generator_downsampling"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")

    @property
    def resolved_image_output(self) -> str:
        """``image_output``, or the preset's when it is None: residual for lite, direct for paper."""
        if self.image_output is not None:
            return self.image_output
        return "residual" if self.preset == "lite" else "direct"


class ConcatGenerator(nn.Module):
    """Calls an image-to-image :class:`ResnetGenerator` as ``G(images, masks)`` on [images; masks].

    Shapes: images (B, 3, H, W), masks (B, K, H, W) -> (images (B, 3, H, W), masks (B, K, H, W)), where
    the network has 3 + K input and output channels (K = 0 for CycleGAN, 1 for CycleGAN + Seg).
    """

    def __init__(self, net: ResnetGenerator) -> None:
        super().__init__()
        self.net = net

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_images(images, channels=None)  # named here: the network sees only [images; masks]
        check_masks(images, masks)
        out = self.net(torch.cat([images, masks], 1))
        return out[:, : images.shape[1]], out[:, images.shape[1] :]


class ConcatDiscriminator(nn.Module):
    """Calls a :class:`PatchDiscriminator` as ``D(images, masks)`` on [images; masks] -> (B, 1, h, w)."""

    def __init__(self, net: PatchDiscriminator) -> None:
        super().__init__()
        self.net = net

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        check_images(images, channels=None)  # named here: the network sees only [images; masks]
        check_masks(images, masks)
        return self.net(torch.cat([images, masks], 1))


class BlendGenerator(nn.Module):
    """Lite-recipe wrapper of a set generator: blend the input back in outside the instances.

    y = w(a, b') ⊙ x + (1 − w(a, b')) ⊙ y', with w the context weight (1 where both the input masks a
    and the generated masks b' say background). The generator then only has to paint inside the soft
    union of the old and the new instances, as in attention-guided GANs: the background is kept by
    construction instead of being learned, which also makes L_ctx ≈ 0. Not in the paper (a documented
    option, ``ModelConfig.blend_background``); compare :func:`instagan_lite.translate.paste_back`, the
    hard version used at inference. Shapes as :class:`SetGenerator`.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        translated, out_masks = self.net(images, masks)
        w = context_weight(masks, out_masks)  # w(a, b'), (B, 1, H, W)
        return w * images + (1 - w) * translated, out_masks


def _build_pair(config: ModelConfig) -> tuple[nn.Module, nn.Module]:
    """One generator and one discriminator of ``config.method`` at ``config.preset`` widths."""
    method = get_method(config.method)
    if method.instance_wise:
        g_cfg = getattr(SetGeneratorConfig, config.preset)()
        g_cfg = replace(
            g_cfg,
            ngf=config.generator_width or g_cfg.ngf,
            n_blocks=config.generator_blocks or g_cfg.n_blocks,
            n_downsampling=config.generator_downsampling or g_cfg.n_downsampling,
            image_output=config.resolved_image_output,
        )
        return SetGenerator(g_cfg), SetDiscriminator(getattr(SetDiscriminatorConfig, config.preset)())
    channels = 3 + method.mask_channels
    g_cfg = getattr(ResnetGeneratorConfig, config.preset)(channels, channels)
    g_cfg = replace(
        g_cfg,
        ngf=round((config.generator_width or g_cfg.ngf) * config.cyclegan_width),
        n_blocks=config.generator_blocks or g_cfg.n_blocks,
        n_downsampling=config.generator_downsampling or g_cfg.n_downsampling,
        image_output=config.resolved_image_output,
        mask_channels=method.mask_channels,  # CycleGAN + Seg's mask channel: direct output
    )
    return ConcatGenerator(ResnetGenerator(g_cfg)), ConcatDiscriminator(
        PatchDiscriminator(getattr(PatchDiscriminatorConfig, config.preset)(channels))
    )


class TranslationModel(nn.Module):
    """G_A, G_B, D_A, D_B of one method. Build with :meth:`build`.

    ``prepare_masks`` turns a dataset's masks (B, K, H, W) into what the method's networks take, and
    ``ins_max`` / ``ins_per`` / ``order`` describe InstaGAN's sequential mini-batches (ignored by the
    CycleGAN baselines, which take all their mask channels in one step).
    """

    def __init__(
        self,
        method: str,
        G_A: nn.Module,
        G_B: nn.Module,
        D_A: nn.Module,
        D_B: nn.Module,
    ) -> None:
        super().__init__()
        self.method_spec: Method = get_method(method)
        self.method = method
        self.config: ModelConfig | None = None  # set by from_config
        self.G_A, self.G_B, self.D_A, self.D_B = G_A, G_B, D_A, D_B

    @classmethod
    def build(
        cls, method: str = "instagan", preset: str = "lite", seed: int | None = None, **options
    ) -> TranslationModel:
        """Make the four networks of ``method`` at ``preset`` widths; ``options`` are the other
        :class:`ModelConfig` fields. ``seed`` seeds the initialisation."""
        return cls.from_config(ModelConfig(method, preset, **options), seed)

    @classmethod
    def from_config(cls, config: ModelConfig, seed: int | None = None) -> TranslationModel:
        """Make the four networks a :class:`ModelConfig` describes (G_A, D_A, then G_B, D_B)."""
        if seed is not None:
            torch.manual_seed(seed)
        g_a, d_a = _build_pair(config)
        g_b, d_b = _build_pair(config)
        if config.blend_background:
            g_a, g_b = BlendGenerator(g_a), BlendGenerator(g_b)
        model = cls(config.method, g_a, g_b, d_a, d_b)
        model.config = config
        return model

    def optimizers(
        self, lr: float = 2e-4, beta1: float = 0.5, lr_D: float | None = None
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        """The authors' Adam setup: one Adam(lr, betas=(beta1, 0.999)) over both generators, one over
        both discriminators (at ``lr_D`` if given, else ``lr``). Returns ``(opt_G, opt_D)``."""
        betas = (beta1, 0.999)
        opt_G = torch.optim.Adam([p for n in self.generators for p in n.parameters()], lr, betas=betas)
        d_params = [p for n in self.discriminators for p in n.parameters()]
        opt_D = torch.optim.Adam(d_params, lr if lr_D is None else lr_D, betas=betas)
        return opt_G, opt_D

    @property
    def generators(self) -> list[nn.Module]:
        return [self.G_A, self.G_B]

    @property
    def discriminators(self) -> list[nn.Module]:
        return [self.D_A, self.D_B]

    def prepare_masks(
        self, masks: torch.Tensor, ins_max: int, order: str = "decreasing", generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Dataset masks (B, K, H, W) -> the method's mask channels (:meth:`Method.prepare_masks`).

        InstaGAN: the ``ins_max`` largest instances (B, ins_max, H, W) in ``order``. CycleGAN: none
        (B, 0, H, W). CycleGAN + Seg: the soft union of all instances (B, 1, H, W).
        """
        return self.method_spec.prepare_masks(masks, ins_max, order, generator)
