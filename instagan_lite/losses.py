"""Losses: LSGAN, cycle, identity and InstaGAN's context-preserving loss.

Weights (the authors' code, effectively): λ_cyc = 10, λ_idt = 10, λ_ctx = 10; the generator's GAN term
has weight 1 and the discriminator's loss is halved.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .masks import merge_masks

__all__ = [
    "context_preserving_loss",
    "context_weight",
    "cycle_loss",
    "discriminator_loss",
    "generator_gan_loss",
    "identity_loss",
]


def generator_gan_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """LSGAN generator term (paper Eq. 3): mean (D(G(x)) − 1)². Scores of any shape -> scalar."""
    return F.mse_loss(fake_scores, torch.ones_like(fake_scores))


def discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """LSGAN discriminator loss, halved as in CycleGAN: 0.5 · [mean (D(y) − 1)² + mean D(G(x))²]."""
    real = F.mse_loss(real_scores, torch.ones_like(real_scores))
    fake = F.mse_loss(fake_scores, torch.zeros_like(fake_scores))
    return 0.5 * (real + fake)


def cycle_loss(reconstruction: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Cycle-consistency (Eq. 4): mean |G_YX(G_XY(x, a)) − (x, a)| over every element.

    Pass images and masks concatenated on the channel axis, (B, 3 + K, H, W), to mix them in one mean
    as the authors do.
    """
    return F.l1_loss(reconstruction, original)


def identity_loss(mapped: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Identity mapping (Eq. 5): mean |G_YX(x, a) − (x, a)|, the target detached."""
    return F.l1_loss(mapped, original.detach())


def context_weight(input_masks: torch.Tensor, generated_masks: torch.Tensor, detach: bool = False) -> torch.Tensor:
    """w(a, b') = 1 − clamp(Σ_k (a_k + 1)/2 + Σ_k (b'_k + 1)/2, 0, 1): (B, 1, H, W) in [0, 1].

    The complement of the soft union of the step's input masks a (B, K, H, W) and generated masks b'
    (B, K', H, W), both in [-1, 1]: 1 where both say background, 0 inside any instance. As in the
    authors' code the gradient flows into b' unless ``detach``.
    """
    if detach:
        generated_masks = generated_masks.detach()
    # merge() maps the clamped sum to [-1, 1]; (1 − merge) / 2 = 1 − clamp(Σ, 0, 1).
    return (1 - merge_masks(torch.cat([input_masks, generated_masks], 1))) / 2


def context_preserving_loss(
    images: torch.Tensor,
    translated: torch.Tensor,
    input_masks: torch.Tensor,
    generated_masks: torch.Tensor,
    detach_weight: bool = False,
) -> torch.Tensor:
    """Context-preserving loss (Eq. 6): mean over (B, 3, H, W) of w(a, b') ⊙ |x − y'|.

    Args:
        images: x, the step's input images (B, 3, H, W) in [-1, 1].
        translated: y', the generator's output images (B, 3, H, W) in [-1, 1].
        input_masks: a, the step's input masks (B, K, H, W) in [-1, 1].
        generated_masks: b', the generated masks (B, K, H, W) in [-1, 1].
        detach_weight: stop the gradient through w (the authors let it flow).

    The mean runs over all pixels (not normalised by Σ w), as in the authors' code.
    """
    w = context_weight(input_masks, generated_masks, detach_weight)  # w(a, b')
    return (w * (images - translated).abs()).mean()
